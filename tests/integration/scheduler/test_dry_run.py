"""`tick --dry-run` (issue 20 item 6): what a tick would record, purge and send, computed by
the same rules, and nothing changed: every row of every table (the Merkle audit log's
included) and, on SQLite, the database file's bytes are the same before and after; the real
tick that follows then does exactly what the plan said. On both backends."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler, Notice
from tests.conftest import Clock
from tests.support.scenarios import LEAD, in_diagnostic


def everything(app: Parcours) -> dict[str, Any]:
    """Every row of every table of the database, and on SQLite the files' bytes."""
    store = app.pipeline.store
    found: dict[str, Any] = {}
    with store.engine.connect() as connection:
        names = inspect(connection).get_table_names()
        assert "parcours_log_leaves" in names or len(names) > 10
        for name in names:  # raw rows: no type processing between the bytes and the test
            rows = connection.exec_driver_sql(f'SELECT * FROM "{name}"').all()
            found[name] = sorted(repr(tuple(r)) for r in rows)
    path = store.datastore_path()
    if path:
        for name in (str(path), f"{path}-wal"):
            if Path(name).exists():
                found[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    return found


@pytest.fixture
def early(clock: Clock) -> Clock:
    clock.set(date(2024, 9, 20))
    return clock


def test_a_dry_run_changes_nothing_and_the_tick_then_does_what_it_said(
    app: Parcours, early: Clock
) -> None:
    first = in_diagnostic(app)
    second = in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    sent: list[Notice] = []
    failing = {"on": True}

    @scheduler.on_notice
    def send(notice: Notice) -> None:
        if failing["on"]:
            raise ConnectionError("mail server down")
        sent.append(notice)

    # A first tick leaves notices pending (their delivery failed): a dry run lists them too.
    early.now = datetime(2024, 12, 2, tzinfo=UTC)
    assert scheduler.tick(early.now).failed_deliveries == 4
    failing["on"] = False
    early.now = datetime(2025, 8, 1, tzinfo=UTC)
    before = everything(app)
    events = app.event_count()

    plan = scheduler.plan(early.now)

    assert everything(app) == before
    assert app.event_count() == events
    assert sent == []  # nothing handed to the callbacks
    assert plan.dry_run
    assert plan.evaluated == 2
    assert plan.receivers == 1
    owed = {(r.pilot_id, r.kind, r.rule, r.due, r.offset) for r in plan.would_record}
    assert {(p, "missed", "R3") for p in (first, second)} <= {o[:3] for o in owed}
    statuses = {n.status for n in plan.notices}
    assert statuses == {"pending", "new"}
    assert all(n.recipients == 1 for n in plan.notices)  # the operational referent
    assert plan.would_purge.pilots == []
    assert plan.would_checkpoint  # the last checkpoint is months old
    # A second dry run says the same: the first left nothing behind that changes it.
    assert scheduler.plan(early.now) == plan

    report = scheduler.tick(early.now)
    assert {(r.pilot_id, r.kind, r.rule, r.due, r.offset) for r in report.recorded} == owed
    assert sorted(n.notice_id for n in sent) == sorted(n.notice_id for n in plan.notices)
    assert everything(app) != before  # the real tick did change the database
    assert app.verify_audit_trail().ok


def test_a_dry_run_at_the_end_of_retention_lists_the_purge_and_purges_nothing(
    app: Parcours, early: Clock
) -> None:
    pilot = in_diagnostic(app)
    app.designate_programme_contact(
        "grand-est-2024",
        organisation="region",
        first_name="Cyril",
        last_name="Muret",
        email="cyril.muret@example.org",
        phone="+33 3 88 00 00 00",
        title="Chef de projet",
        actor=LEAD,
    )
    scheduler = DeadlineScheduler(app)
    early.now = datetime(2026, 1, 31, 22, 0, tzinfo=UTC)
    scheduler.tick(early.now)
    early.now = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)  # 1 February in Paris
    before = everything(app)

    plan = scheduler.plan(early.now)

    assert everything(app) == before
    assert plan.would_purge.pilots == [pilot]
    assert plan.would_purge.persons == 1
    assert plan.would_purge.dry_run
    assert plan.would_purge_programme_contacts == ["grand-est-2024"]
    assert plan.would_rotate_keys
    assert app.programme_contacts("grand-est-2024", actor=LEAD)[0].last_name == "Muret"
    view = app.get_pilot(pilot, actor=LEAD)
    assert view.phase != "purged"
    assert view.contacts[0].email == "camille.martin@example.org"

    assert scheduler.tick(early.now).purged == [pilot]
    assert app.get_pilot(pilot, actor=LEAD).phase == "purged"
    assert app.programme_contacts("grand-est-2024", actor=LEAD)[0].last_name != "Muret"
    after = scheduler.plan(datetime(2026, 2, 2, tzinfo=UTC))
    assert after.would_purge.pilots == []
    assert after.would_purge_programme_contacts == []
