"""Deadlines and retention: `DeadlineScheduler` records what falls due (R3–R7, R13)."""

from parcours.scheduler.deadline_scheduler import (
    DeadlineScheduler,
    Notice,
    PlannedNotice,
    Recorded,
    TickPlan,
    TickReport,
)

__all__ = ["DeadlineScheduler", "Notice", "PlannedNotice", "Recorded", "TickPlan", "TickReport"]
