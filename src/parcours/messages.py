"""The messages a user reads when a value is refused or the shell fails, by key.

Their texts are in the catalogue (catalogue.py: `locale/{fr,en}/LC_MESSAGES/parcours.po`),
French first. A message names the field or the setting and what to do, cites the rule id
where a rule of the charter applies (RULES.md), and never carries a personal value.
"""

from __future__ import annotations

from typing import Any

from parcours.catalogue import translate


def say(key: str, **values: Any) -> str:
    """The message `key` in the active language, filled with `values` (never personal)."""
    return translate(key, None, **values)
