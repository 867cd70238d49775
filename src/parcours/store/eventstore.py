"""The eventsourcing application that stores pilots: our one use of its Application class,
and the store's public port (transactions, the engine, snapshots, the freed pages on disk,
the audit log).

**Snapshots never decide** (issue 17). A snapshot is a copy of a pilot's state that nothing
vouches for: edited by hand, it would make every later command see a pilot that the events do
not describe. So a command's pilot is folded from its events only: the aggregate cache keeps
pilots in memory and fast-forwards them with their new events, and a pilot missing from the
cache is folded from version 1 (measured on a pilot of 300 events: a cold load takes 9 ms
instead of 3 on a SQLite file, 15 instead of 5 on PostgreSQL; warm commands are unchanged).
Snapshots are still taken, from the events alone, and used for as-of reads
(`repository.get(id, version=N)`); `verify_audit_trail()` folds the events again and names a
snapshot that differs from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.persistence import JSONTranscoder, PersistenceError, Recording
from eventsourcing.utils import get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from parcours.domain.pilot import Pilot
from parcours.store import log_backfill
from parcours.store.factory import ParcoursFactory
from parcours.store.files import Overwrite, checkpoint_wal
from parcours.store.log import MerkleLog, snapshot_entry, snapshots_deleted
from parcours.store.transcoding import DateAsISO, EventTranscoder

_PILOT_LOCK = select(func.pg_advisory_xact_lock(bindparam("b_key")))
# Many pilots' locks in one round trip, taken in the order of their keys (two batches that
# share pilots wait for each other instead of deadlocking).
_PILOT_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(k)) "
    "FROM (SELECT unnest(CAST(:b_keys AS bigint[])) AS k ORDER BY 1) AS keys"
)
_EVENTS_ONLY: ContextVar[bool] = ContextVar("parcours_events_only", default=False)


class EventsFirstRepository(Repository[UUID]):
    """eventsourcing's repository, but a pilot for a command (no version asked) or for a new
    snapshot is folded from its events alone, never from a snapshot."""

    def _reconstruct_aggregate(self, aggregate_id: UUID, version: Any, projector_func: Any) -> Any:
        if version is not None and not _EVENTS_ONLY.get():
            try:
                return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
            except (AggregateNotFoundError, PersistenceError, SQLAlchemyError):
                raise  # no such pilot, or the database failed: not the snapshot's doing
            except Exception:
                # A snapshot that no longer rebuilds (its bytes or topic edited by hand, which
                # `verify_audit_trail` names): the pilot as its events make it.
                pass
        events = self.event_store.get(originator_id=aggregate_id, lte=version)
        aggregate = projector_func(None, events)
        if aggregate is None:
            raise AggregateNotFoundError(
                f"Aggregate {aggregate_id!r} version {version!r} not found."
            )
        return aggregate


class PilotStore(Application[UUID]):
    name = "parcours"

    def __init__(self, url: str, snapshot_interval: int | None = None) -> None:
        env: dict[str, Any] = {
            "PERSISTENCE_MODULE": get_topic(ParcoursFactory),
            "SQLALCHEMY_URL": url,
            "TRANSCODER_TOPIC": get_topic(EventTranscoder),
            "CREATE_TABLE": "y",
            # Commands re-read only the new events of a cached pilot (fast-forward).
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "IS_SNAPSHOTTING_ENABLED": "y" if snapshot_interval else "n",
        }
        if snapshot_interval:
            self.snapshotting_intervals = {Pilot: snapshot_interval}  # type: ignore[misc]
        super().__init__(env)
        log_backfill.backfill(self)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's `save` (eventsourcing 9.5), a pilot's events collected after a
        class check: the library asks two runtime-checkable Protocols of every object, which
        walks their members (9 µs a pilot: 2 % of a mass-due tick that saves 1,000 pilots
        at once). Anything else is collected as the library does."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if type(obj) is Pilot:
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in the library, still called there
        return recordings

    def construct_repository(self) -> Repository[UUID]:
        made = super().construct_repository()
        repository = EventsFirstRepository(
            event_store=made.event_store,
            snapshot_store=made.snapshot_store,
            cache_maxsize=None,
            fastforward=made.fastforward,
            fastforward_skipping=made.fastforward_skipping,
            deepcopy_from_cache=made.deepcopy_from_cache,
        )
        repository.cache = made.cache
        return repository

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: Any = project_aggregate,
    ) -> None:
        """A snapshot of the pilot folded from its events (never from an older snapshot), and
        a leaf of the audit log that covers its stored bytes."""
        assert self.snapshots is not None
        token = _EVENTS_ONLY.set(True)
        try:
            aggregate: Any = self.repository.get(
                aggregate_id, version=version, projector_func=projector_func
            )
        finally:
            _EVENTS_ONLY.reset(token)
        stored = self.mapper.to_stored_event(type(aggregate).Snapshot.take(aggregate))
        with self.writing() as session:
            self.snapshots.recorder.insert_events([stored])
            self.audit_log.append_records(session, [snapshot_entry(stored)])

    def keep_committed(self, aggregate: Any) -> None:
        """Called once the transaction that saved `aggregate` has committed: the cache keeps
        it as its events left it, so the next command on it reads none of them back (the
        fast-forward still asks for newer ones: another process may have written since).
        The caller must not touch the aggregate afterwards; one with pending events, or
        older than the cached one, is not kept."""
        cache = self.repository.cache
        if cache is None or aggregate.pending_events:
            return
        try:
            known: Any = cache.get(aggregate.id)
        except KeyError:
            known = None
        if known is None or known.version < aggregate.version:
            cache.put(aggregate.id, aggregate)

    @property
    def audit_log(self) -> MerkleLog:
        """The audit log (a Merkle tree over the stored events and the rows that decide)."""
        found: MerkleLog = getattr(self.recorder, "log")  # noqa: B009
        return found

    @property
    def events_table(self) -> Table:
        table: Table = getattr(self.recorder, "events_record_cls").__table__  # noqa: B009
        return table

    @property
    def snapshots_table(self) -> Table | None:
        if self.snapshots is None:
            return None
        table: Table = getattr(self.snapshots.recorder, "events_record_cls").__table__  # noqa: B009
        return table

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def datastore(self) -> SQLAlchemyDatastore:
        factory = self.factory
        assert isinstance(factory, ParcoursFactory)
        return factory.datastore

    @property
    def engine(self) -> Engine:
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        return engine

    # -- transactions: our rows commit atomically with the events -------------------------

    def writing(self) -> Any:
        """A transaction that commits on leaving the block (rolls back on an exception)."""
        return self.datastore.transaction(commit=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that reads one consistent state and writes nothing. On PostgreSQL
        it is REPEATABLE READ: its default, READ COMMITTED, gives each statement its own
        state, and a dashboard page reads its counts, the pilots changed since and its rows
        in several statements that must agree (issue 23). A read-only transaction at that
        level never fails for serialisation."""
        transaction = self.datastore.transaction(commit=False)
        with transaction as session:
            # Inside another transaction of this context, that one's level holds.
            if self.dialect == "postgresql" and transaction.nested_level == 1:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    # -- facts about the database ---------------------------------------------------------

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: nothing survives the process."""
        return self.dialect == "sqlite" and not self.datastore.is_sqlite_filedb

    @property
    def notification_channel(self) -> str:
        """The PostgreSQL channel on which every insert of events is announced."""
        return str(getattr(self.recorder, "channel_name", "parcours_events"))

    def lock_pilot(self, session: Session, pilot_id: UUID) -> None:
        """Serialise the commands on one pilot, from before its load to the commit, so that
        optimistic conflicts become rare (8 writers on one pilot: 22 % of commands failed
        after the retries on PostgreSQL without it). PostgreSQL: a transaction-level
        advisory lock on the pilot's id; SQLite: its writers already wait for each other
        (`BEGIN IMMEDIATE`, store/engine.py)."""
        if self.dialect == "postgresql":
            session.execute(_PILOT_LOCK, {"b_key": lock_key(pilot_id)})

    def lock_pilots(self, session: Session, pilot_ids: list[UUID]) -> None:
        """`lock_pilot` for many pilots, in one statement, in the order of their keys."""
        if self.dialect == "postgresql" and pilot_ids:
            keys = sorted({lock_key(p) for p in pilot_ids})
            session.execute(_PILOT_LOCKS, {"b_keys": keys})

    def delete_snapshots(self, session: Session, pilot_id: UUID) -> None:
        """Drop the pilot's snapshots inside the caller's transaction (they hold its state)."""
        if self.snapshots is None:
            return
        table = getattr(self.snapshots.recorder, "events_record_cls").__table__  # noqa: B009
        versions = list(
            session.execute(
                select(table.c.originator_version).where(table.c.originator_id == pilot_id)
            )
            .scalars()
            .all()
        )
        session.execute(table.delete().where(table.c.originator_id == pilot_id))
        # The log records the deletion, so a snapshot's leaf without its row is explained.
        self.audit_log.append_records(session, [snapshots_deleted(pilot_id, versions)])

    def overwrite_freed_pages(self, *tables: str) -> Overwrite:
        """Deleted rows linger on disk until the engine reuses their space: make it do so now.

        SQLite: every connection runs with `secure_delete` (store/engine.py), so a deleted row
        is zeroed in its page; the WAL still holds the page as it was until a checkpoint, so
        the WAL is checkpointed with TRUNCATE and the result checked (tried again while a
        reader or writer keeps it busy; reported, never ignored, when it cannot complete).
        PostgreSQL: `VACUUM FULL` of the tables rewrites them into new files; the dead
        tuples' old files, `pg_wal`, replicas and backups are out of our reach, which is
        why the data keys are wrapped under a key-encryption key outside the database."""
        if self.dialect == "sqlite":
            if self.in_memory:
                return Overwrite(complete=True, attempts=0, detail="in-memory: nothing on disk")
            return checkpoint_wal(self.engine, self.datastore_path())
        if self.dialect == "postgresql" and tables:
            # VACUUM FULL rewrites the table into a new file and drops the old one; the
            # filesystem, not PostgreSQL, decides when those blocks are overwritten.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                for table in tables:
                    c.exec_driver_sql(f"VACUUM FULL {table}")
            return Overwrite(
                complete=True,
                attempts=1,
                detail=f"VACUUM FULL {', '.join(tables)} (pg_wal and backups keep old copies)",
            )
        return Overwrite(complete=True, attempts=0, detail="nothing to overwrite")

    def datastore_path(self) -> str:
        """The SQLite database file's path ('' for another database)."""
        if self.dialect != "sqlite":
            return ""
        return str(self.engine.url.database or "")

    def close_connections(self) -> None:
        self.close()
        self.engine.dispose()


def lock_key(pilot_id: UUID) -> int:
    """The advisory lock's key of a pilot (its id's first 8 bytes, signed)."""
    return int.from_bytes(pilot_id.bytes[:8], "big", signed=True)
