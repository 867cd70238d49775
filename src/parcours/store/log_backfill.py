"""A store made before the audit log gets its leaves once, when it is first opened.

Under the lock that orders inserts of events, and only if the log is still empty (another
process opening the same store at once finds it done): every event in notification order,
then the command-ledger rows (each pointed at the events that carry its command id), the
registered programme definitions and the checkpoints, and last a `note` leaf that records the
backfill itself (when, and how many leaves of each kind), so the log says where it began.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from parcours.store import ledger, log, records, setup
from parcours.store.schema import METADATA, audit_checkpoints, commands, programmes

PAGE = 1000


def backfill(store: Any) -> int:
    """Give an older store's rows their leaves, once; returns how many were appended."""
    engine: Engine = store.engine
    recorder = store.recorder
    with store.reading() as session:
        if session.execute(select(log.leaves.c.leaf_index).limit(1)).first() is not None:
            return 0
    if not recorder.max_notification_id():
        return 0
    # The ledger's pointer columns are added by the set-up of our tables; it runs later
    # at start-up, but the backfill needs them now (idempotent, so running it twice is fine).
    setup.create_tables(engine, [METADATA])
    with store.writing() as session:
        store.audit_log.lock(session)
        if log.size(session):
            return 0
        counts = {"event": 0, "snapshot": 0, "command": 0, "programme": 0, "checkpoint": 0}
        produced: dict[str, tuple[str, list[int]]] = {}
        position = 0
        while True:
            page = recorder.select_notifications(start=position + 1, limit=PAGE)
            if not page:
                break
            position = page[-1].id
            entries = []
            for n in page:
                pilot = UUID(str(n.originator_id))
                entries.append(log.event_entry(pilot, n.originator_version, n.topic, n.state))
                command_id = _command_id(n.state)
                if command_id is not None:
                    produced.setdefault(command_id, (str(pilot), []))[1].append(
                        n.originator_version
                    )
            store.audit_log.append(session, entries)
            counts["event"] += len(entries)
        tables = set(inspect(session.connection()).get_table_names())
        entries = []
        snapshots = store.snapshots_table
        if snapshots is not None and snapshots.name in tables:
            order = (snapshots.c.originator_id, snapshots.c.originator_version)
            for row in session.execute(select(snapshots).order_by(*order)):
                entries.append(log.snapshot_entry(row))
                counts["snapshot"] += 1
        if commands.name in tables:
            rows = session.execute(
                select(commands).order_by(commands.c.recorded_at, commands.c.command_id)
            ).all()
            for row in rows:
                values = dict(row._mapping)
                pilot, versions = produced.get(row.command_id, (row.pilot_id, []))
                if pilot == row.pilot_id and versions:
                    values["first_version"], values["last_version"] = min(versions), max(versions)
                    session.execute(
                        commands.update()
                        .where(commands.c.command_id == row.command_id)
                        .values(first_version=min(versions), last_version=max(versions))
                    )
                entries.append(ledger.entry(values))
            counts["command"] = len(rows)
        if programmes.name in tables:
            for row in session.execute(select(programmes).order_by(programmes.c.id)):
                entries.append(records.programme_entry(row.id, row.definition))
                counts["programme"] += 1
        if audit_checkpoints.name in tables:
            for row in session.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id)):
                entries.append(records.checkpoint_entry(row))
                counts["checkpoint"] += 1
        note = {"backfill": counts, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        entries.append(log.record_entry("note", "backfill", log.canonical(note)))
        store.audit_log.append(session, entries)
    return sum(counts.values()) + 1


def restart(store: Any, reason: str) -> int:
    """Start the log over the stored rows as they are now, after a recorded rewrite of events
    (the sealing of free text left in clear, issue 16): the old leaves and tree hashed the
    clear bytes, and the receipts issued over them can no longer be extended. The new log's
    first leaves are the backfill and a note naming `reason`. Returns the leaves appended."""
    with store.writing() as session:
        store.audit_log.lock(session)
        for table in (log.receipts, log.nodes, log.leaves):
            session.execute(table.delete())
    store.audit_log.forget()
    appended = backfill(store)
    with store.writing() as session:
        note = {"restarted": reason, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        store.audit_log.append_records(
            session, [log.record_entry("note", "restart", log.canonical(note))]
        )
    return appended + 1


def _command_id(state: bytes) -> str | None:
    try:
        found = json.loads(state).get("command_id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None
