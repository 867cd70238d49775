"""Figure C: the share of commands that still fail with `ConcurrencyConflict` (after the
pipeline's retries) when 8 processes write to one pilot at once (issue 18; goal < 2 %)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

from benchmarks.cohort import AGENCY, PROGRAMME, staffed
from parcours import Parcours

WRITERS = 8
COMMANDS = 40

WRITER = """
import sys, time
from datetime import date
from parcours import ConcurrencyConflict, Parcours

url, pilot, at, commands = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
app = Parcours(url)
time.sleep(max(0.0, at - time.time()))  # every writer starts at the same instant
conflicts = 0
for n in range(commands):
    try:
        app.log_time(pilot, days=0.25, on=date(2024, 10, 1), actor="pilot:bench")
    except ConcurrencyConflict:
        conflicts += 1
print(conflicts)
"""


def conflict_rate(url: str) -> tuple[float, int]:
    """(share of commands refused for a conflict, commands sent)."""
    app = staffed(Parcours(url))
    pilot = app.enroll(
        name="CC Bench", programme=PROGRAMME, charter_signed_on=date(2024, 9, 2), actor=AGENCY
    )
    app.grant("pilot:bench", "referent", pilot=pilot, actor=AGENCY)  # R15: the referent logs
    app.close_connections()
    at = time.time() + 3.0
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(pilot), str(at), str(COMMANDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(WRITERS)
    ]
    conflicts = 0
    for writer in writers:
        out, _ = writer.communicate(timeout=600)
        conflicts += int(out.strip() or 0)
    sent = WRITERS * COMMANDS
    return conflicts / sent, sent
