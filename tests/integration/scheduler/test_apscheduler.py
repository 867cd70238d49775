"""The real APScheduler, jobs in the same SQLite file: a restart catches up, exactly once."""

from __future__ import annotations

import sqlite3
import time
from datetime import date
from pathlib import Path

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import in_diagnostic, kept_dashboard_rows


def _missed(app: Parcours, pilot: object) -> list[str]:
    return [
        e.fields["rule"] for e in app.history(pilot, actor=LEAD) if e.event_type == "DeadlineMissed"
    ]


def test_a_breach_due_while_stopped_is_recorded_once_on_restart(
    tmp_path: Path, clock: Clock
) -> None:
    url = f"sqlite:///{tmp_path}/parcours.db"
    clock.set(date(2024, 9, 20))
    app = staffed(Parcours(url, clock=clock))
    pilot = in_diagnostic(app)

    scheduler = DeadlineScheduler(app)
    scheduler.start()
    assert scheduler.running
    scheduler.shutdown()
    assert _missed(app, pilot) == []

    with sqlite3.connect(tmp_path / "parcours.db") as db:
        jobs = {row[0] for row in db.execute("SELECT id FROM parcours_scheduler_jobs")}
    assert "parcours-sweep" in jobs
    # the R3 reminder, due on 29 November at midnight in Paris
    assert "parcours-due-2024-11-28T23:00:00+00:00" in jobs

    clock.set(date(2025, 1, 3))  # the R3 due date passed while no scheduler ran
    for _ in range(2):
        restarted = DeadlineScheduler(Parcours(url, clock=clock))
        restarted.start()
        restarted.shutdown()
    assert sorted(_missed(app, pilot)) == ["R3", "R7"]


def test_the_stored_jobs_never_drop_a_misfire(tmp_path: Path, clock: Clock) -> None:
    app = staffed(Parcours(f"sqlite:///{tmp_path}/parcours.db", clock=clock))
    scheduler = DeadlineScheduler(app)
    scheduler.start()
    try:
        assert scheduler._scheduler is not None
        for job in scheduler._scheduler.get_jobs():
            assert job.misfire_grace_time is None
            assert job.coalesce is True
    finally:
        scheduler.shutdown()


def test_a_running_scheduler_keeps_the_dashboard_rows_of_the_day(
    tmp_path: Path, clock: Clock
) -> None:
    app = staffed(Parcours(f"sqlite:///{tmp_path}/parcours.db", clock=clock))
    in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not kept_dashboard_rows(app) and time.monotonic() < deadline:
            time.sleep(0.1)  # the job runs on start, in APScheduler's thread
        assert app.refresh_dashboard() == 0  # the job had kept them all
        assert scheduler._scheduler is not None
        assert scheduler._scheduler.get_job("parcours-dashboard") is not None
    finally:
        scheduler.shutdown()
