"""Shared fixtures: a simulated clock, and the two backends every contract test runs on.

PostgreSQL is a real, throwaway server started here (initdb/pg_ctl on 127.0.0.1, a free
port, run as an unprivileged user when we are root). In CI (CI=true) a missing server fails
the run; elsewhere the PostgreSQL half is skipped with the reason.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from parcours import Parcours
from tests.support.postgres import PostgresServer, find_pg_bin
from tests.support.roles import staffed

PARIS = ZoneInfo("Europe/Paris")


def pytest_configure(config: pytest.Config) -> None:
    """One key file for the session's databases (PostgreSQL needs one configured; SQLite
    would otherwise write to the user's data folder). Subprocesses inherit it."""
    if "PARCOURS_KEY_FILE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="parcours-keys-")
        os.environ["PARCOURS_KEY_FILE"] = os.path.join(folder, "keyring.json")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, at: time = time(12)) -> None:
        self.now = datetime.combine(day, at, PARIS)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 1, 12, tzinfo=PARIS))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if find_pg_bin() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries missing in CI: .ci/run should have installed them")
        pytest.skip("PostgreSQL binaries not found (initdb, pg_ctl)")
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/parcours.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def app(db_url: str, clock: Clock) -> Iterator[Parcours]:
    """An application on both backends, with the agency, the Region and an auditor granted
    (tests.support.roles); a pilot's referent is granted by `scenarios.enrolled`."""
    instance = staffed(Parcours(db_url, clock=clock))
    yield instance
    instance.close_connections()
