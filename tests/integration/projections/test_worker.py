"""`parcours projections run`: a worker process keeps the read models caught up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from parcours import Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import enrolled, kept_dashboard_rows


def test_a_projection_worker_follows_the_commands_of_another_process(
    db_url: str, clock: Clock
) -> None:
    writer = staffed(
        Parcours(settings=Settings(url=db_url, project_after_commands=False), clock=clock)
    )
    env = {**os.environ, "PARCOURS_DATABASE_URL": db_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from parcours.cli import main; main()",
            "projections",
            "run",
            "--interval",
            "0.2",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert worker.stderr is not None
        assert "en marche" in worker.stderr.readline()
        pilot = enrolled(writer)
        deadline = time.monotonic() + 20
        # the enrolment and the referent's grant: wait for both to be folded
        while writer.projection_lag() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.id for p in writer.list_pilots()] == [pilot]
        assert writer.projection_lag() == 0
        # and it keeps the dashboard rows of what it folded (for its own day)
        while not kept_dashboard_rows(writer) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kept_dashboard_rows(writer) == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        writer.close_connections()
