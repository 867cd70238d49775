"""Pull projections: read the notification log by position, fold into tables, exactly once.

Each page of notifications is folded and the new position written in one transaction; the
position only moves forward from the value read (a replayed or concurrent page is refused by
the guarded update), so a crash mid-page loses nothing and duplicates nothing. This works on
SQLite, where eventsourcing-sqlalchemy has no subscription, and on PostgreSQL alike.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing import persistence
from eventsourcing.persistence import IntegrityError, Mapper, Recording, StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic
from sqlalchemy import (
    LargeBinary,
    Table,
    bindparam,
    delete,
    exists,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from parcours.logs import get_logger
from parcours.projections import dead_letters as dead
from parcours.store.bulk import paused_collector
from parcours.store.direct import Direct
from parcours.store.eventstore import PilotStore
from parcours.store.schema import projection_positions

PAGE = 500


class Projection(Protocol):
    @property
    def tables(self) -> Sequence[Table]: ...

    def fold(self, session: Session, events: Sequence[Any]) -> None: ...

    def scratch(self) -> Projection: ...


_POSITION = select(projection_positions.c.position).where(
    projection_positions.c.projection == bindparam("b_name")
)
# Two workers folding one log: the second waits on the position row (PostgreSQL) and then
# reads where the first stopped, instead of folding the same page again.
_POSITION_LOCKED = _POSITION.with_for_update()
# Failures of the database rather than of an event (eventsourcing wraps SQLAlchemy's).
# An unknown topic is not the event's fault either: a newer version wrote it, and this one
# must stop and say so (the shell's error boundary does) rather than set it aside.
_NOT_THE_EVENT = (
    TopicError,
    OperationalError,
    InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
)
_MOVE = (
    update(projection_positions)
    .where(
        projection_positions.c.projection == bindparam("b_name"),
        projection_positions.c.position == bindparam("b_start"),
    )
    .values(position=bindparam("b_end"))
)
# The move of a command's fold when no pilot's events are held back (the dead letters).
# Once a command (on the driver's cursor, see store/direct.py).
_MOVE_CLEAN = Direct(
    _MOVE.where(~exists().where(dead.dead_letters.c.projection == bindparam("b_name")))
)


class PositionMoved(Exception):
    """Another runner folded this page first; ours was rolled back."""


class ProjectionRunner:
    def __init__(
        self,
        store: PilotStore,
        projections: Sequence[Projection],
        name: str,
        log: Any = None,
    ) -> None:
        self.store = store
        self.projections = projections
        self.name = name
        self.log = log if log is not None else get_logger()
        table = store.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        self._decode = PageDecoder(store.mapper)
        self._page_query = (
            select(
                table.c.id,
                # the raw column: sqlalchemy-utils' UUIDType dispatches per row
                type_coerce(table.c.originator_id, LargeBinary),
                table.c.originator_version,
                table.c.topic,
                table.c.state,
            )
            .where(table.c.id > bindparam("b_after"))
            .order_by(table.c.id)
            .limit(bindparam("b_size"))
        )

    def position(self, session: Session) -> int:
        found = session.execute(_POSITION, {"b_name": self.name}).scalar()
        return int(found or 0)

    def changed_between(self, session: Session, after: int, upto: int) -> set[str]:
        """The aggregates (pilots among them) with an event in (after, upto] of the log: what
        the read models folded since a position (the dashboard's kept rows, issue 23)."""
        if upto <= after:
            return set()
        table = self.store.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        found = session.execute(
            select(table.c.originator_id)
            .where((table.c.id > after) & (table.c.id <= upto))
            .distinct()
        )
        return {str(originator) for originator in found.scalars()}

    def catch_up(
        self,
        page: int = PAGE,
        on_page: Callable[[int], None] | None = None,
        stop_after: int | None = None,
    ) -> int:
        """Fold every notification not yet folded; returns how many were folded.

        Safe beside other workers: a page another one folded first is rolled back and the
        position read again (a worker never dies of a race, issue 18)."""
        folded = 0
        self._ensure_position()
        while True:
            try:
                with self.store.datastore.transaction(commit=True) as session:
                    start = int(
                        session.execute(_POSITION_LOCKED, {"b_name": self.name}).scalar() or 0
                    )
                    with paused_collector():  # events and rows hold no cycles
                        decoded = self._page(session, start, page)
                        if not decoded:
                            return folded
                        self._fold(session, decoded)
                    self._move(session, start, decoded[-1][0])
            except (PositionMoved, IntegrityError, SAIntegrityError):
                time.sleep(random.uniform(0.001, 0.01))  # another worker got there first
                continue
            except _NOT_THE_EVENT as failure:
                if "locked" not in str(failure).lower():
                    raise  # the database, not an event: the worker tries again later
                time.sleep(random.uniform(0.001, 0.01))
                continue
            except Exception as poison:  # an event that cannot be folded: see dead_letters
                self.log.warning("projection.page_failed", error=dead.describe(poison))
                decoded = self._salvage(page)
            folded += len(decoded)
            if on_page is not None:
                on_page(len(decoded))
            if len(decoded) < page or (stop_after is not None and folded >= stop_after):
                return folded

    def _salvage(self, page: int) -> list[tuple[int, Any]]:
        """Fold the page that failed one event at a time: each event that fails, and every
        later event of its pilot, goes to the dead letters; the rest is folded and the
        position moves past the whole page. Returns what was folded."""
        now = datetime.now(UTC)
        with self.store.datastore.transaction(commit=True) as session:
            start = int(session.execute(_POSITION_LOCKED, {"b_name": self.name}).scalar() or 0)
            found = session.execute(self._page_query, {"b_after": start, "b_size": page})
            rows: Sequence[StoredRow] = found.tuples().all()
            if not rows:
                return []
            held = dead.held_pilots(session, self.name)
            entries: list[tuple[int, str, int, str, str | None]] = []
            folded: list[tuple[int, Any]] = []
            for row in rows:
                position, pilot, version, topic = row[0], str(uuid_of(row[1])), row[2], row[3]
                if pilot in held:
                    entries.append((position, pilot, version, topic, None))
                    continue
                try:
                    with session.begin_nested():
                        decoded = self._decode([row])
                        for projection in self.projections:
                            projection.fold(session, [event for _, event in decoded])
                except _NOT_THE_EVENT:
                    raise  # the database or the code, not the event: nothing is dead-lettered
                except Exception as error:
                    held.add(pilot)
                    entries.append((position, pilot, version, topic, dead.describe(error)))
                    self.log.error(
                        "projection.dead_letter",
                        position=position,
                        pilot=pilot,
                        version=version,
                        error=dead.describe(error),
                    )
                    continue
                folded.extend(decoded)
            dead.hold(session, self.name, entries, now)
            self._move(session, start, rows[-1][0])
        return folded

    def retry_dead_letters(self, now: datetime | None = None) -> tuple[int, int]:
        """Fold again, in order, the held events of every stale pilot whose retry is due
        (every stale pilot when `now` is None); returns (caught up, still stale)."""
        with self.store.datastore.transaction(commit=False) as session:
            pilots = dead.due_pilots(session, self.name, now)
        caught_up = 0
        for pilot in pilots:
            caught_up += self._retry(pilot)
        return caught_up, len(pilots) - caught_up

    def _retry(self, pilot: str) -> int:
        now = datetime.now(UTC)
        with self.store.datastore.transaction(commit=True) as session:
            session.execute(_POSITION_LOCKED, {"b_name": self.name})  # no catch-up meanwhile
            letters = dead.listed(session, self.name, pilot)
            if not letters:
                return 1  # another process caught it up meanwhile
            table = self.store.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
            found = session.execute(
                self._page_query.with_only_columns(*self._page_query.selected_columns)
                .where(table.c.id.in_([letter.position for letter in letters]))
                .limit(None),
                {"b_after": 0},
            )
            rows: Sequence[StoredRow] = found.tuples().all()
            failing = letters[0]
            try:
                with session.begin_nested():  # all of the pilot's held events, or none
                    for letter, row in zip(letters, rows, strict=True):
                        failing = letter
                        decoded = self._decode([row])
                        for projection in self.projections:
                            projection.fold(session, [event for _, event in decoded])
            except Exception as error:
                dead.failed_again(session, self.name, failing, dead.describe(error), now)
                return 0
            dead.release(session, self.name, pilot, [letter.position for letter in letters])
        self.log.info("projection.caught_up", pilot=pilot, events=len(letters))
        return 1

    def _ensure_position(self) -> None:
        """The position row exists before any fold, so that workers lock it rather than race
        to insert it."""
        with self.store.datastore.transaction(commit=True) as session:
            if session.execute(_POSITION, {"b_name": self.name}).first() is not None:
                return
        try:
            with self.store.datastore.transaction(commit=True) as session:
                session.execute(
                    insert(projection_positions).values(projection=self.name, position=0)
                )
        except (IntegrityError, SAIntegrityError):
            pass  # another worker inserted it first

    def fold_recorded(self, session: Session, recordings: Sequence[Recording[UUID]]) -> None:
        """Fold the events a command just stored, from memory, when the read models were
        caught up to just before them; otherwise catch up from the log as usual."""
        ids = [r.notification.id for r in recordings]
        contiguous = bool(ids) and ids == list(range(ids[0], ids[0] + len(ids)))
        if contiguous:
            params = {"b_name": self.name, "b_start": ids[0] - 1, "b_end": ids[-1]}
            # In normal times no pilot is held back: the move checks it in the same statement
            # (one round trip, not two); with some held, the move below reads which.
            moved = _MOVE_CLEAN.execute(session, params)
            clean = moved.rowcount == 1
            moved.close()
            if clean:
                events = [r.domain_event for r in recordings]
                for projection in self.projections:
                    projection.fold(session, events)
                return
            if getattr(session.execute(_MOVE, params), "rowcount", 0) == 1:
                self._fold(session, [(r.notification.id, r.domain_event) for r in recordings])
                return
        self.catch_up()

    def _page(self, session: Session, after: int, size: int) -> list[tuple[int, Any]]:
        """Read and decode a page of the log: (notification id, domain event) pairs."""
        found = session.execute(self._page_query, {"b_after": after, "b_size": size})
        rows: Sequence[StoredRow] = found.tuples().all()  # fetchall: fewer calls than iterating
        return self._decode(rows)

    def _fold(self, session: Session, page: Sequence[tuple[int, Any]]) -> None:
        held = dead.held_pilots(session, self.name)
        if held:  # a stale pilot's events wait behind the one that failed, in order
            back = [(n, e) for n, e in page if str(e.originator_id) in held]
            dead.hold(
                session,
                self.name,
                [
                    (n, str(e.originator_id), e.originator_version, get_topic(type(e)), None)
                    for n, e in back
                ],
                datetime.now(UTC),
            )
            page = [(n, e) for n, e in page if str(e.originator_id) not in held]
        events = [event for _, event in page]
        for projection in self.projections:
            projection.fold(session, events)

    def _move(self, session: Session, start: int, end: int) -> None:
        table = projection_positions
        if start == 0:
            exists = session.execute(
                select(table.c.position).where(table.c.projection == self.name)
            ).first()
            if exists is None:
                session.execute(insert(table).values(projection=self.name, position=end))
                return
        moved = session.execute(_MOVE, {"b_name": self.name, "b_start": start, "b_end": end})
        if getattr(moved, "rowcount", 0) != 1:
            raise PositionMoved(self.name)

    def reset(self) -> None:
        """Empty the read models and rewind: the next catch-up rebuilds from the log."""
        with self.store.datastore.transaction(commit=True) as session:
            for projection in self.projections:
                for table in reversed(projection.tables):
                    session.execute(delete(table))
            session.execute(
                delete(projection_positions).where(projection_positions.c.projection == self.name)
            )


def uuid_of(raw: object) -> UUID:
    """16 bytes on SQLite, a uuid already on PostgreSQL (psycopg), text elsewhere."""
    if isinstance(raw, UUID):
        return raw
    if isinstance(raw, bytes | memoryview):
        return UUID(bytes=bytes(raw))
    return UUID(str(raw))


StoredRow = tuple[int, object, int, str, bytes]  # id, originator id, version, topic, state


class PageDecoder:
    """Stored rows to domain events, as the mapper does, for a page at a time.

    A rebuild spends most of its time here (benchmark R). Against `Mapper.to_domain_event`
    this resolves each topic once, makes one UUID per pilot per page rather than one per
    event, and skips the per-event lookup of an id converter (ours are always UUIDs).
    Anything unusual (a cipher, a compressor) goes through the mapper unchanged.
    """

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper
        self._classes: dict[str, tuple[type, int]] = {}  # topic: class, its class_version
        self._plain = mapper.cipher is None and mapper.compressor is None

    def __call__(self, rows: Iterable[StoredRow]) -> list[tuple[int, Any]]:
        return list(self.events(rows))

    def events(self, rows: Iterable[StoredRow]) -> Iterator[tuple[int, Any]]:
        """(row id, domain event) of each row, one at a time: a caller that folds them as
        they come lets each event's state go at once (a mass-due tick's load)."""
        ids: dict[object, UUID] = {}
        classes = self._classes
        decode = self.mapper.transcoder.decode
        for row_id, raw_id, version, topic, state in rows:
            originator_id = ids.get(raw_id)
            if originator_id is None:
                originator_id = ids[raw_id] = uuid_of(raw_id)
            if not self._plain:
                stored = StoredEvent(originator_id, version, topic, bytes(state))
                yield row_id, self.mapper.to_domain_event(stored)
                continue
            known = classes.get(topic)
            if known is None:
                cls = resolve_topic(topic)
                known = classes[topic] = (cls, getattr(cls, "class_version", 1))
            cls, class_version = known
            event_state: dict[str, Any] = decode(bytes(state))
            event_state["originator_id"] = originator_id
            event_state["originator_version"] = version
            # Upcast as the mapper does: old stored shapes become the current class's.
            from_version = event_state.pop("class_version", 1)
            while from_version < class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
                from_version += 1
            event: Any = object.__new__(cls)
            object.__setattr__(event, "__dict__", event_state)
            yield row_id, event
