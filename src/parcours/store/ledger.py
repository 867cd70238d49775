"""The command ledger (idempotent command ids) and the pilots' timeline (as-of lookups).

A ledger row decides what the engine does (a repeated command id is answered from it, not
run), so it is in the audit log: when the command's events are inserted, the row is given the
versions of the events it produced (`first_version`..`last_version`) and a leaf of its own
right after theirs (`pending_entries`, called by the recorder in the same transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours.store.direct import Direct
from parcours.store.log import Entry, canonical, record_entry
from parcours.store.schema import commands, timeline

_PENDING = "parcours_ledger_pending"


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def previous(session: Session, command_id: str) -> Any:
    return session.execute(select(commands).where(commands.c.command_id == command_id)).first()


def remember(
    session: Session, command_id: str, command: str, pilot_id: str, result: Any, at: datetime
) -> None:
    row = {
        "command_id": command_id,
        "command": command,
        "pilot_id": pilot_id,
        "result": None if result is None else str(result),
        "recorded_at": _naive_utc(at),
    }
    session.execute(commands.insert().values(**row))
    session.info.setdefault(_PENDING, []).append(row)


def pending_entries(session: Session, stored: Sequence[StoredEvent]) -> list[Entry]:
    """The leaves of the ledger rows written in this transaction, each pointing at the events
    of its pilot being inserted with it (the recorder calls this after inserting them)."""
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    entries = []
    for row in pending:
        versions = [e.originator_version for e in stored if str(e.originator_id) == row["pilot_id"]]
        first, last = (min(versions), max(versions)) if versions else (None, None)
        if versions:
            session.execute(
                commands.update()
                .where(commands.c.command_id == row["command_id"])
                .values(first_version=first, last_version=last)
            )
        entries.append(entry({**row, "first_version": first, "last_version": last}))
    return entries


def entry(row: Any) -> Entry:
    """The leaf of a ledger row (a mapping or a row of `commands`)."""
    values = dict(row) if isinstance(row, dict) else dict(row._mapping)
    return record_entry("command", values["command_id"], covered(values), values["last_version"])


def covered(values: dict[str, Any]) -> bytes:
    """What a ledger row's leaf covers (`recorded_at` naive UTC, to the microsecond)."""
    at = values["recorded_at"]
    return canonical(
        [
            values["command_id"],
            values["command"],
            values["pilot_id"],
            values["result"],
            at.isoformat(timespec="microseconds") if isinstance(at, datetime) else str(at),
            values["first_version"],
            values["last_version"],
        ]
    )


def rows(session: Session, command_ids: Sequence[str]) -> dict[str, Any]:
    """Ledger rows by command id."""
    found = session.execute(select(commands).where(commands.c.command_id.in_(command_ids)))
    return {row.command_id: row for row in found}


# Every command on SQLite: on the driver's cursor (store/direct.py).
_RECORD_VERSION = Direct(timeline.insert(), ["pilot_id", "version", "recorded_at"])


def record_version(session: Session, pilot_id: str, version: int, at: datetime) -> None:
    params = {"pilot_id": pilot_id, "version": version, "recorded_at": _naive_utc(at)}
    _RECORD_VERSION.execute(session, params).close()


def version_at(session: Session, pilot_id: str, at: datetime) -> int | None:
    found = session.execute(
        select(func.max(timeline.c.version)).where(
            timeline.c.pilot_id == pilot_id, timeline.c.recorded_at <= _naive_utc(at)
        )
    ).scalar()
    return None if found is None else int(found)


def versions_at(session: Session, at: datetime) -> dict[str, int]:
    """Every pilot's version as recorded at `at` (pilots enrolled later are absent): one
    grouped read of the timeline, whatever the number of pilots."""
    found = session.execute(
        select(timeline.c.pilot_id, func.max(timeline.c.version))
        .where(timeline.c.recorded_at <= _naive_utc(at))
        .group_by(timeline.c.pilot_id)
    )
    return {pilot_id: int(version) for pilot_id, version in found}
