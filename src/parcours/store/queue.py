"""The deadline queue: which pilot to evaluate next, and when."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from parcours.store import ledger
from parcours.store.direct import Direct, defer
from parcours.store.pairs import array_of, given_rows
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
# The same, with the pilot's deadline state and version (domain/deadline_state.py).
_RESCHEDULE_KEPT = (
    update(deadline_queue)
    .where(deadline_queue.c.pilot_id == bindparam("b_pilot"))
    .values(next_at=bindparam("b_at"), rules=bindparam("b_rules"), version=bindparam("b_version"))
)
_RESCHEDULE_KEPT_DIRECT = Direct(_RESCHEDULE_KEPT)
# A tick's verdict from the kept state: only if no command wrote the row since it was read
# (its version moved: the row stays due, with the command's state, for the next tick).
_RESCHEDULE_UNLESS_MOVED = (
    update(deadline_queue)
    .where(
        deadline_queue.c.pilot_id == bindparam("b_pilot"),
        deadline_queue.c.version == bindparam("b_version"),
    )
    .values(next_at=bindparam("b_at"))
)
_RESCHEDULE_UNLESS_MOVED_DIRECT = Direct(_RESCHEDULE_UNLESS_MOVED)


def schedule(
    session: Session,
    pilot_id: str,
    at: datetime | None,
    rules: str | None = None,
    version: int | None = None,
) -> None:
    """Evaluate this pilot at `at` (None: nothing left to evaluate); with `rules`, keep the
    pilot's deadline state as of `version` too."""
    if rules is None:
        moved = session.execute(_RESCHEDULE, {"b_pilot": pilot_id, "b_at": _utc(at)})
    else:
        params = {"b_pilot": pilot_id, "b_at": _utc(at), "b_rules": rules, "b_version": version}
        moved = session.execute(_RESCHEDULE_KEPT, params)
    if not getattr(moved, "rowcount", 0):
        values: dict[str, object] = {"pilot_id": pilot_id, "next_at": _utc(at)}
        if rules is not None:
            values |= {"rules": rules, "version": version}
        session.execute(deadline_queue.insert().values(**values))


@dataclass(frozen=True)
class Kept:
    """A pilot's next instant, its deadline state and the version it was kept at (a tick's
    write of many pilots at once)."""

    pilot_id: str
    at: datetime | None
    rules: str
    version: int


def schedule_many(session: Session, rows: Sequence[Kept]) -> None:
    """`schedule` for many pilots in one statement (every row exists: they were read due).
    A tick's batches write thousands: on the driver (store/direct.py), without SQLAlchemy's
    processing of each row's parameters."""
    if rows:
        _RESCHEDULE_KEPT_DIRECT.execute_many(
            session,
            [
                {
                    "b_pilot": r.pilot_id,
                    "b_at": _utc(r.at),
                    "b_rules": r.rules,
                    "b_version": r.version,
                }
                for r in rows
            ],
        )


_FILL_UNLESS_MOVED = (
    update(deadline_queue)
    .where(
        deadline_queue.c.pilot_id == bindparam("b_pilot"),
        or_(
            deadline_queue.c.version.is_(None),
            deadline_queue.c.version <= bindparam("b_version"),
        ),
    )
    .values(next_at=bindparam("b_at"), rules=bindparam("b_rules"), version=bindparam("b_version"))
)


def fill_unless_moved(session: Session, rows: Sequence[Kept]) -> None:
    """Pilots loaded because their rows kept no state (or an older one): their next instant
    and their state, in one statement, unless a command kept a newer state meanwhile."""
    if rows:
        session.execute(
            _FILL_UNLESS_MOVED,
            [
                {
                    "b_pilot": r.pilot_id,
                    "b_at": _utc(r.at),
                    "b_rules": r.rules,
                    "b_version": r.version,
                }
                for r in rows
            ],
        )


def reschedule_unless_moved(
    session: Session, verdicts: Iterable[tuple[str, int, datetime | None]]
) -> None:
    """(pilot, version read, next instant): move each pilot to its next instant in one
    statement, unless a command rewrote its row since the version was read."""
    params = [{"b_pilot": p, "b_version": v, "b_at": _utc(at)} for p, v, at in verdicts]
    if params:
        _RESCHEDULE_UNLESS_MOVED_DIRECT.execute_many(session, params)


def keep_rules(session: Session, pilot_id: str, rules: str, version: int) -> None:
    """A command that leaves the pilot's next instant alone still keeps its new state."""
    session.execute(
        update(deadline_queue)
        .where(deadline_queue.c.pilot_id == pilot_id)
        .values(rules=rules, version=version)
    )


