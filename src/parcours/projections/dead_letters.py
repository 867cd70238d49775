"""Events the read models could not fold, and the events held back behind them (issue 18).

Should a stored event ever fail to fold (a bug, a value an older version let in, an old
database), the projector must neither die on it for ever nor skip it in silence. The event
is recorded here with its error; **every later event of the same pilot is held back here
too**, in order, because a pilot's read-model row is a fold of its events in sequence; the
other pilots keep folding. The pilot is shown stale; a retry, with backoff or on demand
(`parcours projections retry`), folds the held events in order once the cause is fixed.

The error kept is the exception's class and the start of its message: database drivers do
not echo the values they refused, and the events' personal fields are sealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from parcours.projections.pilots import METADATA

dead_letters = Table(
    "parcours_rm_dead_letters",
    METADATA,
    Column("projection", String(64), primary_key=True),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("pilot_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("topic", Text, nullable=False),
    # Null for an event held back behind an earlier failure of its pilot.
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("next_retry_at", DateTime(timezone=False), nullable=False),
    Column("recorded_at", DateTime(timezone=False), nullable=False),
    Index("parcours_rm_dead_letters_pilot", "projection", "pilot_id", "position"),
)

FIRST_RETRY = timedelta(seconds=5)
LAST_RETRY = timedelta(hours=1)
_ERROR_LENGTH = 300


class DeadLetter(BaseModel):
    """One event of a stale pilot: the one that failed (with its error) or one held back."""

    model_config = ConfigDict(frozen=True)
    position: int
    pilot_id: str
    version: int
    topic: str
    error: str | None
    attempts: int
    next_retry_at: datetime


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:_ERROR_LENGTH]}".strip()


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s… up to an hour between tries."""
    wait: timedelta = FIRST_RETRY * 2 ** max(0, attempts - 1)
    return min(wait, LAST_RETRY)


def held_pilots(session: Session, projection: str) -> set[str]:
    """The pilots whose events are held back (one indexed read; empty in normal times)."""
    rows = session.execute(
        select(dead_letters.c.pilot_id).where(dead_letters.c.projection == projection).distinct()
    )
    return {row.pilot_id for row in rows}


def hold(
    session: Session,
    projection: str,
    entries: Sequence[tuple[int, str, int, str, str | None]],
    now: datetime,
) -> None:
    """Record (position, pilot, version, topic, error or None for held back) entries."""
    if not entries:
        return
    session.execute(
        insert(dead_letters),
        [
            {
                "projection": projection,
                "position": position,
                "pilot_id": pilot_id,
                "version": version,
                "topic": topic,
                "error": error,
                "attempts": 1 if error else 0,
                "next_retry_at": _naive(now + backoff(1)),
                "recorded_at": _naive(now),
            }
            for position, pilot_id, version, topic, error in entries
        ],
    )


def listed(session: Session, projection: str, pilot_id: str | None = None) -> list[DeadLetter]:
    query = select(dead_letters).where(dead_letters.c.projection == projection)
    if pilot_id is not None:
        query = query.where(dead_letters.c.pilot_id == pilot_id)
    rows = session.execute(query.order_by(dead_letters.c.position)).mappings()
    return [
        DeadLetter(
            position=r["position"],
            pilot_id=r["pilot_id"],
            version=r["version"],
            topic=r["topic"],
            error=r["error"],
            attempts=r["attempts"],
            next_retry_at=r["next_retry_at"].replace(tzinfo=UTC),
        )
        for r in rows
    ]


def due_pilots(session: Session, projection: str, now: datetime | None) -> list[str]:
    """Stale pilots whose retry is due (all of them when `now` is None), oldest first."""
    query = (
        select(dead_letters.c.pilot_id, func.min(dead_letters.c.position).label("first"))
        .where(dead_letters.c.projection == projection, dead_letters.c.error.is_not(None))
        .group_by(dead_letters.c.pilot_id)
        .order_by("first")
    )
    if now is not None:
        query = query.where(dead_letters.c.next_retry_at <= _naive(now))
    return [row.pilot_id for row in session.execute(query)]


def release(session: Session, projection: str, pilot_id: str, positions: list[int]) -> None:
    """The pilot's held events at these positions were folded; events held after the retry
    read them stay (the next retry folds them)."""
    session.execute(
        delete(dead_letters).where(
            dead_letters.c.projection == projection,
            dead_letters.c.pilot_id == pilot_id,
            dead_letters.c.position.in_(positions),
        )
    )


def failed_again(
    session: Session, projection: str, letter: DeadLetter, error: str, now: datetime
) -> None:
    """The retry of this pilot failed at `letter`: note the error, wait longer."""
    attempts = letter.attempts + 1
    session.execute(
        update(dead_letters)
        .where(dead_letters.c.projection == projection, dead_letters.c.pilot_id == letter.pilot_id)
        .values(error=None, next_retry_at=_naive(now + backoff(attempts)))
    )
    session.execute(
        update(dead_letters)
        .where(dead_letters.c.projection == projection, dead_letters.c.position == letter.position)
        .values(error=error, attempts=attempts)
    )
