"""Several application processes on one PostgreSQL database, with a projection worker.

Four processes issue commands on the same 20 pilots for 30 seconds (PARCOURS_CONCURRENCY_SECONDS
shortens it): every accepted command's event is stored exactly once, conflicts are retried,
rejected commands appended nothing, and the projection worker ends caught up with a rebuild.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from parcours import Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed, with_referent
from tests.support.scenarios import in_deployment

SECONDS = float(os.environ.get("PARCOURS_CONCURRENCY_SECONDS", "30"))

WRITER = """
import json, random, sys, time
from datetime import date, datetime, timezone
from parcours import Parcours, ParcoursError, Settings

url, worker, seconds, pilots = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
app = Parcours(settings=Settings(url=url, project_after_commands=False),
               clock=lambda: datetime(2026, 1, 10, 12, tzinfo=timezone.utc))
accepted, rejected, conflicts = [], [], 0
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    i += 1
    pilot = random.choice(pilots)
    command_id = f"{worker}-{i}"
    choice = random.random()
    try:
        if choice < 0.4:
            app.log_time(pilot, days=0.5, on=date(2025, 6, 2), actor="test:writer",
                         command_id=command_id)
        elif choice < 0.7:
            app.record_follow_up(pilot, on=date(2025, 6, 3), actor="test:writer",
                                 command_id=command_id)
        elif choice < 0.9:
            # sessions collide across workers: the second attendance is refused (R7)
            app.record_rex(pilot, session=f"rex-{random.randint(0, 30)}", on=date(2025, 6, 4),
                           actor="test:writer", command_id=command_id)
        else:
            app.raise_alert(pilot, kind="rumour", description="x", actor="test:writer",
                            command_id=command_id)
        accepted.append(command_id)
    except ParcoursError as exc:
        if type(exc).__name__ == "ConcurrencyConflict":
            conflicts += 1
        rejected.append(command_id)
print(json.dumps({"accepted": accepted, "rejected": rejected, "conflicts": conflicts}))
"""

FOLLOWER = """
import sys, time
from parcours import Parcours, Settings
app = Parcours(settings=Settings(url=sys.argv[1], project_after_commands=False))
stop_file = sys.argv[2]
lags = []
while True:
    done = __import__("os").path.exists(stop_file)
    app.catch_up_projections()
    with app.pipeline.reading() as session:
        position = app.pipeline.projections.position(session)
    lags.append(app.event_count() - position)
    if done:
        break
    time.sleep(0.2)
print(max(lags), lags[-1])
"""


@pytest.mark.postgres
def test_four_writers_and_a_projection_worker(
    postgres_url: str, clock: Clock, tmp_path: Path
) -> None:
    app = staffed(Parcours(settings=Settings(url=postgres_url), clock=clock))
    pilots = [str(in_deployment(app)[0]) for _ in range(20)]
    # The writers act as the agency and as every pilot's referent (R15).
    app.grant("test:writer", "agency", actor=LEAD)
    for pilot in pilots:
        with_referent(app, pilot, "test:writer")
    before = app.event_count()
    stop = tmp_path / "stop"
    follower = subprocess.Popen(
        [sys.executable, "-c", FOLLOWER, postgres_url, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, postgres_url, f"w{n}", str(SECONDS), *pilots],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=SECONDS + 120)
        assert writer.returncode == 0, err[-3000:]
        results.append(json.loads(out))
    stop.touch()
    out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err[-3000:]
    max_lag, final_lag = (int(x) for x in out.split())

    accepted = [c for r in results for c in r["accepted"]]
    rejected = [c for r in results for c in r["rejected"]]
    assert len(accepted) > 100, "the writers did too little to prove anything"
    assert rejected, "no command was refused: the scenario lost its invalid half"
    stored = Counter(
        entry.command_id
        for pilot in pilots
        for entry in app.history(pilot, actor=LEAD)
        if entry.command_id.startswith("w")
    )
    assert all(stored[c] == 1 for c in accepted), "an accepted command is missing or doubled"
    assert not any(c in stored for c in rejected), "a rejected command appended an event"
    assert app.event_count() == before + len(accepted)
    assert final_lag == 0
    assert max_lag >= 0
    assert app.check_projections().ok
    print(
        f"{len(accepted)} accepted, {len(rejected)} rejected, "
        f"{sum(r['conflicts'] for r in results)} gave up after retries; "
        f"projection lag at most {max_lag} events"
    )
