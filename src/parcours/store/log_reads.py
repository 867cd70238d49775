"""What verifying the audit log reads besides the log itself: stored events by key, in pages,
the ledger's ids, the snapshots there are. Plain reads, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from parcours.store.pairs import pairs_in
from parcours.store.schema import commands

Key = tuple[UUID, int]


def events_at(session: Session, events: Table, keys: Sequence[Key]) -> dict[Key, Any]:
    """Stored event rows (id, topic, state) by (originator id, version)."""
    found: dict[Key, Any] = {}
    for start in range(0, len(keys), 400):
        chunk = list(keys[start : start + 400])
        rows = session.execute(
            select(
                events.c.id,
                events.c.originator_id,
                events.c.originator_version,
                events.c.topic,
                events.c.state,
            ).where(pairs_in(events.c.originator_id, events.c.originator_version, chunk))
        )
        for row in rows:
            found[(UUID(str(row.originator_id)), int(row.originator_version))] = row
    return found


def event_keys(session: Session, events: Table, after: int, limit: int) -> list[Any]:
    """(id, originator id, version) of stored events after notification `after`, in order."""
    return list(
        session.execute(
            select(events.c.id, events.c.originator_id, events.c.originator_version)
            .where(events.c.id > after)
            .order_by(events.c.id)
            .limit(limit)
        )
    )


def command_ids(session: Session) -> list[str]:
    return [str(c) for (c,) in session.execute(select(commands.c.command_id))]


def snapshot_keys(session: Session, snapshots: Table) -> list[Key]:
    rows = session.execute(
        select(snapshots.c.originator_id, snapshots.c.originator_version).order_by(
            snapshots.c.originator_id, snapshots.c.originator_version
        )
    )
    return [(UUID(str(r.originator_id)), int(r.originator_version)) for r in rows]


def snapshots_at(session: Session, snapshots: Table, keys: Sequence[Key]) -> dict[Key, Any]:
    """Stored snapshot rows (topic, state) by (originator id, version)."""
    found: dict[Key, Any] = {}
    for start in range(0, len(keys), 400):
        chunk = list(keys[start : start + 400])
        rows = session.execute(
            select(
                snapshots.c.originator_id,
                snapshots.c.originator_version,
                snapshots.c.topic,
                snapshots.c.state,
            ).where(pairs_in(snapshots.c.originator_id, snapshots.c.originator_version, chunk))
        )
        for row in rows:
            found[(UUID(str(row.originator_id)), int(row.originator_version))] = row
    return found
