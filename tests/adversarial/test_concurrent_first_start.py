"""Promise attacked: processes that start at once on an empty database all come up (issue 18:
schema creation is serialised; two projection workers share one position)."""

from __future__ import annotations

import subprocess
import sys
import time

from parcours import Parcours

START = """
import sys, time
from datetime import date
from parcours import Parcours

url, at = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, at - time.time()))  # all processes open the database at the same instant
app = Parcours(url)
try:  # the first grant (R15); a process that loses the race holds it all the same
    app.grant("agency:ops-1", "agency", programme="grand-est-2024", actor="agency:ops-1")
except Exception:
    pass
app.enroll(name="CC du Pays de Bitche", programme="grand-est-2024",
           charter_signed_on=date(2024, 9, 2), actor="agency:ops-1")
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
    app = Parcours(db_url)
    try:
        assert len(app.list_pilots(actor="agency:ops-1")) == 4
        assert app.verify_audit_trail().ok
    finally:
        app.close_connections()


def test_three_projection_workers_at_once_fold_each_event_once(db_url: str) -> None:
    from datetime import date

    from parcours.settings import Settings

    writer = Parcours(settings=Settings(url=db_url, project_after_commands=False))
    writer.grant("agency:ops-1", "agency", programme="grand-est-2024", actor="agency:ops-1")
    try:
        for n in range(200):
            writer.enroll(
                name=f"Commune {n}",
                programme="grand-est-2024",
                charter_signed_on=date(2024, 9, 2),
                actor="agency:ops-1",
            )
        outputs = _at_once(WORKER, db_url, 3)
        folded = sum(int(line.split()[1]) for line in outputs)
        assert folded == writer.event_count()  # each event folded by exactly one worker
        assert writer.projection_lag() == 0
        assert writer.check_projections().ok
    finally:
        writer.close_connections()
