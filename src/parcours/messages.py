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


# pydantic's own refusals, in the catalogue's words (its messages are English only).
_PYDANTIC_KEYS = {
    "string_pattern_mismatch": "input.form",
    "enum": "input.choice",
    "literal_error": "input.choice",
    "string_too_long": "input.too_long",
    "missing": "input.missing",
    "string_type": "text.expected",
    "int_parsing": "input.integer",
    "int_type": "input.integer",
    "int_from_float": "input.integer",
    "float_parsing": "number.expected",
    "float_type": "number.expected",
    "bool_parsing": "input.bool",
    "bool_type": "input.bool",
    "date_parsing": "input.date",
    "date_from_datetime_parsing": "input.date",
    "date_type": "input.date",
    "list_type": "input.list",
    "dict_type": "input.mapping",
    "extra_forbidden": "input.extra",
    "greater_than_equal": "input.too_small",
    "greater_than": "input.too_small",
    "less_than_equal": "input.too_large",
    "less_than": "input.too_large",
}


def pydantic_key(error_type: str) -> str | None:
    """The catalogue key of one of pydantic's refusals (by its `type`), or None: the input
    policy (`inputs.validated`) and the settings say them in the reader's language."""
    return _PYDANTIC_KEYS.get(error_type)
