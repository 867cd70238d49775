"""eventsourcing's own contract test cases, bound to our factory and run on our three backends.

The cases (`eventsourcing.tests.persistence`) are unittest TestCases that say what any
recorder and infrastructure factory must do. Here they get what they ask for (a recorder, an
environment) from `parcours.store.factory`, the way `PilotStore` gets its own, so what they
test is what the application runs on.

This module holds only abstract bases: pytest collects every TestCase subclass it finds in a
test module's namespace, so the test modules import this module, not its classes.

Backends: the database URL is set per test by an autouse fixture, since a unittest TestCase
cannot take fixtures as arguments. Each test gets a new, empty database (the cases expect
notification ids to start at 1): a file in `tmp_path`, a new in-memory SQLite (one per
engine), or a new PostgreSQL database on the session's throwaway server.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as contract
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyProcessRecorder,
    SQLAlchemyTrackingRecorder,
)

from parcours.store import factory as factory_module
from parcours.store.chain import ChainedApplicationRecorder
from parcours.store.event_reads import SnapshotRecorder
from parcours.store.factory import ParcoursFactory

# The module topic, not the class topic: eventsourcing resolves a module to the one
# infrastructure factory class it holds, so this also checks that there is only one.
FACTORY_TOPIC = factory_module.__name__
# The name `PilotStore` gives its application: its tables are the ones these cases fill.
APP_NAME = "parcours"

NO_SUBSCRIBE_ON_SQLITE = (
    "eventsourcing-sqlalchemy's own SQLAlchemyApplicationRecorder fails this case on SQLite: "
    "its subscribe() raises NotImplementedError there (it listens with PostgreSQL's "
    "LISTEN/NOTIFY only), and ours inherits it. parcours does not subscribe on SQLite: its "
    "projection worker polls."
)


class Backend:
    """Where the factory under test connects; `url` is set before each test's setUp."""

    url: str

    def environment(self, **more: str) -> Environment:
        env = Environment(
            APP_NAME,
            {
                InfrastructureFactory.PERSISTENCE_MODULE: FACTORY_TOPIC,
                ParcoursFactory.SQLALCHEMY_URL: self.url,
            },
        )
        env.update(more)
        return env


class SQLiteFile(Backend):
    @pytest.fixture(autouse=True)
    def _new_file(self, tmp_path: Any) -> None:
        self.url = f"sqlite:///{tmp_path}/contract.db"


class SQLiteMemory(Backend):
    # A new engine is a new in-memory database (the datastore gives it a StaticPool).
    url = "sqlite:///:memory:"


class PostgreSQL(Backend):
    @pytest.fixture(autouse=True)
    def _new_database(self, postgres_url: str) -> None:
        self.url = postgres_url


class WithFactory(Backend):
    """Makes our factory for each test, and closes it after."""

    factory: ParcoursFactory

    def setUp(self) -> None:
        self._threads_before = set(threading.enumerate())
        made = InfrastructureFactory.construct(self.environment())
        assert isinstance(made, ParcoursFactory)
        self.factory = made
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        # test_concurrent_no_conflicts stops its reader threads without joining them: one may
        # still be inside a query. Closing the engine under it crashes the process on
        # in-memory SQLite, where every thread shares one connection.
        for thread in set(threading.enumerate()) - self._threads_before:
            thread.join(timeout=30)
        self.factory.close()


class EventsRecorderCase(WithFactory, contract.AggregateRecorderTestCase):
    """The aggregate recorder our factory makes for events."""

    def create_recorder(self) -> AggregateRecorder:
        return self.factory.aggregate_recorder("events")


class SnapshotsRecorderCase(WithFactory, contract.AggregateRecorderTestCase):
    """The aggregate recorder our factory makes for snapshots (what `PilotStore` uses)."""

    def create_recorder(self) -> AggregateRecorder:
        return self.factory.aggregate_recorder("snapshots")


class ChainedRecorderCase(WithFactory, contract.ApplicationRecorderTestCase[ApplicationRecorder]):
    """Our `ChainedApplicationRecorder`: the event store of every pilot, with its hash chain."""

    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()

    def test_insert_subscribe(self) -> None:
        # Optional in eventsourcing (not named test_*): we run it where the library can.
        self.optional_test_insert_subscribe()


class SubscribeUnsupported(ChainedRecorderCase):
    """SQLite: the subscribe case is skipped, once it is shown that subscribe still refuses
    (should it ever work, this fails and the case must run)."""

    def test_insert_subscribe(self) -> None:
        with pytest.raises(NotImplementedError):
            self.create_recorder().subscribe()
        self.skipTest(NO_SUBSCRIBE_ON_SQLITE)


class TrackingRecorderCase(WithFactory, contract.TrackingRecorderTestCase):
    """The tracking recorder our factory makes."""

    def create_recorder(self) -> TrackingRecorder:
        return self.factory.tracking_recorder()


class ProcessRecorderCase(WithFactory, contract.ProcessRecorderTestCase):
    """The process recorder our factory makes (the library's class, on our engine)."""

    def create_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


class _TrackingSubclass(SQLAlchemyTrackingRecorder):
    """A tracking recorder class named by topic (the factory case checks it is used)."""


class FactoryCase(Backend, contract.InfrastructureFactoryTestCase[ParcoursFactory]):
    """`ParcoursFactory`, constructed from the module topic as an application does."""

    def setUp(self) -> None:
        self.env = self.environment()
        super().setUp()

    def expected_factory_class(self) -> type[ParcoursFactory]:
        return ParcoursFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        # Ours: the library's, which reads in the binary format on PostgreSQL.
        return SnapshotRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        # Ours, not the library's: every event the application stores is chained.
        return ChainedApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLAlchemyTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _TrackingSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        # The library's: parcours runs no process application (nothing is chained there).
        return SQLAlchemyProcessRecorder
