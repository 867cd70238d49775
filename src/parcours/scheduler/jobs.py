"""APScheduler 3 wiring. It only wakes the scheduler up; it decides nothing.

Its defaults would lose deadlines (a date job due while the process is down is dropped after
a 1 s misfire grace), so every job has `misfire_grace_time=None` and `coalesce=True`, fixed
ids and `replace_existing`. The job store is a table of the same database, so the jobs
survive a restart; their function is found by a module path and a registry key, because a
stored job cannot hold a live object.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from parcours.store.eventstore import PilotStore


class Waker(Protocol):
    """What the jobs wake up: the deadline scheduler of this process."""

    sweep_every: timedelta

    def tick(self) -> Any: ...

    def reschedule_next_due(self) -> None: ...

    def refresh_dashboard(self) -> Any: ...


_LIVE: dict[str, Waker] = {}
KEY = "default"
JOBS_TABLE = "parcours_scheduler_jobs"
SWEEP_JOB = "parcours-sweep"
DASHBOARD_JOB = "parcours-dashboard"
# Kept dashboard rows go stale at midnight and when a pilot changes; a query evaluates stale
# rows itself, so this only bounds how long the dashboard runs slower than it could.
DASHBOARD_EVERY_SECONDS = 600
DUE_JOB_PREFIX = "parcours-due-"


def run_tick(key: str) -> None:
    """The function stored jobs call: tick the live scheduler of this process."""
    scheduler = _LIVE.get(key)
    if scheduler is None:
        return
    scheduler.tick()
    scheduler.reschedule_next_due()


def run_dashboard_refresh(key: str) -> None:
    """The function the stored dashboard job calls: keep today's dashboard rows."""
    scheduler = _LIVE.get(key)
    if scheduler is not None:
        scheduler.refresh_dashboard()


def start(owner: Waker, database: PilotStore, zone: ZoneInfo) -> BackgroundScheduler:
    store = (
        MemoryJobStore()
        if database.in_memory
        else SQLAlchemyJobStore(engine=database.engine, tablename=JOBS_TABLE)
    )
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        timezone=zone,
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
    _LIVE[KEY] = owner
    scheduler.start()
    scheduler.add_job(
        run_tick,
        "interval",
        args=[KEY],
        id=SWEEP_JOB,
        replace_existing=True,
        seconds=int(owner.sweep_every.total_seconds()),
    )
    scheduler.add_job(
        run_dashboard_refresh,
        "interval",
        args=[KEY],
        id=DASHBOARD_JOB,
        replace_existing=True,
        seconds=DASHBOARD_EVERY_SECONDS,
    )
    return scheduler


def refresh_dashboard_now(scheduler: BackgroundScheduler) -> None:
    """Run the dashboard job now, in APScheduler's thread (after a catch-up tick)."""
    scheduler.modify_job(DASHBOARD_JOB, next_run_time=datetime.now(UTC))


def plan_next_due(scheduler: BackgroundScheduler, at: datetime | None, now: datetime) -> None:
    """A date job at the next due instant, named after it: APScheduler removes a date job
    once it has run, so a job is never replaced or removed while it may be running. What is
    already due is the running tick's (or the next sweep's) business.

    APScheduler counts in wall-clock time and the application's clock may be simulated, so
    the job runs after the delay the application's clock has left until `at`."""
    if at is None or at <= now:
        return
    scheduler.add_job(
        run_tick,
        "date",
        args=[KEY],
        id=f"{DUE_JOB_PREFIX}{at.isoformat()}",
        replace_existing=True,
        run_date=datetime.now(UTC) + (at - now),
    )


def stop(owner: Waker, scheduler: BackgroundScheduler, wait: bool) -> None:
    scheduler.shutdown(wait=wait)
    if _LIVE.get(KEY) is owner:
        del _LIVE[KEY]
