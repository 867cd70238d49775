"""Programme definitions registered from files, kept so that a restart knows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.store.log import append_records
from parcours.store.records import programme_entry
from parcours.store.schema import programmes


def save(session: Session, programme_id: str, definition: str) -> None:
    """Keep this definition (JSON) under its id, replacing an earlier one; the definition is
    a leaf of the audit log (it holds the rules and the roles table)."""
    session.execute(programmes.delete().where(programmes.c.id == programme_id))
    session.execute(programmes.insert().values(id=programme_id, definition=definition))
    append_records(session, [programme_entry(programme_id, definition)])


def saved(session: Session) -> list[tuple[str, str]]:
    """Every kept definition: (id, JSON)."""
    return [(row.id, row.definition) for row in session.execute(select(programmes))]
