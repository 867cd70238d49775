"""The messages a user reads when a value is refused or the shell fails, by key.

Their texts are in the catalogue (catalogue.py: `locale/{fr,en}/LC_MESSAGES/parcours.po`),
French first. A message names the field or the setting and what to do, cites the rule id
where a rule of the charter applies (RULES.md), and never carries a personal value.
"""

from __future__ import annotations

from typing import Any

from parcours.catalogue import active, has, translate


def say(key: str, /, **values: Any) -> str:
    """The message `key` in the active language, filled with `values` (never personal)."""
    return translate(key, None, **values)


def headers(*columns: str) -> list[str]:
    """A table's column headers: the keys `col.<name>`, in the active language."""
    return [translate(f"col.{column}") for column in columns]


def label(kind: str, value: str) -> str:
    """A value of a closed set (a phase, a status…) as the reader names it: the key
    `<kind>.<value>` if the catalogue has it, else the value itself."""
    key = f"{kind}.{value.replace(' ', '_')}"
    return translate(key) if has(key, active()) else value
