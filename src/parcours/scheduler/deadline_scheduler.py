"""`DeadlineScheduler`: records what falls due as events; APScheduler only wakes it up.

The truth about deadlines lives in the pilots' histories and the deadline queue, never in
APScheduler's job store: a job dropped while the process was down, or run twice by two
schedulers, changes nothing, because `tick` records only what the pure rules say is owed
and not yet in the history, and the aggregate refuses a second copy (optimistic concurrency
settles two schedulers racing on one pilot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from parcours import audit
from parcours.audit import receipts
from parcours.inputs import caller_instant, check_instant
from parcours.scheduler import planning
from parcours.scheduler.cohort_tick import CohortTick
from parcours.scheduler.models import (
    SCHEDULER_ACTOR,
    Callback,
    Notice,
    PlannedNotice,
    Recorded,
    TickPlan,
    TickReport,
)
from parcours.scheduler.notices import Notices
from parcours.store import bulk, outbox, queue

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from parcours.application import Parcours

__all__ = [
    "SCHEDULER_ACTOR",
    "DeadlineScheduler",
    "Notice",
    "PlannedNotice",
    "Recorded",
    "TickPlan",
    "TickReport",
]


class DeadlineScheduler:
    def __init__(
        self,
        app: Parcours,
        *,
        sweep_every: timedelta = timedelta(hours=1),
        batch: int = 1000,
        receipts_dir: str | Path | None = None,
    ) -> None:
        self.app = app
        # A signed receipt of the audit log each day: written here, and to `on_receipt`.
        self.receipts_dir = receipts_dir
        self._receipt_callbacks: list[Callable[[dict[str, Any]], object]] = []
        self.sweep_every = sweep_every
        self.batch = batch
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self.pipeline = app.pipeline
        self._log = app.pipeline.log
        # Our own principal (R15): only the pipeline makes one; a caller's "system:scheduler"
        # string is refused.
        self._principal = app.pipeline.system(SCHEDULER_ACTOR)
        self._notices = Notices(app, batch)
        self._cohort = CohortTick(app, self._principal, batch, self._notices)

    def on_notice(self, callback: Callback) -> Callback:
        """Register a callback for each recorded reminder and breach (usable as a decorator)."""
        self._notices.callbacks.append(callback)
        return callback

    def on_receipt(
        self, callback: Callable[[dict[str, Any]], object]
    ) -> Callable[[dict[str, Any]], object]:
        """Register a callback for each day's audit receipt (usable as a decorator)."""
        self._receipt_callbacks.append(callback)
        return callback

    # -- the tick ---------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> TickReport:
        """Record what fell due up to `now` (default: the app's clock); idempotent."""
        with self._lock, self.app.correlation(f"tick-{uuid4()}"):
            instant = self.app.now() if now is None else caller_instant("now", now, self.app.now())
            if instant.tzinfo is None:
                raise ValueError("tick(now=…) needs an aware datetime")
            recorded: list[Recorded] = []
            purged: list[UUID] = []
            evaluated = delivered = failed = 0
            self._notices.failing = False
            while True:
                with self.pipeline.reading() as session:
                    rows = queue.due_rows(session, instant, self.batch)
                    versions = queue.last_versions(
                        session, self.pipeline.store.events_table, [r.pilot_id for r in rows]
                    )
                if not rows:
                    break
                evaluated += len(rows)
                with bulk.paused_collector():
                    outcome = self._cohort.evaluate(rows, versions, instant)
                recorded.extend(outcome.recorded)
                delivered += outcome.delivered
                failed += outcome.failed
                for pilot_id in outcome.purge:
                    self.app.personal_data.purge_pilot(pilot_id)
                    purged.append(pilot_id)
            if purged:
                self.app.personal_data.settle()
            # R11/R13: the programmes' own contacts are purged at the same end of retention.
            self.app.programme_desk.purge_expired(instant)
            if not self._notices.failing:
                with bulk.paused_collector():
                    late, lost = self._notices.deliver()
                delivered += late
                failed += lost
            self._checkpoint_if_due(instant)
            # After an erasure, a redaction or a purge: the old KEK goes (R13), at the latest now.
            self.app.key_rotation.rotate_if_due()
            self._receipt_if_due(instant)
            if recorded or purged:
                self._log.info(
                    "scheduler.tick",
                    now=instant.isoformat(),
                    recorded=len(recorded),
                    purged=len(purged),
                )
            return TickReport(
                now=instant,
                evaluated=evaluated,
                recorded=recorded,
                purged=purged,
                delivered=delivered,
                failed_deliveries=failed,
            )

    def plan(self, now: datetime | None = None) -> TickPlan:
        """What `tick(now)` would record (reminders, breaches, fulfilments), purge (R13) and
        send (notices), and the upkeep it would do, computed by the same rules from the same
        rows, **with nothing written**: no event, no queue or outbox row, no claim, no
        checkpoint, no receipt, no rotation (only reading transactions are opened).

        Unlike `tick`, `now` may be after the clock: looking ahead ("what will next
        month's tick do?") writes nothing, so it cannot act before its time."""
        with self._lock:
            instant = self.app.now() if now is None else check_instant("now", now)
            return planning.plan(
                self.app, instant, self.batch, len(self._notices.callbacks), self._checkpoint_due
            )

    def _checkpoint_due(self, now: datetime) -> bool:
        last = audit.last_checkpoint_at(self.pipeline.store)
        return last is None or now - last >= timedelta(days=1)

    def _checkpoint_if_due(self, now: datetime) -> None:
        if self._checkpoint_due(now):
            self.app.checkpoint_audit_trail(now)

    def _receipt_if_due(self, now: datetime) -> None:
        if receipts.due(self.pipeline.store, now):
            document = self.app.audit_receipt(at=now)
            receipts.hand_out(document, self.receipts_dir, self._receipt_callbacks, self._log)

    # -- notifications ----------------------------------------------------------------------

    def deliver(self) -> tuple[int, int]:
        """Hand each pending notice to the callbacks; a failure is retried at the next tick."""
        return self._notices.deliver()

    def parked_notices(self) -> list[outbox.Claim]:
        """Notices given up after `notice_max_attempts` failed deliveries."""
        return self._notices.parked()

    def retry_parked_notices(self) -> int:
        """Put every parked notice back in line (after the receiver was fixed)."""
        return self._notices.retry_parked()

    # -- APScheduler as the waker -----------------------------------------------------------

    def start(self) -> None:
        """Run in the background: an hourly sweep, a job at the next due instant, and a job
        that keeps the dashboard's rows.

        On start it reconciles at once: what fell due while no scheduler ran is recorded now;
        then the dashboard rows of the day are kept (every 10 minutes after that).
        """
        from parcours.scheduler import jobs

        zone = self.app.pipeline.programmes.default().zone
        self._scheduler = jobs.start(self, self.pipeline.store, zone)
        self.tick()
        self.reschedule_next_due()
        jobs.refresh_dashboard_now(self._scheduler)

    def refresh_dashboard(self) -> int:
        """Keep today's dashboard rows (the periodic job)."""
        return self.app.refresh_dashboard()

    def reschedule_next_due(self) -> None:
        from parcours.scheduler import jobs

        if self._scheduler is not None:
            with self.pipeline.reading() as session:
                at = queue.earliest(session)
            jobs.plan_next_due(self._scheduler, at, self.app.now())

    def shutdown(self, wait: bool = True) -> None:
        from parcours.scheduler import jobs

        if self._scheduler is not None:
            jobs.stop(self, self._scheduler, wait)
            self._scheduler = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None and bool(self._scheduler.running)
