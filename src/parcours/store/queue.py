"""The deadline queue: which pilot to evaluate next, and when."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from parcours.store import ledger
from parcours.store.schema import deadline_queue, timeline

# "At the next tick, whatever instant it is for": a command marks its pilot so, because a
# tick may stand for an instant before the command was recorded (replays, simulations).
ASAP = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC).replace(tzinfo=None)


# Built once: every command runs this, and building a statement costs more than SQLAlchemy's
# cached compilation of it.
_RESCHEDULE = (
    update(deadline_queue)
    .where(deadline_queue.c.pilot_id == bindparam("b_pilot"))
    .values(next_at=bindparam("b_at"))
)


def schedule(session: Session, pilot_id: str, at: datetime | None) -> None:
    """Evaluate this pilot at `at` (None: nothing left to evaluate)."""
    moved = session.execute(_RESCHEDULE, {"b_pilot": pilot_id, "b_at": _utc(at)})
    if not getattr(moved, "rowcount", 0):
        session.execute(deadline_queue.insert().values(pilot_id=pilot_id, next_at=_utc(at)))


_RESCHEDULED = _RESCHEDULE.returning(deadline_queue.c.pilot_id).cte("rescheduled")
# On PostgreSQL a command's statements are round trips (benchmark W): its timeline row and
# its rescheduling go in one.
_RECORD_AND_RESCHEDULE = (
    timeline.insert()
    .add_cte(_RESCHEDULED)
    .values(
        pilot_id=bindparam("b_pilot"),
        version=bindparam("b_version"),
        recorded_at=bindparam("b_recorded_at"),
    )
    .returning(select(func.count()).select_from(_RESCHEDULED).scalar_subquery())
)


def record_and_reschedule(session: Session, pilot_id: str, version: int, at: datetime) -> None:
    """After a command: the pilot's new version on the timeline (as of `at`), and its
    deadlines evaluated again at the next tick (the act may have met one)."""
    if session.get_bind().dialect.name != "postgresql":
        schedule(session, pilot_id, ASAP)
        ledger.record_version(session, pilot_id, version, at)
        return
    params = {"b_pilot": pilot_id, "b_at": _utc(ASAP), "b_version": version}
    moved = session.execute(_RECORD_AND_RESCHEDULE, {**params, "b_recorded_at": _utc(at)})
    if not moved.scalar():
        session.execute(deadline_queue.insert().values(pilot_id=pilot_id, next_at=_utc(ASAP)))


def due(session: Session, now: datetime, limit: int) -> list[str]:
    rows = session.execute(
        select(deadline_queue.c.pilot_id)
        .where(deadline_queue.c.next_at <= _utc(now))
        .order_by(deadline_queue.c.next_at)
        .limit(limit)
    )
    return [r.pilot_id for r in rows]


def earliest(session: Session) -> datetime | None:
    found = session.execute(
        select(deadline_queue.c.next_at)
        .where(deadline_queue.c.next_at.is_not(None))
        .order_by(deadline_queue.c.next_at)
        .limit(1)
    ).scalar()
    return None if found is None else found.replace(tzinfo=UTC)
