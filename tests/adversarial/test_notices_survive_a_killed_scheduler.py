"""Promise attacked: no notice is lost when a scheduler dies between claiming its notices and
delivering them (issue 18: a claim is a lease; delivery is at least once, with stable ids)."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler, Notice
from parcours.settings import Settings
from parcours.store.outbox import notice_id
from parcours.store.schema import outbox
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import in_diagnostic

NOW = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)

# Records the breaches of 31 December, claims their notices, and dies by SIGKILL at the first
# delivery: nothing of it can run after that, no `finally`, no release.
DIES_MID_DELIVERY = """
import os, signal, sys
from datetime import UTC, datetime
from sqlalchemy import func, select

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler

now = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
scheduler = DeadlineScheduler(Parcours(sys.argv[1], clock=lambda: now))
scheduler.on_notice(lambda notice: os.kill(os.getpid(), signal.SIGKILL))
scheduler.tick(now)
print("survived")
"""


def _kill_a_scheduler_mid_delivery(db_url: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", DIES_MID_DELIVERY, db_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert "survived" not in run.stdout


def test_notices_claimed_by_a_killed_scheduler_arrive_after_its_lease(
    db_url: str, app: Parcours, clock: Clock
) -> None:
    clock.set(date(2024, 9, 20))
    pilots = [in_diagnostic(app), in_diagnostic(app)]
    _kill_a_scheduler_mid_delivery(db_url)

    received: list[Notice] = []
    restarted = DeadlineScheduler(app)
    restarted.on_notice(received.append)
    clock.now = NOW + timedelta(minutes=2)  # the dead scheduler's lease still runs
    assert restarted.tick(NOW).delivered == 0
    clock.now = NOW + timedelta(minutes=6)  # the lease (5 minutes) is over
    report = restarted.tick(NOW)

    with app.pipeline.reading() as session:
        recorded = session.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert recorded > 0
    assert report.delivered == len(received) == recorded  # every notice, once
    assert {(n.pilot_id, n.kind, n.rule) for n in received} >= {
        (p, "missed", rule) for p in pilots for rule in ("R3", "R7")
    }
    assert len({n.notice_id for n in received}) == recorded
    for notice in received:
        offset = int(notice.detail["offset"])
        assert notice.notice_id == notice_id(
            notice.pilot_id, notice.kind, notice.rule, notice.due, offset
        )
    assert restarted.tick(NOW).delivered == 0  # delivered once the lease is honoured


def test_a_notice_that_keeps_failing_is_parked_then_retried(db_url: str, clock: Clock) -> None:
    clock.set(date(2024, 9, 20))
    app = staffed(Parcours(settings=Settings(url=db_url, notice_max_attempts=2), clock=clock))
    try:
        in_diagnostic(app)
        scheduler = DeadlineScheduler(app)
        broken: list[str] = []

        def receiver_down(notice: Notice) -> None:
            broken.append(notice.rule)
            raise ConnectionError("smtp down")

        scheduler.on_notice(receiver_down)
        clock.now = NOW
        first = scheduler.tick(NOW).failed_deliveries
        assert first > 0
        assert scheduler.parked_notices() == []
        assert scheduler.tick(NOW).failed_deliveries == first
        parked = scheduler.parked_notices()
        assert len(parked) == first
        assert {"R3", "R7"} <= {c.rule for c in parked}
        assert scheduler.tick(NOW).failed_deliveries == 0  # parked: no longer tried

        received: list[Notice] = []
        fixed = DeadlineScheduler(app)
        fixed.on_notice(received.append)
        assert fixed.retry_parked_notices() == first
        assert fixed.tick(NOW).delivered == first
        assert {n.notice_id for n in received} == {c.notice_id for c in parked}
        assert fixed.parked_notices() == []
    finally:
        app.close_connections()