# On PostgreSQL a command's statements are round trips (benchmark W): its timeline row and
# its rescheduling are one statement, which asks for no answer (the queue's row is updated,
# or made if it is missing), so it is deferred into the events' round trip (store/direct.py).
_KEEP = pg_insert(deadline_queue).values(
    pilot_id=bindparam("b_pilot"),
    next_at=bindparam("b_at"),
    rules=bindparam("b_rules"),
    version=bindparam("b_version"),
)
_KEPT = _KEEP.on_conflict_do_update(
    index_elements=[deadline_queue.c.pilot_id],
    set_={
        "next_at": _KEEP.excluded.next_at,
        "rules": _KEEP.excluded.rules,
        "version": _KEEP.excluded.version,
    },
)
_RECORD_AND_RESCHEDULE = Direct(
    timeline.insert()
    .add_cte(_KEPT.cte("rescheduled"))
    .values(
        pilot_id=bindparam("b_pilot"),
        version=bindparam("b_version"),
        recorded_at=bindparam("b_recorded_at"),
    )
)


def record_and_reschedule(
    session: Session, pilot_id: str, version: int, at: datetime, rules: str
) -> None:
    """After a command: the pilot's new version on the timeline (as of `at`), and its
    deadlines evaluated again at the next tick (the act may have met one), from `rules`,
    its deadline state as of `version`."""
    params = {"b_pilot": pilot_id, "b_at": _utc(ASAP), "b_version": version, "b_rules": rules}
    if session.get_bind().dialect.name != "postgresql":
        # `schedule`'s statements, on the driver's cursor (store/direct.py)
        moved = _RESCHEDULE_KEPT_DIRECT.execute(session, params)
        missing = not moved.rowcount
        moved.close()
        if missing:
            schedule(session, pilot_id, ASAP, rules, version)  # no row yet: made there
        ledger.record_version(session, pilot_id, version, at)
        return
    defer(session, _RECORD_AND_RESCHEDULE, {**params, "b_recorded_at": _utc(at)})


def due(session: Session, now: datetime, limit: int) -> list[str]:
    rows = session.execute(
        select(deadline_queue.c.pilot_id)
        .where(deadline_queue.c.next_at <= _utc(now))
        .order_by(deadline_queue.c.next_at)
        .limit(limit)
    )
    return [r.pilot_id for r in rows]


@dataclass(frozen=True)
class Due:
    pilot_id: str
    rules: str | None
    version: int | None


def due_rows(session: Session, now: datetime, limit: int) -> list[Due]:
    """The pilots due at `now`, earliest first, with their kept deadline state."""
    rows = session.execute(
        select(deadline_queue.c.pilot_id, deadline_queue.c.rules, deadline_queue.c.version)
        .where(deadline_queue.c.next_at <= _utc(now))
        .order_by(deadline_queue.c.next_at, deadline_queue.c.pilot_id)
        .limit(limit)
    )
    return [Due(r.pilot_id, r.rules, r.version) for r in rows]


def last_versions(session: Session, events: Table, pilot_ids: Sequence[str]) -> dict[str, int]:
    """Each pilot's last stored version (one indexed read for them all)."""
    if not pilot_ids:
        return {}
    ident = events.c.originator_id
    if session.get_bind().dialect.name == "postgresql":
        # One index lookup per pilot (the first tick over 100,000 pilots: 11 s -> 58 s between
        # two runs when the whole log was scanned and aggregated for every batch). The ids
        # as text: the server reads each as a uuid (a malformed one is refused there).
        given = given_rows(id=array_of(pilot_ids, PG_UUID(as_uuid=True)))
        last = (
            select(func.max(events.c.originator_version))
            .where(ident == given.c.id)
            .scalar_subquery()
        )
        found = session.execute(select(given.c.id, last))
        return {str(pilot): int(version) for pilot, version in found if version is not None}
    # SQLite: the pilots as a VALUES list, each one's max by the index (one seek a pilot;
    # grouped, the read walked every event of every pilot: 3.7 ms per 1,000 pilots against
    # 1.4), on the driver (the ids are the 16 bytes UUIDType stores there)
    ids = [UUID(p) for p in pilot_ids]
    values = ",".join(["(?)"] * len(ids))
    found = session.connection().exec_driver_sql(
        f"SELECT g.column1, (SELECT max(e.originator_version) FROM {events.name} AS e "
        f"WHERE e.originator_id = g.column1) FROM (VALUES {values}) AS g",
        tuple(pilot.bytes for pilot in ids),
    )
    return {str(UUID(bytes=raw)): int(version) for raw, version in found if version is not None}


def earliest(session: Session) -> datetime | None:
    found = session.execute(
        select(deadline_queue.c.next_at)
        .where(deadline_queue.c.next_at.is_not(None))
        .order_by(deadline_queue.c.next_at)
        .limit(1)
    ).scalar()
    return None if found is None else found.replace(tzinfo=UTC)


def record_versions(session: Session, versions: Sequence[tuple[str, int, datetime]]) -> None:
    """(pilot, version, as of): many pilots' new versions on the timeline, one statement."""
    if versions:
        _TIMELINE_ROWS.execute_many(
            session,
            [{"pilot_id": p, "version": v, "recorded_at": _utc(at)} for p, v, at in versions],
        )


_TIMELINE_ROWS = Direct(
    timeline.insert(), ["pilot_id", "version", "recorded_at"], copy=True
)  # a tick's batch: one COPY on PostgreSQL (store/direct.py)
