"""The eventsourcing-sqlalchemy factory, with the engine set up for our two databases.

SQLite: a busy timeout, `secure_delete` (a destroyed key is overwritten, not just unlinked,
R13), and `BEGIN IMMEDIATE` for write transactions, so that two processes writing the same
file wait for each other instead of failing on a stale read snapshot.
PostgreSQL: pre-ping, so a worker survives a server restart.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from sqlalchemy import event
from sqlalchemy.engine import Engine

from parcours.store.chain import ChainedApplicationRecorder


def _is_sqlite_file(url: str) -> bool:
    return url.startswith("sqlite") and ":memory:" not in url and "mode=memory" not in url


def _engine_options(url: str) -> dict[str, Any]:
    if _is_sqlite_file(url):
        return {"connect_args": {"timeout": 60}}
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}
    return {}


def _configure_sqlite(engine: Engine, file_backed: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.execute("PRAGMA secure_delete = ON")
        if file_backed:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        try:
            writing = transactions.get().commit
        except LookupError:
            writing = False
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing and file_backed else "BEGIN")


class ParcoursFactory(SQLAlchemyFactory):
    application_recorder_class = ChainedApplicationRecorder

    def __init__(self, env: Environment) -> None:
        InfrastructureFactory.__init__(self, env)
        self._schema_name = None
        url = self.env.get(self.SQLALCHEMY_URL) or "sqlite:///:memory:"
        self.datastore = self.datastore_class(url=url, **_engine_options(url))
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, _is_sqlite_file(url))
            # WAL is set on connect above; the datastore's own attempt would run inside the
            # BEGIN our "begin" hook emits, and fail.
            self.datastore._tried_init_sqlite_wal_mode = True


Factory = ParcoursFactory
__all__ = ["Factory", "ParcoursFactory", "SQLAlchemyDatastore"]
