"""The SQLAlchemy engine set up for our two databases (used by `parcours.store.factory`).

SQLite: a busy timeout, `secure_delete` (a destroyed key is overwritten, not just unlinked,
R13), and `BEGIN IMMEDIATE` for write transactions, so that two processes writing the same
file wait for each other instead of failing on a stale read snapshot.
PostgreSQL: pre-ping, so a worker survives a server restart; optionally one schema for every
table (`SQLALCHEMY_SCHEMA`).

Kept apart from the factory so that the factory's module holds one factory class and nothing
else: eventsourcing resolves a `PERSISTENCE_MODULE` topic naming a module to the one
infrastructure factory class found in it.
"""

from __future__ import annotations

import re
from typing import Any

from eventsourcing_sqlalchemy.datastore import transactions
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from parcours.errors import ConfigurationError

# Lower case only: eventsourcing-sqlalchemy writes the schema unquoted in `LOCK TABLE`, where
# PostgreSQL folds it to lower case, while SQLAlchemy quotes a mixed-case name elsewhere.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def is_sqlite_file(url: str) -> bool:
    return url.startswith("sqlite") and ":memory:" not in url and "mode=memory" not in url


def engine_options(url: str) -> dict[str, Any]:
    if is_sqlite_file(url):
        return {"connect_args": {"timeout": 60}}
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}
    return {}


def configure_sqlite(engine: Engine, file_backed: bool) -> None:
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
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # A read outside any transaction (the R15 checks), possibly made while this
            # thread's command holds the write lock: it must neither begin nor wait for it.
            return
        try:
            writing = transactions.get().commit
        except LookupError:
            writing = False
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing and file_backed else "BEGIN")


def checked_schema_name(setting: str, name: str) -> str:
    if not _SCHEMA_NAME.fullmatch(name):
        raise ConfigurationError(
            f"{setting}: {name!r} is not a schema name parcours can use: lower-case letters, "
            "digits and underscores, not starting with a digit, at most 63 characters "
            "(eventsourcing-sqlalchemy writes it unquoted in its SQL)"
        )
    return name


def use_schema(engine: Engine, schema: str, *, create: bool, setting: str) -> None:
    """Every connection looks up and creates unqualified tables in `schema` (PostgreSQL).

    eventsourcing-sqlalchemy qualifies only its own tables with the schema; ours (audit
    chain, keys, queue, read models...) are unqualified, so the search path puts them beside
    the events instead of in `public`."""
    statement = f'SET search_path TO "{schema}"'

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Outside any transaction, so that a rollback cannot undo it.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.autocommit = autocommit

    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
        ).first()
        if found is not None:
            return
        if not create:
            raise ConfigurationError(
                f"{setting}: schema {schema!r} does not exist and CREATE_TABLE is off"
            )
        try:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            connection.commit()
        except IntegrityError:
            pass  # another process created it at the same moment
