"""The leaves of the rows that are not events but decide what the engine does or what an
auditor is told: registered programme definitions and audit checkpoints (the command
ledger's are in `store/ledger.py`). Each is appended in the transaction that writes the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.store.log import Entry, canonical, record_entry
from parcours.store.schema import audit_checkpoints, programmes


def programme_entry(programme_id: str, definition: str) -> Entry:
    return record_entry("programme", programme_id, definition.encode())


def checkpoint_entry(row: Any) -> Entry:
    values = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    at = values["recorded_at"]
    data = canonical(
        [
            int(values["id"]),
            at.isoformat(timespec="microseconds") if isinstance(at, datetime) else str(at),
            int(values["pilots"]),
            values["heads"],
        ]
    )
    return record_entry("checkpoint", str(values["id"]), data)


def current(session: Session, kind: str, refs: list[str]) -> dict[str, Entry]:
    """The entries the rows of `kind` make today, by ref (what their last leaf must cover)."""
    if kind == "programme":
        found = session.execute(select(programmes).where(programmes.c.id.in_(refs)))
        return {row.id: programme_entry(row.id, row.definition) for row in found}
    if kind == "checkpoint":
        ids = [int(ref) for ref in refs if ref.isdigit()]
        found = session.execute(select(audit_checkpoints).where(audit_checkpoints.c.id.in_(ids)))
        return {str(row.id): checkpoint_entry(row) for row in found}
    raise ValueError(kind)


def all_refs(session: Session, kind: str) -> list[str]:
    """Every row of `kind` there is (to find rows that no leaf covers)."""
    if kind == "programme":
        return [str(r) for (r,) in session.execute(select(programmes.c.id))]
    if kind == "checkpoint":
        return [str(r) for (r,) in session.execute(select(audit_checkpoints.c.id))]
    raise ValueError(kind)
