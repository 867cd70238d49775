"""Two schedulers in two processes ticking one database: every fact recorded exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date

from parcours import Parcours
from tests.conftest import Clock
from tests.support.roles import LEAD
from tests.support.scenarios import enrolled, in_diagnostic

TICKER = """
import sys
from datetime import UTC, datetime, timedelta
from parcours import Parcours
from parcours.scheduler import DeadlineScheduler

url = sys.argv[1]
now = datetime(2024, 11, 1, tzinfo=UTC)
scheduler = DeadlineScheduler(Parcours(url, clock=lambda: now))
while now < datetime(2025, 8, 1, tzinfo=UTC):
    scheduler.tick(now)
    now += timedelta(days=3)
print("done")
"""


def test_two_scheduler_processes_record_each_fact_once(
    db_url: str, app: Parcours, clock: Clock
) -> None:
    clock.set(date(2024, 9, 20))
    pilots = [in_diagnostic(app) for _ in range(3)] + [enrolled(app, name="CC Pays Rhin-Brisach")]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TICKER, db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert out.strip() == "done"
    for pilot in pilots:
        facts = Counter(
            (e.event_type, e.fields["rule"], e.fields["due"], e.fields.get("offset"))
            for e in app.history(pilot, actor=LEAD)
            if e.event_type.startswith("Deadline")
        )
        assert facts, "the schedulers recorded nothing"
        assert set(facts.values()) == {1}, facts
        assert facts[("DeadlineMissed", "R4", date(2025, 6, 30), None)] == 1
