"""The SQL of a recorded rewrite of stored events (the sealing of clear free text, issue 16).

Events are immutable to every other part of parcours. The one exception is this migration,
orchestrated by `parcours.service.migration`: it replaces an event's stored bytes with the
same event whose free text is sealed, recomputes the pilot's audit chain from that event on,
and records what it did. Nothing here decides anything: it reads and writes rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from parcours.store.chain import GENESIS, chain, link
from parcours.store.eventstore import PilotStore
from parcours.store.schema import audit_checkpoints, meta
from parcours.store.shredding import utc

PREFIX = "migration:"


def events_table(store: PilotStore) -> Table:
    table: Table = getattr(store.recorder, "events_record_cls").__table__  # noqa: B009
    return table


def stored_events(session: Session, store: PilotStore, pilot_id: UUID) -> Sequence[Any]:
    """(originator_version, topic, state) of the pilot's events, in order."""
    table = events_table(store)
    return session.execute(
        select(table.c.originator_version, table.c.topic, table.c.state)
        .where(table.c.originator_id == pilot_id)
        .order_by(table.c.originator_version)
    ).all()


def links(session: Session, pilot_id: UUID) -> dict[int, bytes]:
    rows = session.execute(
        select(chain.c.originator_version, chain.c.hash).where(
            chain.c.originator_id == str(pilot_id)
        )
    )
    return {int(r.originator_version): bytes(r.hash) for r in rows}


def chain_of(pilot_id: UUID, events: Sequence[Any], states: dict[int, bytes]) -> dict[int, bytes]:
    """The chain recomputed over the events, with `states` standing for rewritten ones."""
    previous = GENESIS
    computed = {}
    for row in events:
        version = int(row.originator_version)
        state = states.get(version, bytes(row.state))
        previous = link(previous, pilot_id, version, row.topic, state)
        computed[version] = previous
    return computed


def replace(
    session: Session,
    store: PilotStore,
    pilot_id: UUID,
    states: dict[int, bytes],
    new_links: dict[int, bytes],
    old_links: dict[int, bytes],
) -> None:
    """The rewritten states, and every link that changed with them."""
    table = events_table(store)
    for version, state in states.items():
        session.execute(
            update(table)
            .where(table.c.originator_id == pilot_id, table.c.originator_version == version)
            .values(state=state)
        )
    for version, digest in new_links.items():
        if old_links.get(version) != digest:
            session.execute(
                update(chain)
                .where(
                    chain.c.originator_id == str(pilot_id), chain.c.originator_version == version
                )
                .values(hash=digest)
            )


def drop_checkpoints(session: Session) -> int:
    """Checkpointed heads hash the old bytes (a digest over clear text): they go."""
    result = session.execute(delete(audit_checkpoints))
    return int(getattr(result, "rowcount", 0))


def record(session: Session, name: str, at: datetime, report: dict[str, Any]) -> None:
    body = json.dumps({"at": utc(at).isoformat(), **report}, sort_keys=True, default=str)
    key = f"{PREFIX}{name}"
    found = session.execute(select(meta.c.name).where(meta.c.name == key)).first()
    if found is None:
        session.execute(insert(meta).values(name=key, value=body.encode()))
    else:
        session.execute(update(meta).where(meta.c.name == key).values(value=body.encode()))


def recorded(session: Session, name: str) -> dict[str, Any] | None:
    value = session.execute(select(meta.c.value).where(meta.c.name == f"{PREFIX}{name}")).scalar()
    return None if value is None else dict(json.loads(bytes(value)))
