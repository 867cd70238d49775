"""The factory honours eventsourcing-sqlalchemy's settings, or refuses them by name.

A setting silently ignored is a deployment that believes it runs one way and runs another.
The settings reach the factory from the application's environment, process environment
included (eventsourcing merges `os.environ` into it), so most tests set them there and
construct `Parcours` as a user does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import get_topic
from sqlalchemy import create_engine, inspect

from parcours import ConfigurationError, Parcours, ParcoursError
from parcours.scheduler import DeadlineScheduler
from parcours.store.eventstore import PilotStore
from parcours.store.factory import ParcoursFactory
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import in_deployment

SETTINGS = (
    "SQLALCHEMY_AUTOFLUSH",
    "SQLALCHEMY_CONNECTION_CREATOR_TOPIC",
    "SQLALCHEMY_SCHEMA",
    "SQLALCHEMY_SCOPED_SESSION_TOPIC",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A setting left in the environment of the machine would change every test here.
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"PARCOURS_{name}", raising=False)


def factory(url: str, **settings: str) -> ParcoursFactory:
    made = InfrastructureFactory.construct(
        {"PERSISTENCE_MODULE": "parcours.store.factory", "SQLALCHEMY_URL": url, **settings}
    )
    assert isinstance(made, ParcoursFactory)
    return made


def exercised(app: Parcours) -> None:
    """Commands, a scheduler tick and the queries on them, then the audit trail verified."""
    pilot, _ = in_deployment(app)
    DeadlineScheduler(app).tick(now=datetime(2025, 6, 1, 20, tzinfo=UTC))
    assert app.get_pilot(pilot, actor=LEAD).phase == "deployment"
    assert len(app.dashboard(today=datetime(2025, 6, 2, tzinfo=UTC), known_at=app.now()).rows) == 1
    report = app.verify_audit_trail()
    assert report.ok, report
    assert report.events > 5


@pytest.fixture
def opened() -> Iterator[list[Parcours]]:
    """Applications a test opens, closed after it."""
    apps: list[Parcours] = []
    yield apps
    for app in apps:
        app.close_connections()


# -- one factory class per module topic ------------------------------------------------------


def test_the_module_topic_and_the_class_topic_name_the_same_one_factory() -> None:
    by_module = factory("sqlite:///:memory:")
    by_class = InfrastructureFactory.construct(
        {"PERSISTENCE_MODULE": get_topic(ParcoursFactory), "SQLALCHEMY_URL": "sqlite:///:memory:"}
    )

    assert type(by_module) is type(by_class) is ParcoursFactory
    by_module.close()
    by_class.close()


def test_the_application_constructs_its_factory_from_a_topic_that_resolves() -> None:
    store = PilotStore("sqlite:///:memory:")

    assert type(store.factory) is ParcoursFactory
    store.close()


# -- SQLALCHEMY_AUTOFLUSH: honoured ----------------------------------------------------------


def test_autoflush_stays_on_by_default() -> None:
    made = factory("sqlite:///:memory:")

    assert made.datastore.session_maker is not None
    assert made.datastore.session_maker.kw["autoflush"] is True


@pytest.mark.parametrize("value", ["n", "false", "0"])
def test_autoflush_off_reaches_the_sessions(value: str) -> None:
    made = factory("sqlite:///:memory:", SQLALCHEMY_AUTOFLUSH=value)

    assert made.datastore.session_maker is not None
    assert made.datastore.session_maker.kw["autoflush"] is False
    with made.datastore.transaction(commit=False) as session:
        assert session.autoflush is False


def test_an_application_runs_and_verifies_with_autoflush_off(
    db_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, opened: list[Parcours]
) -> None:
    monkeypatch.setenv("SQLALCHEMY_AUTOFLUSH", "n")
    app = staffed(Parcours(db_url, clock=clock))
    opened.append(app)

    exercised(app)


def test_an_autoflush_that_is_neither_true_nor_false_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_AUTOFLUSH: 'sometimes'"):
        factory("sqlite:///:memory:", SQLALCHEMY_AUTOFLUSH="sometimes")


# -- SQLALCHEMY_CONNECTION_CREATOR_TOPIC: honoured -------------------------------------------

# Where the creators below connect, and how many connections they made (set per test).
TARGET: dict[str, Any] = {"where": "", "made": 0}


def sqlite_creator() -> sqlite3.Connection:
    TARGET["made"] += 1
    # A pool hands a connection to whichever thread checks it out next.
    return sqlite3.connect(TARGET["where"], check_same_thread=False)


def postgres_creator() -> psycopg.Connection[Any]:
    TARGET["made"] += 1
    return psycopg.connect(TARGET["where"])


@pytest.fixture
def target(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setitem(TARGET, "made", 0)
    monkeypatch.setitem(TARGET, "where", "")
    return TARGET


def test_a_connection_creator_makes_every_connection_of_a_sqlite_application(
    tmp_path: Path,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    target: dict[str, Any],
    opened: list[Parcours],
) -> None:
    # The URL names a file that cannot be opened: only the creator's connections work.
    target["where"] = str(tmp_path / "created.db")
    monkeypatch.setenv("SQLALCHEMY_CONNECTION_CREATOR_TOPIC", get_topic(sqlite_creator))
    app = staffed(Parcours(f"sqlite:///{tmp_path}/missing/directory.db", clock=clock))
    opened.append(app)

    exercised(app)

    assert target["made"] >= 1
    with sqlite3.connect(tmp_path / "created.db") as db:
        assert db.execute("SELECT count(*) FROM parcours_events").fetchone()[0] > 5
        # Our own set-up still runs on the creator's connections.
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not (tmp_path / "missing").exists()


@pytest.mark.postgres
def test_a_connection_creator_makes_every_connection_of_a_postgresql_application(
    postgres_url: str,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    target: dict[str, Any],
    opened: list[Parcours],
) -> None:
    # The URL names a database that does not exist: only the creator's connections work.
    base, _, _ = postgres_url.rpartition("/")
    target["where"] = postgres_url.replace("postgresql+psycopg", "postgresql")
    monkeypatch.setenv("SQLALCHEMY_CONNECTION_CREATOR_TOPIC", get_topic(postgres_creator))
    app = staffed(Parcours(f"{base}/no_such_database", clock=clock))
    opened.append(app)

    exercised(app)

    assert target["made"] >= 1


def test_a_connection_creator_topic_that_does_not_resolve_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_CONNECTION_CREATOR_TOPIC: cannot"):
        factory("sqlite:///:memory:", SQLALCHEMY_CONNECTION_CREATOR_TOPIC="tests.nowhere:connect")


def test_a_connection_creator_topic_that_names_no_function_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_CONNECTION_CREATOR_TOPIC: .*not"):
        factory(
            "sqlite:///:memory:",
            SQLALCHEMY_CONNECTION_CREATOR_TOPIC=f"{__name__}:SETTINGS",
        )


# -- SQLALCHEMY_SCHEMA: honoured on PostgreSQL, refused on SQLite ----------------------------


@pytest.mark.postgres
def test_a_schema_holds_every_table_of_a_postgresql_application(
    postgres_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, opened: list[Parcours]
) -> None:
    monkeypatch.setenv("SQLALCHEMY_SCHEMA", "parcours_app")
    app = staffed(Parcours(postgres_url, clock=clock))
    opened.append(app)

    exercised(app)

    engine = create_engine(postgres_url)
    try:
        catalogue = inspect(engine)
        tables = set(catalogue.get_table_names(schema="parcours_app"))
        in_public = catalogue.get_table_names(schema="public")
    finally:
        engine.dispose()
    assert {"parcours_events", "parcours_snapshots", "parcours_audit_chain"} <= tables
    assert {"parcours_person_keys", "parcours_deadline_queue", "parcours_rm_pilots"} <= tables
    assert in_public == []


@pytest.mark.postgres
def test_a_missing_schema_is_refused_by_name_when_tables_are_not_created(
    postgres_url: str,
) -> None:
    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_SCHEMA: schema 'elsewhere'"):
        factory(postgres_url, SQLALCHEMY_SCHEMA="elsewhere", CREATE_TABLE="n")


def test_a_schema_on_sqlite_is_refused_by_name(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQLALCHEMY_SCHEMA", "parcours_app")

    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_SCHEMA: .*PostgreSQL only"):
        Parcours(f"sqlite:///{tmp_path}/parcours.db", clock=clock)
    assert not (tmp_path / "parcours.db").exists()


@pytest.mark.parametrize("name", ["Parcours", "parcours-app", "1st", 'x"; DROP', "a" * 64])
def test_a_schema_name_the_library_would_write_unquoted_wrongly_is_refused(name: str) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never reached: refused before

    with pytest.raises(ConfigurationError, match=r"^SQLALCHEMY_SCHEMA: .*lower-case"):
        factory(url, SQLALCHEMY_SCHEMA=name)


# -- SQLALCHEMY_SCOPED_SESSION_TOPIC: refused ------------------------------------------------


def test_a_scoped_session_is_refused_by_name_with_the_reason(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQLALCHEMY_SCOPED_SESSION_TOPIC", "myapp.db:get_session")

    with pytest.raises(ConfigurationError) as refused:
        Parcours(f"sqlite:///{tmp_path}/parcours.db", clock=clock)

    assert str(refused.value).startswith("SQLALCHEMY_SCOPED_SESSION_TOPIC: not supported")
    assert "one transaction" in str(refused.value)
    assert isinstance(refused.value, ParcoursError)


def test_a_setting_prefixed_with_the_application_name_is_read_and_named_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # eventsourcing reads PARCOURS_<KEY> before <KEY> for an application named "parcours".
    monkeypatch.setenv("PARCOURS_SQLALCHEMY_SCHEMA", "parcours_app")

    with pytest.raises(ConfigurationError, match=r"^PARCOURS_SQLALCHEMY_SCHEMA: .*PostgreSQL"):
        PilotStore("sqlite:///:memory:")
