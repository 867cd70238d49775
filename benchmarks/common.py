"""What every figure shares: the scales, the clock, timing, and the list of results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import cohort
from parcours import Parcours, Settings

# Pilots per scale (issue 23): a regional cohort, a large region, a national programme. The
# large scale runs on PostgreSQL only (≈3M events: SQLite is not what a national agency runs).
SCALES = {"small": 1_000, "medium": 10_000, "large": 100_000}
POSTGRES_ONLY = {"large"}


@dataclass
class Results:
    scale: str
    pilots: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self, backend: str, figure: str, value: float, goal: str, met: bool, detail: str
    ) -> None:
        self.rows.append(
            {
                "scale": self.scale,
                "pilots": self.pilots,
                "backend": backend,
                "figure": figure,
                "value": value,
                "goal": goal,
                "met": met,
                "detail": detail,
            }
        )
        verdict = "met" if met else "MISSED"
        print(
            f"[{self.scale} {backend}] {figure} = {value:.3g} (goal {goal}: {verdict}) {detail}",
            flush=True,
        )


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def best_of(runs: int, action: Callable[[], Any]) -> float:
    return min(timed(action)[0] for _ in range(runs))


def app_at(url: str, snapshots: int = 100) -> Parcours:
    return cohort.staffed(
        Parcours(settings=Settings(url=url, snapshot_interval=snapshots), clock=lambda: cohort.NOW)
    )
