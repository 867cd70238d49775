"""Promise attacked: processes that start at once on an empty database all come up (issue 18:
schema creation is serialised; two projection workers share one position)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

from parcours import Parcours
from parcours.settings import Settings
from tests.support.roles import LEAD, staffed

START = """
import sys, time
from parcours import Parcours

url, at = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, at - time.time()))  # all processes open the database at the same instant
app = Parcours(url)
assert app.list_pilots() == [] and app.dashboard().rows == []
print("up")
"""

WORKER = """
import sys, time
from parcours import Parcours
from parcours.settings import Settings

url, at = sys.argv[1], float(sys.argv[2])
app = Parcours(settings=Settings(url=url, project_after_commands=False))
time.sleep(max(0.0, at - time.time()))  # opened; now all fold at the same instant
folded = 0
for _ in range(3):
    # small pages: many transactions, so the workers' folds overlap
    folded += app.pipeline.projections.catch_up(page=10)
print("folded", folded)
"""


def _enrol_many(app: Parcours, count: int) -> None:
    for n in range(count):
        app.enroll(
            name=f"Commune {n}",
            programme="grand-est-2024",
            charter_signed_on=date(2024, 9, 2),
            actor=LEAD,
        )


def _at_once(script: str, url: str, count: int) -> list[str]:
    at = time.time() + 4.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, str(at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out.strip())
    return outputs


def test_four_processes_starting_on_an_empty_database_all_come_up(db_url: str) -> None:
    assert _at_once(START, db_url, 4) == ["up"] * 4
    app = staffed(Parcours(db_url))  # the schema they raced to create takes the first acts
    try:
        _enrol_many(app, 4)
        assert len(app.list_pilots()) == 4
        assert app.verify_audit_trail().ok
    finally:
        app.close_connections()


def test_three_projection_workers_at_once_fold_each_event_once(db_url: str) -> None:
    writer = staffed(Parcours(settings=Settings(url=db_url, project_after_commands=False)))
    try:
        _enrol_many(writer, 200)
        outputs = _at_once(WORKER, db_url, 3)
        folded = sum(int(line.split()[1]) for line in outputs)
        assert folded == writer.event_count()  # each event folded by exactly one worker
        assert writer.projection_lag() == 0
        assert writer.check_projections().ok
    finally:
        writer.close_connections()
