"""The lock that serialises the inserts of events on PostgreSQL (store/insert_lock.py): a
vacuum of the events table runs beside a transaction that inserted events (the library's
`LOCK TABLE … IN EXCLUSIVE MODE` made it wait, and autovacuum was cancelled each minute);
writers still follow one another, notification ids in commit order, also beside a process
of an earlier version that takes the library's lock (issue 23)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

import psycopg
import pytest
from sqlalchemy import func, select

from parcours import Parcours
from parcours.domain.pilot import Act
from tests.conftest import Clock
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import in_diagnostic

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_url: str, clock: Clock) -> Iterator[tuple[Parcours, UUID, UUID]]:
    app = staffed(Parcours(postgres_url, clock=clock))
    first, second = in_diagnostic(app), in_diagnostic(app)
    yield app, first, second
    app.close_connections()


def _driver_url(app: Parcours) -> str:
    return app.settings.url.replace("postgresql+psycopg", "postgresql")


def _log_time_uncommitted(app: Parcours, pilot: UUID, clock: Clock) -> tuple[object, object]:
    """A transaction that inserted an event and its leaf, left open (the caller commits)."""
    context = app.pipeline.writing()
    session = context.__enter__()
    loaded = app.pipeline.load(pilot)
    act = Act(actor=LEAD, at=clock.now, today=clock.now.date(), command_id=str(uuid4()))
    loaded.log_time(act, date(2024, 10, 1), 0.5)
    app.pipeline.store.save(loaded)
    return context, session


def _last_id(app: Parcours, pilot: UUID) -> int:
    table = app.pipeline.store.events_table
    with app.pipeline.store.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.max(table.c.id)).where(table.c.originator_id == pilot)
            ).scalar_one()
        )


def test_a_vacuum_runs_beside_a_transaction_that_inserted_events(
    store: tuple[Parcours, UUID, UUID], clock: Clock
) -> None:
    app, pilot, _ = store
    context, _session = _log_time_uncommitted(app, pilot, clock)
    try:
        with psycopg.connect(_driver_url(app), autocommit=True) as other:
            other.execute("SET lock_timeout = '3s'")
            # waited for the library's EXCLUSIVE lock until the timeout
            other.execute(f"VACUUM {app.pipeline.store.events_table.name}")
    finally:
        context.__exit__(None, None, None)
    assert len(app.get_pilot(pilot, actor=LEAD).time_logged) == 1


def test_a_second_writer_waits_for_the_first_to_commit(
    store: tuple[Parcours, UUID, UUID], clock: Clock
) -> None:
    app, first, second = store
    context, _session = _log_time_uncommitted(app, first, clock)
    done = threading.Event()

    def other_writer() -> None:
        app.log_time(second, days=1, on=date(2024, 10, 2), actor=REFERENT_ID)
        done.set()

    thread = threading.Thread(target=other_writer)
    try:
        thread.start()
        assert not done.wait(1.0), "the second writer inserted while the first held the lock"
    finally:
        context.__exit__(None, None, None)
    thread.join(10)
    assert done.is_set()
    # ids in the order of the commits, and none burned: the second writer waited before its
    # insert (not at its audit leaf, whose index the first one took, to roll back and retry)
    assert _last_id(app, second) == _last_id(app, first) + 1


@pytest.mark.parametrize("act", ["command", "checkpoint"])
def test_a_writer_waits_for_a_process_of_an_earlier_version(
    store: tuple[Parcours, UUID, UUID], act: str
) -> None:
    """An earlier version locks the table IN EXCLUSIVE MODE (eventsourcing-sqlalchemy's own
    lock) to insert events and leaves: ours takes ROW EXCLUSIVE as well, so a command or a
    checkpoint (leaves without events) waits for it, as before."""
    app, _, second = store
    done = threading.Event()

    def writer() -> None:
        if act == "command":
            app.log_time(second, days=1, on=date(2024, 10, 2), actor=REFERENT_ID)
        else:
            app.checkpoint_audit_trail()
        done.set()

    with psycopg.connect(_driver_url(app)) as earlier:
        earlier.execute(f"LOCK TABLE {app.pipeline.store.events_table.name} IN EXCLUSIVE MODE")
        thread = threading.Thread(target=writer)
        thread.start()
        assert not done.wait(1.0), "a writer went on beside the earlier version's lock"
        earlier.commit()
    thread.join(10)
    assert done.is_set()
