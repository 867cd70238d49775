"""The cohort tick's guards (issue 23): a queue row's kept state is trusted only at the
pilot's last version; a command between the tick's read and its write keeps the row due; a
row without state is loaded and filled; a conflict in a batch falls back to each pilot on
its own. Each test fails if its guard is taken away."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import select, update

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler
from parcours.store import queue
from parcours.store.schema import deadline_queue
from tests.conftest import Clock
from tests.support.roles import LEAD
from tests.support.scenarios import in_diagnostic

MASS_DUE = datetime(2024, 12, 2, 12, tzinfo=UTC)
QUIET = datetime(2024, 10, 1, 12, tzinfo=UTC)
REMINDERS = {("R3", 30), ("R7", 30)}


def _row(app: Parcours, pilot: object) -> Any:
    with app.pipeline.reading() as session:
        return session.execute(
            select(deadline_queue).where(deadline_queue.c.pilot_id == str(pilot))
        ).one()


def _reminders(app: Parcours, pilot: object) -> Counter[tuple[Any, Any]]:
    return Counter(
        (e.fields["rule"], e.fields["offset"])
        for e in app.history(pilot, actor=LEAD)
        if e.event_type == "DeadlineApproaching"
    )


@pytest.fixture
def cohort(app: Parcours, clock: Clock) -> list[object]:
    clock.set(date(2024, 9, 20))
    return [in_diagnostic(app) for _ in range(3)]


def test_every_command_keeps_the_rules_state_beside_the_queue_row(
    app: Parcours, cohort: list[object]
) -> None:
    row = _row(app, cohort[0])
    kept = json.loads(row.rules)
    assert kept["phase"] == "diagnostic"
    assert [p[0] for p in kept["phases"]] == ["charter_signed", "diagnostic"]
    assert row.version == app.get_pilot(cohort[0], actor=LEAD).version


def test_a_state_behind_the_pilot_is_not_trusted(
    app: Parcours, cohort: list[object], clock: Clock
) -> None:
    # The row claims a pilot that withdrew at once (owed nothing: its deadlines are void),
    # at a version the pilot has left behind: the tick must load the pilot and find the
    # reminders it owes.
    pilot = cohort[0]
    row = _row(app, pilot)
    lying = json.loads(row.rules)
    lying["phases"].append(["withdrawn", "2024-09-17"])
    lying["phase"] = "withdrawn"
    with app.pipeline.writing() as session:
        session.execute(
            update(deadline_queue)
            .where(deadline_queue.c.pilot_id == str(pilot))
            .values(rules=json.dumps(lying), version=row.version - 1)
        )
    clock.now = MASS_DUE
    DeadlineScheduler(app).tick(MASS_DUE)
    assert set(_reminders(app, pilot)) == REMINDERS
    assert _row(app, pilot).version == app.get_pilot(pilot, actor=LEAD).version


def test_a_command_between_the_read_and_the_reschedule_keeps_the_row_due(
    app: Parcours, cohort: list[object], clock: Clock
) -> None:
    scheduler = DeadlineScheduler(app)
    clock.now = QUIET
    with app.pipeline.reading() as session:
        rows = queue.due_rows(session, QUIET, 100)
        versions = queue.last_versions(
            session, app.pipeline.store.events_table, [r.pilot_id for r in rows]
        )
    assert {r.pilot_id for r in rows} == {str(p) for p in cohort}
    # Meanwhile a command on the first pilot: it marks the row due with its new state.
    app.record_rex(cohort[0], on=date(2024, 9, 30), session="rex-2024-a", actor=LEAD)
    outcome = scheduler._cohort.evaluate(rows, versions, QUIET)
    assert outcome.recorded == []
    with app.pipeline.reading() as session:
        still_due = set(queue.due(session, QUIET, 100))
    assert still_due == {str(cohort[0])}


def test_rows_of_an_earlier_version_are_loaded_then_filled(
    app: Parcours, cohort: list[object], clock: Clock
) -> None:
    with app.pipeline.writing() as session:
        session.execute(update(deadline_queue).values(rules=None, version=None))
    clock.now = QUIET
    report = DeadlineScheduler(app).tick(QUIET)
    assert report.evaluated == 3
    assert report.recorded == []
    for pilot in cohort:
        row = _row(app, pilot)
        assert row.version == app.get_pilot(pilot, actor=LEAD).version
        assert json.loads(row.rules)["phase"] == "diagnostic"
    clock.now = MASS_DUE
    DeadlineScheduler(app).tick(MASS_DUE)
    assert all(set(_reminders(app, p)) == REMINDERS for p in cohort)


@pytest.mark.parametrize(
    "garbled",
    [
        "{not json",
        '{"f": 1, "marks": ["missed:R3"]}',  # its format's tag, but not its content
        '{"f": 1, "programme": "grand-est-2024", "phase": "diagnostic", "phases": 7,'
        ' "marks": [], "follow_ups": [], "rex": []}',
        "[]",
    ],
)
def test_a_state_edited_by_hand_does_not_stop_the_tick(
    app: Parcours, cohort: list[object], clock: Clock, garbled: str
) -> None:
    """A row whose kept state does not read (sqlite3 in hand) is not trusted: the pilot is
    loaded, its reminders recorded once, its row written again; the other pilots go on."""
    with app.pipeline.writing() as session:
        session.execute(
            update(deadline_queue)
            .where(deadline_queue.c.pilot_id == str(cohort[0]))
            .values(rules=garbled)
        )
    clock.now = MASS_DUE
    DeadlineScheduler(app).tick(MASS_DUE)
    for pilot in cohort:
        assert _reminders(app, pilot) == Counter(REMINDERS)
    assert json.loads(_row(app, cohort[0]).rules)["phase"] == "diagnostic"


def test_a_conflict_in_a_batch_falls_back_to_each_pilot_on_its_own(
    app: Parcours, cohort: list[object], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.pipeline.store
    save = store.save
    calls: list[int] = []

    def colliding(*aggregates: Any, **kwargs: Any) -> Any:
        calls.append(len(aggregates))
        if len(aggregates) > 1:
            raise IntegrityError("another writer got there first")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(store, "save", colliding)
    clock.now = MASS_DUE
    report = DeadlineScheduler(app).tick(MASS_DUE)
    assert calls[0] == 3
    assert calls[1:] == [1, 1, 1]
    assert len(report.recorded) == 6
    assert all(_reminders(app, p) == Counter(REMINDERS) for p in cohort)
    assert app.verify_audit_trail().ok


@pytest.mark.postgres
def test_a_batch_holds_every_pilots_lock_until_it_commits(postgres_url: str, clock: Clock) -> None:
    from sqlalchemy import create_engine, text

    from tests.support.roles import staffed

    app = staffed(Parcours(postgres_url, clock=clock))
    clock.set(date(2024, 9, 20))
    pilots = [in_diagnostic(app) for _ in range(3)]
    other = create_engine(postgres_url)
    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    try:
        with other.connect() as watcher:
            before = watcher.execute(held).scalar()
            with app.pipeline.writing() as session:
                app.pipeline.store.lock_pilots(session, pilots)  # type: ignore[arg-type]
                assert watcher.execute(held).scalar() == before + 3
            assert watcher.execute(held).scalar() == before
    finally:
        other.dispose()
        app.close_connections()


def test_each_pilots_last_version_is_read_and_an_unknown_pilot_left_out(
    app: Parcours, cohort: list[object]
) -> None:
    """`queue.last_versions`, which decides whether a row's kept state is trusted: one more
    event on the first pilot moves its version alone; an id named twice is read once."""
    app.record_rex(cohort[0], on=date(2024, 9, 20), session="rex-2024-a", actor=LEAD)
    asked = [str(p) for p in cohort] + [str(uuid4()), str(cohort[1])]
    with app.pipeline.reading() as session:
        versions = queue.last_versions(session, app.pipeline.store.events_table, asked)
    expected = {str(p): app.pipeline.load(p).version for p in cohort}
    assert versions == expected
    assert versions[str(cohort[0])] == versions[str(cohort[1])] + 1


def test_a_batch_that_conflicts_keeps_the_marks_of_the_batch_before(
    app: Parcours, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch's notices are delivered after its commit and marked by the second
    batch's; when the second conflicts (rolled back, each pilot on its own), the marks are
    kept for the next transaction: no notice is delivered twice, even after the leases."""
    clock.set(date(2024, 9, 20))
    pilots = [in_diagnostic(app) for _ in range(4)]
    store = app.pipeline.store
    save = store.save
    batches: list[int] = []

    def second_collides(*aggregates: Any, **kwargs: Any) -> Any:
        if len(aggregates) > 1:
            batches.append(len(aggregates))
            if len(batches) == 2:
                raise IntegrityError("another writer got there first")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(store, "save", second_collides)
    scheduler = DeadlineScheduler(app, batch=2)
    received: list[Any] = []
    scheduler.on_notice(received.append)
    clock.now = MASS_DUE
    report = scheduler.tick(MASS_DUE)
    assert batches == [2, 2]
    assert report.delivered == len(received) == 8
    assert {n.pilot_id for n in received} == set(pilots)
    clock.now = MASS_DUE + timedelta(hours=1)  # every lease is over
    assert scheduler.tick(clock.now).delivered == 0
    assert len({n.notice_id for n in received}) == len(received) == 8
