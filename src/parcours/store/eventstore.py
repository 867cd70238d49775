"""The eventsourcing application that stores pilots: our one use of its Application class,
and the store's public port (transactions, the engine, snapshots, the freed pages on disk)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from parcours.domain.pilot import Pilot
from parcours.store.factory import ParcoursFactory
from parcours.store.files import Overwrite, checkpoint_wal
from parcours.store.transcoding import DateAsISO, EventTranscoder

_PILOT_LOCK = select(func.pg_advisory_xact_lock(bindparam("b_key")))


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

    def reading(self) -> Any:
        """A transaction that reads one consistent state and writes nothing."""
        return self.datastore.transaction(commit=False)

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
            key = int.from_bytes(pilot_id.bytes[:8], "big", signed=True)
            session.execute(_PILOT_LOCK, {"b_key": key})

    def delete_snapshots(self, session: Session, pilot_id: UUID) -> None:
        """Drop the pilot's snapshots inside the caller's transaction (they hold its state)."""
        if self.snapshots is None:
            return
        table = getattr(self.snapshots.recorder, "events_record_cls").__table__  # noqa: B009
        session.execute(table.delete().where(table.c.originator_id == pilot_id))

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
