"""The command ledger (idempotent command ids) and the pilots' timeline (as-of lookups)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours.store.schema import commands, timeline


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def previous(session: Session, command_id: str) -> Any:
    return session.execute(select(commands).where(commands.c.command_id == command_id)).first()


def remember(
    session: Session, command_id: str, command: str, pilot_id: str, result: Any, at: datetime
) -> None:
    session.execute(
        commands.insert().values(
            command_id=command_id,
            command=command,
            pilot_id=pilot_id,
            result=None if result is None else str(result),
            recorded_at=_naive_utc(at),
        )
    )


_RECORD_VERSION = timeline.insert()


def record_version(session: Session, pilot_id: str, version: int, at: datetime) -> None:
    session.execute(
        _RECORD_VERSION, {"pilot_id": pilot_id, "version": version, "recorded_at": _naive_utc(at)}
    )


def version_at(session: Session, pilot_id: str, at: datetime) -> int | None:
    found = session.execute(
        select(func.max(timeline.c.version)).where(
            timeline.c.pilot_id == pilot_id, timeline.c.recorded_at <= _naive_utc(at)
        )
    ).scalar()
    return None if found is None else int(found)
