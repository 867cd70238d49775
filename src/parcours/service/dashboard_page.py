"""A page of today's dashboard from the kept rows and the day's counts (issue 23): a first page
of 50 at 100,000 pilots reads about 50 rows and a few counts, not the cohort.

It answers only when the kept rows allow it, and then exactly as the whole dashboard would
(`tests/integration/projections/test_dashboard_page.py` compares the two on every filter):

- a refresh kept a row of this day for every pilot (`board_counts.complete`), starting from
  the read models at position P;
- the pilots with an event folded since P are judged again now, in the query's snapshot, and
  their share of the day's counts is exchanged for the new one;
- every other pilot's kept row is of its current version: it is read as it is.

Otherwise (no complete refresh of the day, programmes on different days in their time zones,
a past day) it gives way, and the whole dashboard is evaluated and paged as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from parcours import dashboard_pages as pages
from parcours.domain.standing_views import Dashboard, DashboardRow
from parcours.errors import InvalidInput
from parcours.projections import board, board_counts, board_page, readers
from parcours.service.pipeline import Pipeline
from parcours.service.programme_contacts import ProgrammeContactCommands

# The pilots' rows judged now, by id (CohortQueries.evaluated).
Judge = Callable[[Session, list[str], datetime], dict[str, DashboardRow]]


class _GiveWay(Exception):
    """The kept rows do not hold what the page needs: evaluate the whole dashboard."""


def kept_page(
    pipeline: Pipeline, judge: Judge, at: datetime, wanted: pages.DashboardFilter
) -> Dashboard | None:
    """The page `wanted` of the dashboard at `at` (today), or None when it must be evaluated."""
    try:
        return _page(pipeline, judge, at, wanted)
    except _GiveWay:
        return None


def _page(
    pipeline: Pipeline, judge: Judge, at: datetime, wanted: pages.DashboardFilter
) -> Dashboard | None:
    day = at.astimezone(pipeline.programmes.default().zone).date()
    with pipeline.reading() as session:
        since = board_counts.completed(session, day, board.RULES)
        if since is None:
            return None
        counts = board_counts.of_day(session, day)
        moved = pipeline.projections.changed_between(
            session, since, pipeline.projections.position(session)
        )
        judged = judge(session, sorted(moved), at)
        slugs = board_page.slugs_of(session, judged)  # a search= matches the slug too
        judged = {p: row.model_copy(update={"slug": slugs.get(p)}) for p, row in judged.items()}
        programmes = set(counts) | {row.programme for row in judged.values()}
        if any(at.astimezone(pipeline.programme(p).zone).date() != day for p in programmes):
            return None  # the kept rows of one programme are of another day
        _exchange(counts, board_page.kept_rows_of(session, judged), judged, day)
        rows, more = _rows(session, wanted, day, judged)
        matched = _matched(session, wanted, day, counts, judged)
        behind = readers.stale_pilots(session, pipeline.projections.name)
    if behind:
        rows = [
            r.model_copy(update={"stale": True}) if str(r.pilot_id) in behind else r for r in rows
        ]
    desk = ProgrammeContactCommands(pipeline)
    return Dashboard.model_construct(
        today=day,
        rows=rows,
        summary=board_counts.summary(counts, day),
        programme_alerts=[a for p in sorted(programmes) for a in desk.alerts(p)],
        next_after=rows[-1].pilot_id if more else None,
        matched=matched,
    )


def _exchange(
    counts: dict[str, Counter[str]],
    kept: Sequence[dict[str, Any]],
    judged: dict[str, DashboardRow],
    day: date,
) -> None:
    """The counts with the share of each pilot judged again exchanged for its new one."""
    for row in kept:
        if row["day"] == day and row["phase"] is not None and row["pilot_id"] in judged:
            counts.setdefault(str(row["programme"]), Counter()).subtract(
                board_counts.of_stored(row)
            )
    for now in judged.values():
        counts.setdefault(now.programme, Counter()).update(
            board_counts.contribution(now.phase, [(a.rule, a.severity) for a in now.alerts])
        )


def _rows(
    session: Session, wanted: pages.DashboardFilter, day: date, judged: dict[str, DashboardRow]
) -> tuple[list[DashboardRow], bool]:
    """The page's rows, and whether more follow."""
    after = None
    if wanted.after is not None:
        after = board_page.place(session, str(wanted.after))
        if after is None:
            raise InvalidInput("after", "input.after_not_shown")
    assert wanted.limit is not None
    needle = None if wanted.search is None else pages.folded(wanted.search)
    found = board_page.page_rows(
        session,
        day=day,
        rules=board.RULES,
        phase=None if wanted.phase is None else wanted.phase.value,
        rule=wanted.rule,
        needle=needle,
        after=after,
        again=judged.keys(),
        # Those judged again may fall out of the filters: read enough to fill the page anyway.
        size=wanted.limit + len(judged) + 1,
    )
    if any(f[11] is None and f[0] not in judged for f in found):
        raise _GiveWay  # a pilot with no row kept for the day, not judged: never, unless edited
    assembled, _ = board.Reader().assemble(found, judged)
    shown = [row for row in assembled if pages.matches(row, wanted, needle)]
    return shown[: wanted.limit], len(shown) > wanted.limit


def _matched(
    session: Session,
    wanted: pages.DashboardFilter,
    day: date,
    counts: dict[str, Counter[str]],
    judged: dict[str, DashboardRow],
) -> int:
    """How many pilots the filters match over all pages: from the day's counts when they
    hold the answer, else counted in SQL over the kept rows plus those judged again."""
    phase = None if wanted.phase is None else wanted.phase.value
    known = board_counts.matched(counts, phase, wanted.rule, wanted.search)
    if known is not None:
        return known
    needle = None if wanted.search is None else pages.folded(wanted.search)
    counted = board_page.matching(
        session,
        day=day,
        rules=board.RULES,
        phase=phase,
        rule=wanted.rule,
        needle=needle,
        leaving_out=judged.keys(),
    )
    return counted + sum(1 for row in judged.values() if pages.matches(row, wanted, needle))
