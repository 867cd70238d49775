"""Pull projections: read the notification log by position, fold into tables, exactly once.

Each page of notifications is folded and the new position written in one transaction; the
position only moves forward from the value read (a replayed or concurrent page is refused by
the guarded update), so a crash mid-page loses nothing and duplicates nothing. This works on
SQLite, where eventsourcing-sqlalchemy has no subscription, and on PostgreSQL alike.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Mapper, Recording, StoredEvent
from eventsourcing.utils import resolve_topic
from sqlalchemy import LargeBinary, Table, bindparam, delete, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from parcours.projections.bulk import no_cyclic_collection
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
_MOVE = (
    update(projection_positions)
    .where(
        projection_positions.c.projection == bindparam("b_name"),
        projection_positions.c.position == bindparam("b_start"),
    )
    .values(position=bindparam("b_end"))
)


class PositionMoved(Exception):
    """Another runner folded this page first; ours was rolled back."""


class ProjectionRunner:
    def __init__(self, store: PilotStore, projections: Sequence[Projection], name: str) -> None:
        self.store = store
        self.projections = projections
        self.name = name
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
                    with no_cyclic_collection():  # events and rows hold no cycles
                        decoded = self._page(session, start, page)
                        if not decoded:
                            return folded
                        self._fold(session, decoded)
                    self._move(session, start, decoded[-1][0])
            except (PositionMoved, IntegrityError, SAIntegrityError, OperationalError) as race:
                if isinstance(race, OperationalError) and "locked" not in str(race).lower():
                    raise
                time.sleep(random.uniform(0.001, 0.01))
                continue
            folded += len(decoded)
            if on_page is not None:
                on_page(len(decoded))
            if len(decoded) < page or (stop_after is not None and folded >= stop_after):
                return folded

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
            moved = session.execute(
                _MOVE, {"b_name": self.name, "b_start": ids[0] - 1, "b_end": ids[-1]}
            )
            if getattr(moved, "rowcount", 0) == 1:
                events = [r.domain_event for r in recordings]
                for projection in self.projections:
                    projection.fold(session, events)
                return
        self.catch_up()

    def _page(self, session: Session, after: int, size: int) -> list[tuple[int, Any]]:
        """Read and decode a page of the log: (notification id, domain event) pairs."""
        found = session.execute(self._page_query, {"b_after": after, "b_size": size})
        rows: Sequence[StoredRow] = found.tuples().all()  # fetchall: fewer calls than iterating
        return self._decode(rows)

    def _fold(self, session: Session, page: Sequence[tuple[int, Any]]) -> None:
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


def _uuid(raw: object) -> UUID:
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
        ids: dict[object, UUID] = {}
        classes = self._classes
        decode = self.mapper.transcoder.decode
        decoded = []
        for row_id, raw_id, version, topic, state in rows:
            originator_id = ids.get(raw_id)
            if originator_id is None:
                originator_id = ids[raw_id] = _uuid(raw_id)
            if not self._plain:
                stored = StoredEvent(originator_id, version, topic, bytes(state))
                decoded.append((row_id, self.mapper.to_domain_event(stored)))
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
            decoded.append((row_id, event))
        return decoded
