"""`make bench SCALE=small|medium|large`: every figure a ratio (or a bound) measured side by
side in one run, on a cohort of 1,000, 10,000 or 100,000 pilots (issue 23).

W  commands/s through Parcours / events/s of a bare eventsourcing app (get, trigger, save)
C  % of commands failing with a concurrency conflict, 8 processes writing to one pilot at once
R  events/s of a full read-model rebuild / a raw SELECT plus JSON decode of the same rows
T0 the first tick over the cohort (start-up reconciliation, nothing owed), s per 10,000 pilots
T  pilots recorded per second in a tick where all are due / bare single-event inserts per second
S  a tick with 50 due at the scale / at 100 pilots
Q  the dashboard in a service process, ms, from the rows kept for the day; and as of a past day
A  as-of replay of a 5,000-event pilot without snapshots / with
M  peak memory of a rebuild over the scale's store, in MB (a process of its own)

Writes benchmarks/RESULTS.md (one table per scale) and RESULTS.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import cohort, replay, results, ticks, writes
from benchmarks.common import POSTGRES_ONLY, SCALES, Results, app_at, timed

HERE = Path(__file__).parent
# A light pilot in diagnostic: enrolment, two referents, the diagnostic, a project and this
# many time logs: about 30 events, so that the large scale holds about 3 million.
LOGS_PER_PILOT = 25


def run_backend(results: Results, backend: str, make_url: Callable[[str], str]) -> None:
    app = app_at(make_url("cohort"))
    seconds, stored = timed(
        lambda: cohort.load(app, results.pilots, heavy=False, batch=200, logs=LOGS_PER_PILOT)
    )
    print(f"  [{backend}] stored {stored} events in {seconds:.0f} s ({stored / seconds:.0f}/s)")
    reference = app_at(make_url("reference"))
    cohort.load(reference, 100, heavy=False, logs=LOGS_PER_PILOT)
    bare_per_second = writes.figure_w(results, backend, app, make_url("bare"))
    ticks.first_ticks(results, backend, app, bare_per_second)
    ticks.settle(reference)
    ticks.figure_s(results, backend, reference, app)
    replay.figure_r(results, backend, app)
    app.close_connections()
    ticks.figure_q(results, backend, app.settings.url, cohort.AGENCY)
    replay.figure_m(results, backend, app.settings.url)
    replay.figure_a(results, backend, make_url("as_of"))
    writes.figure_c(results, backend, make_url("conflicts"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--scale", choices=sorted(SCALES, key=SCALES.get), default="small")
    parser.add_argument(
        "--pilots", type=int, help="a quick look at this many pilots; RESULTS.md is not written"
    )
    # No `choices=` here: argparse checks an empty list against them and refuses it.
    parser.add_argument("backends", nargs="*", help="sqlite, postgres (default: both)")
    args = parser.parse_args()
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend: {', '.join(sorted(unknown))} (sqlite, postgres)")
    only = set(args.backends) or {"sqlite", "postgres"}
    if args.scale in POSTGRES_ONLY:
        only.discard("sqlite")
    started = time.time()
    figures = Results(args.scale, args.pilots or SCALES[args.scale])
    folder = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    # PostgreSQL keeps its key-encryption keys outside the database, as a deployment does; the
    # processes the benchmark starts (probes, writers) inherit the variable.
    # (A folder of its own: parcours refuses a key file beside the database it protects.)
    keys = Path(tempfile.mkdtemp(prefix="parcours-bench-keys-"))
    os.environ.setdefault("PARCOURS_KEY_FILE", str(keys / "keyring.json"))
    try:
        if "sqlite" in only:
            run_backend(figures, "SQLite", lambda name: f"sqlite:///{folder}/{name}.db")
        if "postgres" in only:
            sys.path.insert(0, str(HERE.parent))
            from tests.support.postgres import PostgresServer, find_pg_bin

            if find_pg_bin() is None:
                print("PostgreSQL binaries not found: the PostgreSQL figures are skipped")
            else:
                server = PostgresServer.start()
                try:
                    run_backend(figures, "PostgreSQL", server.create_database)
                finally:
                    server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(keys, ignore_errors=True)
        if args.pilots is None and figures.rows:  # a run that measured nothing keeps the old
            results.save(figures, time.time() - started)
    if args.pilots is None:
        print((HERE / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
