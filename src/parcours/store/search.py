"""Search every table and column of the database for values, through SQL (R13's proof).

The purge runs this inside its own transaction, after destroying the keys and while it
still knows the values it destroyed (the people's fields, the free text): if a value is still
found anywhere in clear (an event, a snapshot, a read model, the outbox, the queue, the
command ledger, APScheduler's job table, a table some other code added), the purge report
says where. On PostgreSQL a search of the files' bytes would miss values that TOAST
compressed; SQL sees them as they are. Values are never returned or logged: a hit names the
table, the column and the kind of value only.

One scan per table: every text or binary column is matched against every value in the same
SELECT. Text columns are searched as text, binary ones (event state, snapshots, pickled
jobs) as bytes, each value also in its JSON-escaped form.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, LargeBinary, String, Text, inspect, text
from sqlalchemy.orm import Session

# Shorter values would be found inside unrelated words; the report counts them as skipped.
MIN_LENGTH = 4


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)
    table: str
    column: str
    kind: str
    rows: int


class SearchReport(BaseModel):
    """What the search covered and what it found (no value in it)."""

    model_config = ConfigDict(frozen=True)
    tables: list[str]
    columns: int
    values: int
    skipped_short: int
    hits: list[Hit]


def search(session: Session, values: Sequence[tuple[str, str]]) -> SearchReport:
    """Search every table's text and binary columns for each (kind, value)."""
    wanted: list[tuple[str, str]] = []
    skipped = 0
    for kind, value in dict.fromkeys(values):
        if len(value.strip()) < MIN_LENGTH:
            skipped += 1
            continue
        wanted.append((kind, value))
    connection = session.connection()
    dialect = connection.dialect.name
    catalogue = inspect(connection)
    tables = sorted(catalogue.get_table_names())
    hits: list[Hit] = []
    columns = 0
    for table in tables:
        searched = [
            (c["name"], _binary(c["type"]))
            for c in catalogue.get_columns(table)
            if _binary(c["type"]) is not None
        ]
        columns += len(searched)
        if not searched or not wanted:
            continue
        hits.extend(_scan(session, dialect, table, searched, wanted))
    return SearchReport(
        tables=tables, columns=columns, values=len(wanted), skipped_short=skipped, hits=hits
    )


def _binary(kind: Any) -> bool | None:
    """True for a binary column, False for a text one, None for anything else."""
    if isinstance(kind, LargeBinary) or type(kind).__name__ in ("BYTEA", "BLOB"):
        return True
    if isinstance(kind, String | Text | JSON) or type(kind).__name__ in ("JSONB", "CLOB"):
        return False
    return None


def _forms(value: str) -> list[str]:
    escaped = json.dumps(value, ensure_ascii=False)[1:-1]
    ascii_escaped = json.dumps(value)[1:-1]
    return list(dict.fromkeys([value, escaped, ascii_escaped]))


def _scan(
    session: Session,
    dialect: str,
    table: str,
    columns: list[tuple[str, bool | None]],
    wanted: list[tuple[str, str]],
) -> list[Hit]:
    parts: list[str] = []
    params: dict[str, Any] = {}
    labels: list[tuple[str, str]] = []
    for column, binary in columns:
        quoted = f'"{column}"'
        for kind, value in wanted:
            tests = []
            for form in _forms(value):
                name = f"v{len(params)}"
                # SQLite: every column is compared as bytes (its typing is per value).
                as_bytes = bool(binary) or dialect != "postgresql"
                params[name] = form.encode() if as_bytes else form
                tests.append(_contains(dialect, quoted, name, bool(binary)))
            parts.append(f"SUM(CASE WHEN {' OR '.join(tests)} THEN 1 ELSE 0 END)")
            labels.append((column, kind))
    row = session.execute(text(f'SELECT {", ".join(parts)} FROM "{table}"'), params).one()
    found: dict[tuple[str, str], int] = {}
    for (column, kind), count in zip(labels, row, strict=True):
        if count:
            found[(column, kind)] = found.get((column, kind), 0) + int(count)
    return [
        Hit(table=table, column=column, kind=kind, rows=rows)
        for (column, kind), rows in sorted(found.items())
    ]


def _contains(dialect: str, column: str, parameter: str, binary: bool) -> str:
    if dialect == "postgresql":
        if binary:
            return f"position(:{parameter} in {column}) > 0"
        return f"strpos({column}::text, :{parameter}) > 0"
    return f"instr(CAST({column} AS BLOB), :{parameter}) > 0"
