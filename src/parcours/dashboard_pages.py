"""The dashboard as people use it: one page at a time, filtered (CONTRACT.md, issue 23).

`dashboard(today, phase=…, rule=…, search=…, limit=50, after=…)`: the rows of the cohort in
dashboard order that are in `phase`, carry an alert of `rule`, or whose name or slug contains
`search` (accents and capitals aside); at most `limit` of them, starting after the pilot
`after` (the `next_after` of the page before). `limit=None`, the default, is every row. The
summary stays the whole cohort's: a page is a view of the cohort, not a smaller cohort.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from parcours.domain.phases import Phase
from parcours.domain.standing_views import DashboardRow
from parcours.errors import InvalidInput
from parcours.inputs import Name

PAGE_MAX = 1_000


class DashboardFilter(BaseModel):
    """What the officer asked for; validated like every input (a refusal names the field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    phase: Phase | None = None
    rule: Annotated[str, Field(pattern=r"^R\d{1,2}$")] | None = None
    search: Name | None = None
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX, strict=True)] | None = None
    after: UUID | None = None

    @property
    def narrows(self) -> bool:
        return any(v is not None for v in (self.phase, self.rule, self.search, self.limit))


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)
    rows: list[DashboardRow]
    # The pilot to pass as `after=` for the next page; None on the last one.
    next_after: UUID | None
    # Rows matching the filters over the whole cohort (all pages).
    matched: int


def folded(text: str) -> str:
    """'Communauté de Communes' → 'communaute de communes': a search ignores accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def page(rows: Sequence[DashboardRow], wanted: DashboardFilter) -> Page:
    """The rows of one page, in the order given."""
    order = {row.pilot_id: n for n, row in enumerate(rows)}
    if wanted.after is not None and wanted.after not in order:
        raise InvalidInput("after", "input.after_not_shown")
    start = 0 if wanted.after is None else order[wanted.after] + 1
    needle = None if wanted.search is None else folded(wanted.search)
    matching = [row for row in rows if matches(row, wanted, needle)]
    remaining = [row for row in matching if order[row.pilot_id] >= start]
    shown = remaining if wanted.limit is None else remaining[: wanted.limit]
    more = len(shown) < len(remaining)
    return Page(rows=shown, next_after=shown[-1].pilot_id if more else None, matched=len(matching))


def matches(row: DashboardRow, wanted: DashboardFilter, needle: str | None) -> bool:
    return (
        (wanted.phase is None or row.phase == wanted.phase.value)
        and (wanted.rule is None or any(alert.rule == wanted.rule for alert in row.alerts))
        and (needle is None or needle in folded(f"{row.name} {row.slug or ''}"))
    )
