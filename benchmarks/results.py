"""RESULTS.md: one table per scale, kept across runs (a run rewrites its own scale only; a
run of one backend, that backend's rows), and a plot of how each figure grows with the
cohort (RESULTS.png, when matplotlib is installed)."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import SCALES, Results

HERE = Path(__file__).parent
STORE = HERE / "results.json"


def machine() -> str:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}"
    )


BACKENDS = ("SQLite", "PostgreSQL")


def save(results: Results, seconds: float) -> None:
    runs: dict[str, Any] = json.loads(STORE.read_text()) if STORE.exists() else {}
    runs[results.scale] = table(
        runs.get(results.scale), results, f"{datetime.now(UTC):%Y-%m-%d}", seconds
    )
    STORE.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_markdown(runs)
    plot(runs)


def table(
    before: dict[str, Any] | None, results: Results, day: str, seconds: float
) -> dict[str, Any]:
    """The scale's table after this run. A run of one backend (`python -m benchmarks --scale
    medium postgres`) keeps the other's rows of the same scale, and says so."""
    ran = {row["backend"] for row in results.rows}
    measured = day
    kept: list[dict[str, Any]] = []
    if before is not None and before.get("pilots") == results.pilots:
        kept = [row for row in before["rows"] if row["backend"] not in ran]
        if kept:
            others = ", ".join(sorted({row["backend"] for row in kept}))
            measured = (
                f"{day} ({', '.join(sorted(ran))}; the {others} rows of {before['measured']})"
            )
    return {
        "pilots": results.pilots,
        "measured": measured,
        "machine": machine(),
        "seconds": round(seconds),
        "rows": sorted(kept + results.rows, key=lambda row: BACKENDS.index(row["backend"])),
    }


def write_markdown(runs: dict[str, Any]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "`make bench SCALE=small|medium|large` (1,000, 10,000 and 100,000 pilots; the large "
        "scale on PostgreSQL only). Each figure is measured side by side in the same run (see "
        "`benchmarks/__main__.py`); a run rewrites the table of its own scale (a run of one "
        "backend, that backend's rows).",
        "",
    ]
    for scale in sorted(runs, key=lambda s: SCALES[s]):
        run = runs[scale]
        lines += [
            f"## {scale}: {run['pilots']:,} pilots",
            "",
            f"Measured on {run['measured']}: {run['machine']}; {run['seconds']} s in all.",
            "",
            "| backend | figure | value | goal | met | what was measured |",
            "|---|---|---|---|---|---|",
        ]
        for r in run["rows"]:
            lines.append(
                f"| {r['backend']} | {r['figure']} | {r['value']:.3g} | {r['goal']} | "
                f"{'yes' if r['met'] else '**no**'} | {r['detail']} |"
            )
        lines.append("")
    if (HERE / "RESULTS.png").exists():
        lines += ["![How each figure grows with the cohort](RESULTS.png)", ""]
    # Where the time goes, written by hand beside these runs (a command: COMMAND_COST.md; a
    # tick: PROFILE.md): files of their own, so that a run rewriting the tables keeps them.
    for notes in (HERE / "COMMAND_COST.md", HERE / "PROFILE.md"):
        if notes.exists():
            lines += [notes.read_text(encoding="utf-8").rstrip("\n"), ""]
    (HERE / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")


def plot(runs: dict[str, Any]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the `bench` extra is not installed: the tables say it all
        print("matplotlib not installed: no RESULTS.png (pip install -e '.[bench]')")
        return
    rows = [r for run in runs.values() for r in run["rows"]]
    figures = sorted({r["figure"] for r in rows})
    if not figures:
        return
    columns = 3
    fig, axes = plt.subplots(
        (len(figures) + columns - 1) // columns, columns, figsize=(12, 3 * len(figures) / 2)
    )
    for ax, figure in zip(axes.flat, figures, strict=False):
        for backend in sorted({r["backend"] for r in rows}):
            points = sorted(
                (r["pilots"], r["value"])
                for r in rows
                if r["figure"] == figure and r["backend"] == backend
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=backend)
        ax.set_xscale("log")
        ax.set_title(figure)
        ax.set_xlabel("pilots")
        ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(figures) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(HERE / "RESULTS.png", dpi=80)
    plt.close(fig)
