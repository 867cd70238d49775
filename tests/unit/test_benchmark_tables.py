"""`make bench`'s tables (benchmarks/results.py): a run of one backend rewrites that
backend's rows of its scale and keeps the other's, saying from when."""

from __future__ import annotations

from typing import Any

from benchmarks.common import Results
from benchmarks.results import table


def _run(scale: str, pilots: int, *backends: str) -> Results:
    results = Results(scale, pilots)
    for backend in backends:
        results.record(backend, "T", 2.0, ">= 2,000 pilots/s", True, f"{backend} now")
    return results


def _before(pilots: int = 10_000) -> dict[str, Any]:
    earlier = _run("medium", pilots, "SQLite", "PostgreSQL")
    for row in earlier.rows:
        row["detail"] = f"{row['backend']} earlier"
    return table(None, earlier, "2026-11-30", 200)


def test_a_run_of_one_backend_keeps_the_others_rows() -> None:
    after = table(_before(), _run("medium", 10_000, "PostgreSQL"), "2026-12-01", 90)
    assert [(r["backend"], r["detail"]) for r in after["rows"]] == [
        ("SQLite", "SQLite earlier"),
        ("PostgreSQL", "PostgreSQL now"),
    ]
    assert after["measured"] == "2026-12-01 (PostgreSQL; the SQLite rows of 2026-11-30)"


def test_a_run_of_both_or_of_another_size_rewrites_the_table() -> None:
    both = table(_before(), _run("medium", 10_000, "PostgreSQL", "SQLite"), "2026-12-01", 90)
    assert [(r["backend"], r["detail"]) for r in both["rows"]] == [
        ("SQLite", "SQLite now"),
        ("PostgreSQL", "PostgreSQL now"),
    ]
    assert both["measured"] == "2026-12-01"
    quick = table(_before(), _run("medium", 500, "PostgreSQL"), "2026-12-01", 9)
    assert [r["detail"] for r in quick["rows"]] == ["PostgreSQL now"]
