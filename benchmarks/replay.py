"""R (read-model rebuild against a raw read), A (as-of with and without snapshots) and M
(peak memory of a rebuild, in a process of its own)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from benchmarks import cohort
from benchmarks.common import Results, app_at, best_of
from parcours import Parcours
from parcours.projections.maintenance import REBUILD_PAGE
from parcours.store import ledger

HERE = Path(__file__).parent


def figure_r(results: Results, backend: str, app: Parcours) -> None:
    events = app.event_count()
    t_rebuild = best_of(2, app.rebuild_projections)
    table = app.pipeline.store.recorder.events_record_cls.__table__  # type: ignore[attr-defined]

    def raw() -> None:
        last = 0
        with app.pipeline.store.engine.connect() as connection:
            while True:
                rows = connection.execute(
                    table.select().where(table.c.id > last).order_by(table.c.id).limit(REBUILD_PAGE)
                ).all()
                if not rows:
                    return
                for row in rows:
                    json.loads(row.state)
                last = rows[-1].id

    t_raw = best_of(2, raw)
    ratio = (events / t_rebuild) / (events / t_raw)
    results.record(
        backend,
        "R",
        ratio,
        ">= 0.5",
        ratio >= 0.5,
        f"rebuild {events / t_rebuild:.0f} events/s vs raw select+decode "
        f"{events / t_raw:.0f} events/s over {events} events",
    )


A_RUNS = 10


def figure_a(results: Results, backend: str, url: str) -> None:
    size = 5000
    app = app_at(url, snapshots=100)
    pilot, writes = cohort.build(app, 0, heavy=False)
    act = cohort._act()
    while pilot.version < size:
        pilot.log_time(act, date(2024, 10, 1), 0.25)
    writes.append(
        partial(ledger.record_version, pilot_id=str(pilot.id), version=size, at=cohort.NOW)
    )
    with app.pipeline.writing() as session:
        for write in writes:
            write(session)
        app.pipeline.store.save(pilot)
    no_snapshots = app_at(url, snapshots=0)
    at = cohort.NOW + timedelta(minutes=1)
    # Both reads warmed once, then the best of ten each: the read with snapshots takes about
    # 10 ms, and a best of three of it moved by a factor of two between runs of the same code
    # (the machine's other work, a collection of the cyclic collector landing in it).
    with_snapshots = partial(app.get_pilot, pilot.id, as_of=at, actor=cohort.AGENCY)
    without = partial(no_snapshots.get_pilot, pilot.id, as_of=at, actor=cohort.AGENCY)
    with_snapshots()
    without()
    t_with = best_of(A_RUNS, with_snapshots)
    t_without = best_of(A_RUNS, without)
    ratio = t_without / t_with
    results.record(
        backend,
        "A",
        ratio,
        ">= 10",
        ratio >= 10,
        f"as-of replay of {size} events: {t_without * 1000:.0f} ms without snapshots, "
        f"{t_with * 1000:.1f} ms with (interval 100); best of {A_RUNS} each, after a warm-up",
    )


MEMORY_PROBE = """
import sys
from parcours import Parcours

def high_water_mb():
    # VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child process would report
    # the peak of the benchmark process that forked it.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1

app = Parcours(sys.argv[1])
before = high_water_mb()
folded = app.rebuild_projections()
print(folded, before, high_water_mb())
"""


def figure_m(results: Results, backend: str, url: str) -> None:
    """Peak memory of a rebuild over the scale's whole store (a process of its own)."""
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, url],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    folded, before, peak = (int(x) for x in probe.stdout.split())
    results.record(
        backend,
        "M",
        peak,
        "<= 300 MB",
        peak <= 300,
        f"rebuild over {folded} events; {before} MB after start-up, {peak} MB at peak",
    )
