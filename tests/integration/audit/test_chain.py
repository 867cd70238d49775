"""Tamper evidence: a changed byte, a deleted or a reordered event is detected and located."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from parcours import Parcours
from parcours.store.chain import GENESIS, link
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, in_deployment

FOURTH = "WHERE originator_id = ? AND originator_version = 4"


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> tuple[Parcours, Path]:
    path = tmp_path / "parcours.db"
    app = staffed(Parcours(f"sqlite:///{path}", clock=clock))
    in_deployment(app)
    in_deployment(app)
    return app, path


def _tamper(path: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, args)


def test_an_untouched_store_verifies(store: tuple[Parcours, Path]) -> None:
    app, _ = store
    report = app.verify_audit_trail()
    assert report.ok
    # two pilots and the programme's register of roles (R15): three chained histories
    assert (report.pilots, report.events) == (3, app.event_count())


def test_a_changed_byte_is_located(store: tuple[Parcours, Path]) -> None:
    app, path = store
    pilot = app.list_pilots()[0].id
    with sqlite3.connect(path) as db:
        (state,) = db.execute(
            f"SELECT state FROM parcours_events {FOURTH}",
            (pilot.bytes,),
        ).fetchone()
        flipped = bytearray(state)
        flipped[10] ^= 0x01
        db.execute(
            f"UPDATE parcours_events SET state = ? {FOURTH}",
            (bytes(flipped), pilot.bytes),
        )
    report = app.verify_audit_trail()
    assert not report.ok
    assert report.first_break is not None
    assert (report.first_break.pilot_id, report.first_break.version) == (pilot, 4)


@pytest.mark.parametrize("version", [3, 8])
def test_a_deleted_event_is_located(store: tuple[Parcours, Path], version: int) -> None:
    app, path = store
    pilot = app.list_pilots()[0].id
    last = app.get_pilot(pilot, actor=LEAD).version
    version = min(version, last)
    _tamper(
        path,
        "DELETE FROM parcours_events WHERE originator_id = ? AND originator_version = ?",
        pilot.bytes,
        version,
    )
    report = app.verify_audit_trail()
    assert report.first_break is not None
    assert (report.first_break.pilot_id, report.first_break.version) == (pilot, version)


def test_swapped_events_are_detected(store: tuple[Parcours, Path]) -> None:
    app, path = store
    pilot = app.list_pilots()[0].id
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT originator_version, topic, state FROM parcours_events "
            "WHERE originator_id = ? AND originator_version IN (5, 6)",
            (pilot.bytes,),
        ).fetchall()
        (v5, t5, s5), (v6, t6, s6) = rows
        db.execute(
            "UPDATE parcours_events SET topic = ?, state = ? WHERE originator_id = ? AND "
            "originator_version = ?",
            (t6, s6, pilot.bytes, v5),
        )
        db.execute(
            "UPDATE parcours_events SET topic = ?, state = ? WHERE originator_id = ? AND "
            "originator_version = ?",
            (t5, s5, pilot.bytes, v6),
        )
    report = app.verify_audit_trail()
    assert report.first_break is not None
    assert (report.first_break.pilot_id, report.first_break.version) == (pilot, 5)


def test_the_chain_still_verifies_after_erasure_and_purge(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    app.erase_person(pilot, app.get_pilot(pilot, actor=LEAD).contacts[0].person_id, actor=LEAD)
    app.purge_expired(datetime(2026, 2, 1, tzinfo=UTC))
    assert app.verify_audit_trail().ok


def test_a_cut_off_tail_is_caught_by_the_checkpoint(store: tuple[Parcours, Path]) -> None:
    app, path = store
    pilot = app.list_pilots()[0].id
    last = app.get_pilot(pilot, actor=LEAD).version
    assert app.checkpoint_audit_trail() == 3  # with the programme's register of roles
    with sqlite3.connect(path) as db:  # the event and its link, both removed
        db.execute(
            "DELETE FROM parcours_events WHERE originator_id = ? AND originator_version = ?",
            (pilot.bytes, last),
        )
        db.execute(
            "DELETE FROM parcours_audit_chain WHERE originator_id = ? AND originator_version = ?",
            (str(pilot), last),
        )
    report = app.verify_audit_trail()
    assert report.first_break is not None
    assert (report.first_break.pilot_id, report.first_break.version) == (pilot, last)


def test_a_rewritten_chain_is_caught_by_the_checkpoint(store: tuple[Parcours, Path]) -> None:
    app, path = store
    pilot = app.list_pilots()[0].id
    app.checkpoint_audit_trail()
    with sqlite3.connect(path) as db:  # a careful forger: changes a byte and recomputes
        rows = db.execute(
            "SELECT originator_version, topic, state FROM parcours_events "
            "WHERE originator_id = ? ORDER BY originator_version",
            (pilot.bytes,),
        ).fetchall()
        previous = GENESIS
        for version, topic, state in rows:
            if version == 3:  # the referent's designation (2 is the referent's grant)
                state = state.replace(b"operational", b"Operational")
                db.execute(
                    "UPDATE parcours_events SET state = ? WHERE originator_id = ? AND "
                    "originator_version = 3",
                    (state, pilot.bytes),
                )
            previous = link(previous, pilot, version, topic, state)
            db.execute(
                "UPDATE parcours_audit_chain SET hash = ? WHERE originator_id = ? AND "
                "originator_version = ?",
                (previous, str(pilot), version),
            )
    report = app.verify_audit_trail()
    assert report.first_break is not None
    assert report.first_break.reason.startswith("the chain was rewritten")


def test_an_export_verifies_alone_and_a_changed_line_is_caught(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    lines = app.export_audit(pilot, actor=LEAD)
    assert Parcours.verify_audit_export(lines).ok
    forged = [dict(line) for line in lines]
    forged[3]["recorded_at"] = "2020-01-01T00:00:00+00:00"
    report = Parcours.verify_audit_export(forged)
    assert report.first_break is not None
    assert report.first_break.version == 4
    dropped = lines[:2] + lines[3:]
    assert not Parcours.verify_audit_export(dropped).ok


def test_the_scheduler_records_a_checkpoint_each_day(app: Parcours) -> None:
    from parcours.scheduler import DeadlineScheduler
    from parcours.store.schema import audit_checkpoints

    in_deployment(app)
    scheduler = DeadlineScheduler(app)
    for hours in (0, 5, 30):
        scheduler.tick(datetime(2025, 5, 1, tzinfo=UTC) + timedelta(hours=hours))
    with app.pipeline.reading() as session:
        assert len(session.execute(audit_checkpoints.select()).all()) == 2


def _tick_far_ahead(app: Parcours, clock: Clock) -> int:
    """A scheduler in a process of its own (no link of the cohort in its memory) ticks a
    year on: every pilot owes facts, recorded in one batch (issue 23)."""
    from parcours.scheduler import DeadlineScheduler

    other = staffed(Parcours(app.settings.url, clock=clock))
    try:
        report = DeadlineScheduler(other).tick(datetime(2026, 3, 1, tzinfo=UTC))
    finally:
        other.close_connections()
    return len({fact.pilot_id for fact in report.recorded})


def test_a_batch_chains_each_pilot_to_its_last_link_read_in_bulk(
    app: Parcours, clock: Clock
) -> None:
    in_deployment(app)
    in_deployment(app)
    assert _tick_far_ahead(app, clock) == 2
    assert app.verify_audit_trail().ok


def test_a_batch_does_not_chain_past_a_deleted_last_link(app: Parcours, clock: Clock) -> None:
    """The bulk read of last links finds the one before a deleted link: the batch must not
    chain to it. The new event starts afresh, as one pilot's save does (`_head`), and
    verification names the gap."""
    from sqlalchemy import delete, select

    from parcours.store.chain import chain

    pilot, _ = in_deployment(app)
    in_deployment(app)
    last = app.get_pilot(pilot, actor=LEAD).version
    mine = chain.c.originator_id == str(pilot)
    with app.pipeline.store.engine.begin() as db:
        db.execute(delete(chain).where(mine, chain.c.originator_version == last))
    assert _tick_far_ahead(app, clock) == 2
    report = app.verify_audit_trail()
    assert report.first_break is not None
    assert (report.first_break.pilot_id, report.first_break.version) == (pilot, last)
    table = app.pipeline.store.events_table
    with app.pipeline.store.engine.connect() as db:
        topic, state = db.execute(
            select(table.c.topic, table.c.state).where(
                table.c.originator_id == pilot, table.c.originator_version == last + 1
            )
        ).one()
        digest = db.execute(
            select(chain.c.hash).where(mine, chain.c.originator_version == last + 1)
        ).scalar_one()
    assert bytes(digest) == link(GENESIS, pilot, last + 1, topic, bytes(state))
