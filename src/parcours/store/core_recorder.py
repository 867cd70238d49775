"""eventsourcing-sqlalchemy's application recorder, its two hot paths in SQLAlchemy Core.

A command reads its pilot's new events (the aggregate cache's fast-forward) and inserts its
own; the library does both through the ORM (`session.query`, `session.add` + `flush`), whose
unit of work and identity map cost more than the SQL itself: measured on a SQLite file, the
read took 0.55 ms and the insert 0.3 ms of a 2 ms command. The read is `EventReads`
(store/event_reads.py, shared with the snapshots' recorder); the insert here is the same
statement (same table, same columns, same order, the same NOTIFY after it), built once and
executed on the transaction's connection, under a lock that serialises the inserts as the
library's does without stopping autovacuum (`store/insert_lock.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from parcours.store.direct import Direct, Later, defer, flush
from parcours.store.event_reads import EventReads
from parcours.store.insert_lock import insert_lock


class CoreApplicationRecorder(EventReads, SQLAlchemyApplicationRecorder):
    """The library's recorder with its reads as `EventReads` and the insert of events in
    Core."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self._events
        columns = ["originator_id", "originator_version", "topic", "state"]
        # A command inserts one event, nearly always: on the cursor, its id returned.
        self._insert_one = Direct(t.insert().returning(t.c.id), columns)
        # Many (a mass-due tick's batch): one executemany (COPY on PostgreSQL), the ids read
        # back (see below).
        self._insert_many = Direct(t.insert(), columns, copy=True)
        self._last_id = Direct(select(func.max(t.c.id)))
        self._ids_after = Direct(select(t.c.id).where(t.c.id > bindparam("after")).order_by(t.c.id))
        self._id_of = Direct(
            select(t.c.id).where(
                t.c.originator_id == bindparam("originator_id"),
                t.c.originator_version == bindparam("originator_version"),
            )
        )
        table = self.events_table_name
        if self.schema_name is not None:
            table = f"{self.schema_name}.{table}"
        self._locks = [Direct(text(statement)) for statement in insert_lock(table)]
        self._notify = Direct(text(f"NOTIFY {self.channel_name}"))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        return self._insert_rows(session, stored_events)()

    def _insert_rows(
        self, session: Session, stored_events: Sequence[StoredEvent]
    ) -> Callable[[], list[int]]:
        """Insert the events; returns how to get their notification ids. On PostgreSQL a
        single event's insert is deferred (store/direct.py): its id is read once the next
        statement of the transaction (the audit log's leaf) has sent it, in one round trip."""
        if not stored_events:
            return list
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        # As the library does: on PostgreSQL the table is locked first, so that notification
        # ids are committed in the order they are assigned, and listeners are notified. A
        # NOTIFY is delivered at the commit wherever the transaction sends it (never if it
        # rolls back), so it goes with the lock and the insert: one round trip.
        self._lock_and_notify(session)
        if len(rows) == 1:
            later = defer(session, self._insert_one, rows[0], answer=True)
            if later.cursor is not None:  # executed already (not PostgreSQL): read it now
                ids = _inserted_id(session, later)
                return lambda: ids
            return partial(_inserted_id, session, later)
        # Read back by the primary key past the last id before the insert, in the order of
        # insertion: the ids are assigned under the lock taken above (PostgreSQL) or the
        # write transaction (SQLite), so they are this insert's alone and follow its rows.
        # RETURNING on a many-row insert is SQLAlchemy's "insertmanyvalues": every row
        # rendered into VALUES lists in Python, and psycopg parses each such statement anew
        # (too long for its cache): 6 % of a mass-due tick on PostgreSQL.
        last = self._last_id.first(session, {})[0]
        self._insert_many.execute_many(session, rows)
        cursor = self._ids_after.execute(session, {"after": -1 if last is None else last})
        many = [int(row[0]) for row in cursor.fetchall()]
        cursor.close()
        if len(many) != len(rows):
            # A row above the ids the database gives out (written by hand, or restored
            # with its ids): ours came below it. Each event's own id, by its key.
            many = [int(self._id_of.first(session, row)[0]) for row in rows]
        return lambda: many

    def _lock_and_notify(self, session: Session) -> None:
        assert self.datastore.engine is not None
        if self.datastore.engine.dialect.name != "postgresql":
            self._lock_table(session)
            self._notify_channel(session)
            return
        # Deferred (store/direct.py): sent in one round trip with the insert that follows.
        for lock in self._locks:
            defer(session, lock, {})
        defer(session, self._notify, {})

    def _lock_table(self, session: Session) -> None:
        """The library's lock before an insert, as ours on PostgreSQL (`store/insert_lock.py`:
        it does not stop autovacuum), the library's elsewhere."""
        assert self.datastore.engine is not None
        if self.datastore.engine.dialect.name != "postgresql":
            super()._lock_table(session)
            return
        for lock in self._locks:
            lock.execute(session, {}).close()


def _inserted_id(session: Session, later: Later) -> list[int]:
    flush(session)  # sent already, unless nothing was executed since the insert
    ids = [int(later.cursor.fetchone()[0])]
    later.cursor.close()
    return ids
