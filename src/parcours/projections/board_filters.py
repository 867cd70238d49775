"""What a dashboard page's `rule=` and `search=` match in a table of kept rows (today's,
`board`, and the sealed days', `board_history`): one definition for both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

from parcours.store import pilot_names


def terms(table: Any, rule: str | None, needle: str | None) -> list[ColumnElement[bool]]:
    """`table`'s `alert_rules` ("|R3|R9|") holds `rule`; its `search` (the folded name) and
    the pilot's slug contain `needle` (already folded)."""
    found: list[ColumnElement[bool]] = []
    if rule is not None:
        found.append(table.c.alert_rules.contains(f"|{rule}|", autoescape=True))
    if needle is not None:
        text = table.c.search + " " + func.coalesce(pilot_names.names.c.slug, "")
        found.append(text.contains(needle, autoescape=True))
    return found
