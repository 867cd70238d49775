"""`ParcoursFactory`: eventsourcing-sqlalchemy's factory, on an engine set up for our databases.

This module holds exactly one infrastructure factory class, so that both topics name it:
`parcours.store.factory:ParcoursFactory` (what `PilotStore` uses) and the module topic
`parcours.store.factory`, which eventsourcing resolves to the one factory class it finds in
the module. That is why the library's factory and `InfrastructureFactory` are reached through
their modules here, never imported by name, and the engine set-up lives in `store.engine`.

eventsourcing-sqlalchemy's settings, read from the application's environment as the library
reads them (`PARCOURS_<KEY>` before `<KEY>`; the process environment counts):

- `SQLALCHEMY_URL`: the database (default: in-memory SQLite).
- `SQLALCHEMY_AUTOFLUSH`: honoured, passed to the session maker (default on).
- `SQLALCHEMY_CONNECTION_CREATOR_TOPIC`: honoured, the engine's `creator` (a callable that
  returns a DB-API connection); the URL still chooses the dialect and our set-up runs on the
  connections it makes.
- `SQLALCHEMY_SCHEMA`: honoured on PostgreSQL: the library's tables are qualified with it and
  every connection's search path is set to it, so our own tables go there too; the schema
  is created if missing (with CREATE_TABLE). Refused on SQLite, which has no schemas (the
  library's own factory fails there with "unknown database").
- `SQLALCHEMY_SCOPED_SESSION_TOPIC`: refused. A command writes its events, audit-chain links,
  ledger row and read models in one transaction that parcours begins and commits itself,
  and publishes to memory after the commit; with a caller's scoped session the library
  neither begins nor commits, so no command would ever be committed by parcours.

A refused or malformed setting raises `ConfigurationError` naming it, when the factory is
made (that is, when `Parcours` is constructed), never silently later.
"""

from __future__ import annotations

from typing import Any

from eventsourcing import persistence
from eventsourcing.utils import Environment, TopicError, resolve_topic, strtobool
from eventsourcing_sqlalchemy import factory as library
from sqlalchemy.engine import Engine, make_url

from parcours.errors import ConfigurationError
from parcours.store.chain import ChainedApplicationRecorder
from parcours.store.engine import (
    checked_schema_name,
    configure_sqlite,
    engine_options,
    is_sqlite_file,
    use_schema,
)
from parcours.store.event_reads import SnapshotRecorder

DEFAULT_URL = "sqlite:///:memory:"


class ParcoursFactory(library.SQLAlchemyFactory):
    application_recorder_class = ChainedApplicationRecorder
    aggregate_recorder_class = SnapshotRecorder

    def __init__(self, env: Environment) -> None:
        # Not SQLAlchemyFactory.__init__: it would make a datastore without our engine set-up.
        # Every setting it reads is read below, and either honoured the same way or refused.
        persistence.InfrastructureFactory.__init__(self, env)
        if self.env.get(self.SQLALCHEMY_SCOPED_SESSION_TOPIC):
            setting = self._named(self.SQLALCHEMY_SCOPED_SESSION_TOPIC)
            raise ConfigurationError(
                f"{setting}: not supported by parcours. A command's events, audit chain, "
                "ledger row and read models are written in one transaction that parcours "
                "begins and commits itself; with a scoped session eventsourcing-sqlalchemy "
                "leaves beginning and committing to the session's owner, so parcours's "
                "commands would never be committed. Give parcours its own SQLALCHEMY_URL "
                "(PARCOURS_DATABASE_URL) instead."
            )
        url = self.env.get(self.SQLALCHEMY_URL) or DEFAULT_URL
        self._schema_name = self._schema(url)
        options = engine_options(url)
        creator = self._creator()
        if creator is not None:
            options["creator"] = creator
        self.datastore = self.datastore_class(url=url, autoflush=self._autoflush(), **options)
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, is_sqlite_file(url))
            # WAL is set on connect above; the datastore's own attempt would run inside the
            # BEGIN our "begin" hook emits, and fail.
            self.datastore._tried_init_sqlite_wal_mode = True
        if self._schema_name is not None:
            try:
                use_schema(
                    engine,
                    self._schema_name,
                    create=self.env_create_table(),
                    setting=self._named(self.SQLALCHEMY_SCHEMA),
                )
            except ConfigurationError:
                engine.dispose()  # no application will own this engine to close it
                raise

    def close(self) -> None:
        """Close the engine's pooled connections (eventsourcing's `Application.close`)."""
        super().close()
        engine = self.datastore.engine
        if isinstance(engine, Engine):
            engine.dispose()

    def _named(self, key: str) -> str:
        """The variable that holds the setting, as the user wrote it (e.g. with the
        application's prefix, PARCOURS_SQLALCHEMY_SCHEMA), for the messages."""
        return next((name for name in self.env.create_keys(key) if name in self.env), key)

    def _autoflush(self) -> bool:
        value = self.env.get(self.SQLALCHEMY_AUTOFLUSH) or "yes"
        try:
            return bool(strtobool(value))
        except ValueError:
            setting = self._named(self.SQLALCHEMY_AUTOFLUSH)
            raise ConfigurationError(
                f"{setting}: {value!r} is neither true nor false (y/n)"
            ) from None

    def _creator(self) -> Any:
        topic = self.env.get(self.SQLALCHEMY_CONNECTION_CREATOR_TOPIC)
        if not topic:
            return None
        setting = self._named(self.SQLALCHEMY_CONNECTION_CREATOR_TOPIC)
        try:
            creator = resolve_topic(topic)
        except TopicError as error:
            raise ConfigurationError(f"{setting}: cannot resolve {topic!r} ({error})") from None
        if not callable(creator):
            raise ConfigurationError(
                f"{setting}: {topic!r} is not callable; it must name a function that "
                "returns a DB-API connection"
            )
        return creator

    def _schema(self, url: str) -> str | None:
        name = self.env.get(self.SQLALCHEMY_SCHEMA)
        if not name:
            return None
        setting = self._named(self.SQLALCHEMY_SCHEMA)
        backend = make_url(url).get_backend_name()
        if backend != "postgresql":
            raise ConfigurationError(
                f"{setting}: schemas are supported on PostgreSQL only, not on {backend} "
                "(eventsourcing-sqlalchemy's own factory fails there: SQLite takes a schema "
                "for an attached database, which does not exist)"
            )
        return checked_schema_name(setting, name)


Factory = ParcoursFactory
__all__ = ["Factory", "ParcoursFactory"]
