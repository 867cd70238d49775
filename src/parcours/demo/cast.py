"""Who and when: the principals of the demo, its days, and the clock it plays on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
# Principals (R15) are opaque handles, never a person's name: they are stored in every event.
# The demo plays Grand Est's cohort (besides the settings' default, the one place of the code
# that names a programme).
PROGRAMME = "grand-est-2024"
LEAD = "agency:project-lead"
REGION = "region:project-lead"
AUDITOR = "auditor:ccrc-1"


def referent(key: str) -> str:
    """The principal of a pilot's operational referent (granted for that pilot only)."""
    return f"pilot:{key}-ops"


START, END = date(2024, 9, 1), date(2026, 2, 1)
CHECKPOINTS = (date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31), date(2026, 2, 1))
REPORT_DAY = date(2025, 12, 31)

Plan = dict[date, list[Callable[[], object]]]


class SimulatedClock:
    """Stands for "now"; the demo moves it forward day by day."""

    def __init__(self, start: date) -> None:
        self.now = datetime.combine(start, time(9), PARIS)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int) -> datetime:
        self.now = datetime.combine(day, time(hour), PARIS)
        return self.now
