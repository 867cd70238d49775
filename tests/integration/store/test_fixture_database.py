"""A store written by an earlier version opens, verifies and takes new commands.

`tests/fixtures/round1.db` was written by `tests/fixtures/make_fixture_db.py` with the code of
before issue 14 and committed as it was: stored topics, event JSON, chain hashes, snapshots,
data keys and our own tables (queue, outbox, ledger, timeline, kept dashboard rows) in that
file must stay readable by every later version. The numbers below are what that run wrote;
they change only if the code reads the old store differently, which is the point.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed

FIXTURE = Path(__file__).parents[2] / "fixtures" / "round1.db"
PARIS = ZoneInfo("Europe/Paris")
TICK_DAY = date(2025, 6, 2)  # the day of the fixture's scheduler tick and kept rows
ARDENNE = "Communauté de Communes Ardenne Rives de Meuse"
COLOMBEY = "Communauté de Communes du Pays de Colombey et du Sud Toulois"
BRUCHE = "Communauté de Communes de la Vallée de la Bruche"
EVENTS = 144  # 3 pilots and 1 REX session
ARDENNE_EVENTS = 121  # past the snapshot interval (100): one snapshot at version 100


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 6, 3, 10, tzinfo=PARIS))


@pytest.fixture
def old_store(tmp_path: Path, clock: Clock) -> Iterator[Parcours]:
    # A copy: opening the store may add tables or indexes, and the fixture must stay as made.
    copy = tmp_path / "round1.db"
    shutil.copyfile(FIXTURE, copy)
    app = Parcours(f"sqlite:///{copy}", clock=clock)
    yield app
    app.close_connections()


def pilot_ids(app: Parcours) -> dict[str, UUID]:
    return {p.name: p.id for p in app.list_pilots()}


def test_the_fixture_is_one_small_file() -> None:
    assert FIXTURE.stat().st_size < 1_000_000
    assert not FIXTURE.with_name("round1.db-wal").exists()


def test_an_old_store_verifies_its_audit_trail(old_store: Parcours) -> None:
    report = old_store.verify_audit_trail()

    assert report.ok, report
    assert (report.pilots, report.events) == (4, EVENTS)


def test_an_old_store_lists_its_pilots_in_their_phases(old_store: Parcours) -> None:
    phases = {p.name: p.phase for p in old_store.list_pilots()}

    assert phases == {ARDENNE: "deployment", COLOMBEY: "framing", BRUCHE: "charter_signed"}


def test_an_old_store_shows_its_dashboard_from_the_rows_it_kept(old_store: Parcours) -> None:
    # Since round 2 of the charter the rows it kept were judged under the old reading of the
    # rules: they are judged again (parcours_rm_board.rules), with the same alerts here.
    board = old_store.dashboard(today=TICK_DAY)

    rows = {row.name: row for row in board.rows}
    assert set(rows) == {ARDENNE, COLOMBEY, BRUCHE}
    assert board.summary.per_phase == {"deployment": 1, "framing": 1, "charter_signed": 1}
    assert {a.rule for a in rows[BRUCHE].alerts} >= {"R3", "R11"}
    assert {a.rule for a in rows[ARDENNE].alerts} >= {"R5", "R9"}


def test_an_old_store_replays_a_history_past_its_snapshot(old_store: Parcours) -> None:
    staffed(old_store)  # an old store has no roles: the agency's first grant opens it
    ardenne = pilot_ids(old_store)[ARDENNE]

    history = old_store.history(ardenne, actor=LEAD)
    view = old_store.get_pilot(ardenne, actor=LEAD)

    assert len(history) == ARDENNE_EVENTS
    assert [e.sequence for e in history] == list(range(1, ARDENNE_EVENTS + 1))
    assert history[0].event_type == "Enrolled"
    types = {e.event_type for e in history}
    assert {"ReferentDesignated", "TimeLogged", "DeadlineMissed", "DeadlineApproaching"} <= types
    assert {"CommunicationPublished", "AlertRaised", "IndicatorReported"} <= types
    assert view.phase == "deployment"


def test_an_old_store_opens_the_personal_data_it_sealed(old_store: Parcours) -> None:
    staffed(old_store)  # an old store has no roles: the agency's first grant opens it
    # Sealed under a data key kept in the old file, found by the old file's email digest.
    export = old_store.export_personal_data(email="camille.martin@example.org", actor=LEAD)

    assert [(r.pilot_name, r.fields["last_name"]) for r in export.records] == [(ARDENNE, "Martin")]


def test_an_old_store_takes_a_new_command_and_still_verifies(
    old_store: Parcours, clock: Clock
) -> None:
    staffed(old_store)  # an old store has no roles: the agency's first grant opens it
    ardenne = pilot_ids(old_store)[ARDENNE]

    old_store.record_follow_up(ardenne, on=date(2025, 6, 3), actor=LEAD)
    # The old command ledger still answers a repeated command id with its first result.
    old_store.record_follow_up(
        ardenne, on=date(2025, 3, 20), actor=LEAD, command_id="fixture-follow-up-1"
    )
    clock.set(date(2025, 7, 1), time(23))
    DeadlineScheduler(old_store).tick(now=clock.now)

    report = old_store.verify_audit_trail()
    history = old_store.history(ardenne, actor=LEAD)
    assert report.ok, report
    assert report.events > EVENTS + 1
    assert history[ARDENNE_EVENTS].event_type == "FollowUpRecorded"
    assert [e.sequence for e in history] == list(range(1, len(history) + 1))


def test_event_topics_stored_before_the_split_of_the_events_module_still_resolve() -> None:
    """Issue 21 moved the event classes into one module per concern: every topic the old
    store holds (`parcours.domain.events:Closed`) resolves to the class now living in a
    submodule, and new events are stored under the new path."""
    import sqlite3

    from eventsourcing.utils import get_topic, resolve_topic

    with sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True) as db:
        stored = {row[0] for row in db.execute("SELECT DISTINCT topic FROM parcours_events")}
    old = {t for t in stored if t.startswith("parcours.domain.events:")}
    assert len(old) >= 10  # the fixture holds the topics of many kinds of event
    for topic in old:
        cls = resolve_topic(topic)
        assert cls.__module__.startswith("parcours.domain.events.")
        assert get_topic(cls) != topic


def test_the_old_stores_pilots_get_their_programme_rows_despite_the_moved_topics(
    old_store: Parcours,
) -> None:
    """The pilot → programme rows (R15 checks without loading a pilot) are backfilled from the
    enrolments stored under the topic of before the split, and the grants the events give
    (`replayed`) include them."""
    from sqlalchemy import select

    from parcours.store import grants

    with old_store.pipeline.reading() as session:
        rows = dict(session.execute(select(grants.pilot_programmes)).tuples().all())
    assert len(rows) == 3
    assert set(rows.values()) == {"grand-est-2024"}
