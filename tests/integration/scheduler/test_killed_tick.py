"""A mass-due tick killed (SIGKILL) half-way through, inside a batch's transaction, then a
second tick: every fact exactly once, every notice queued once, the audit trail verifies
(issue 23: the tick records many pilots per transaction)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler
from parcours.store.schema import outbox
from tests.conftest import Clock
from tests.support.roles import LEAD
from tests.support.scenarios import in_diagnostic

# Every pilot in diagnostic since 16 September 2024 owes its R3 and R7 reminders (30 days
# before 31 December, moved back to Friday 29 November) on 2 December.
MASS_DUE = datetime(2024, 12, 2, 12, tzinfo=UTC)
PILOTS = 40
BATCH = 8

KILLED_TICKER = """
import sys, time
from datetime import datetime
from parcours import Parcours
from parcours.scheduler import DeadlineScheduler

now = datetime.fromisoformat(sys.argv[2])
app = Parcours(sys.argv[1], clock=lambda: now)
store = app.pipeline.store
save = store.save
saved = []

def slow_save(*aggregates, **kwargs):
    recordings = save(*aggregates, **kwargs)
    saved.append(len(aggregates))
    print(f"saved {len(saved)} {len(aggregates)}", flush=True)
    if len(saved) == 3:
        # The third batch's events, chain links and audit leaves are written, not committed.
        print("in-flight", flush=True)
        time.sleep(60)
    return recordings

store.save = slow_save
DeadlineScheduler(app, batch=int(sys.argv[3])).tick(now)
print("finished", flush=True)
"""


def _facts(app: Parcours, pilot: object) -> Counter[tuple[str, object, object, object]]:
    return Counter(
        (e.event_type, e.fields["rule"], e.fields["due"], e.fields.get("offset"))
        for e in app.history(pilot, actor=LEAD)
        if e.event_type.startswith("Deadline")
    )


def test_a_tick_killed_inside_a_batch_resumes_without_duplicates(
    db_url: str, app: Parcours, clock: Clock
) -> None:
    clock.set(date(2024, 9, 20))
    pilots = [in_diagnostic(app) for _ in range(PILOTS)]
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_TICKER, db_url, MASS_DUE.isoformat(), str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    seen = []
    for line in worker.stdout:
        seen.append(line.strip())
        if line.strip() in ("in-flight", "finished"):
            break
    assert seen[-1] == "in-flight", (seen, worker.stderr.read() if worker.stderr else "")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # Two batches committed, the third rolled back with the process: half-way.
    counts = [sum(_facts(app, p).values()) for p in pilots]
    assert sum(counts) == 2 * 2 * BATCH, counts
    assert set(counts) == {0, 2}

    clock.now = MASS_DUE
    report = DeadlineScheduler(app, batch=BATCH).tick(MASS_DUE)
    assert len({r.pilot_id for r in report.recorded}) == PILOTS - 2 * BATCH
    for pilot in pilots:
        facts = _facts(app, pilot)
        assert facts == {
            ("DeadlineApproaching", "R3", date(2024, 12, 31), 30): 1,
            ("DeadlineApproaching", "R7", date(2024, 12, 31), 30): 1,
        }, facts
    with app.pipeline.reading() as session:
        queued = session.execute(
            select(outbox.c.pilot_id, outbox.c.rule, func.count()).group_by(
                outbox.c.pilot_id, outbox.c.rule
            )
        ).all()
    assert len(queued) == 2 * PILOTS
    assert {n for _, _, n in queued} == {1}
    assert DeadlineScheduler(app, batch=BATCH).tick(MASS_DUE).recorded == []
    assert app.verify_audit_trail().ok
