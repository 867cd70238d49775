"""W alone, quickly: `benchmarks.writes.figure_w` on a small cohort, on SQLite and PostgreSQL,
the median of a few runs (each on a fresh store). Nothing is written to RESULTS.md.

    PYTHONPATH=. .venv/bin/python -m benchmarks.w_only [--pilots 200] [--runs 3] [sqlite] [postgres]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks import cohort, writes
from benchmarks.__main__ import LOGS_PER_PILOT
from benchmarks.common import Results, app_at

HERE = Path(__file__).parent


def measure(backend: str, make_url: Callable[[str], str], pilots: int, runs: int) -> None:
    values = []
    for run in range(runs):
        app = app_at(make_url(f"cohort{run}"))
        cohort.load(app, pilots, heavy=False, batch=200, logs=LOGS_PER_PILOT)
        results = Results("w", pilots)
        writes.figure_w(results, backend, app, make_url(f"bare{run}"))
        values.append(float(results.rows[-1]["value"]))
        app.close_connections()
    listed = ", ".join(f"{v:.3f}" for v in values)
    print(f"{backend}: W median {statistics.median(values):.3f} ({listed})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.w_only")
    parser.add_argument("--pilots", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("backends", nargs="*", help="sqlite, postgres (default: both)")
    args = parser.parse_args()
    only = set(args.backends) or {"sqlite", "postgres"}
    folder = Path(tempfile.mkdtemp(prefix="parcours-w-"))
    keys = Path(tempfile.mkdtemp(prefix="parcours-w-keys-"))
    os.environ.setdefault("PARCOURS_KEY_FILE", str(keys / "keyring.json"))
    try:
        if "sqlite" in only:
            measure("SQLite", lambda n: f"sqlite:///{folder}/{n}.db", args.pilots, args.runs)
        if "postgres" in only:
            sys.path.insert(0, str(HERE.parent))
            from tests.support.postgres import PostgresServer, find_pg_bin

            if find_pg_bin() is None:
                print("PostgreSQL binaries not found: skipped")
                return
            server = PostgresServer.start()
            try:
                measure("PostgreSQL", server.create_database, args.pilots, args.runs)
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(keys, ignore_errors=True)


if __name__ == "__main__":
    main()
