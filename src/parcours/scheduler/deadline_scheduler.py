"""`DeadlineScheduler`: records what falls due as events; APScheduler only wakes it up.

The truth about deadlines lives in the pilots' histories and the deadline queue, never in
APScheduler's job store: a job dropped while the process was down, or run twice by two
schedulers, changes nothing, because `tick` records only what the pure rules say is owed
and not yet in the history, and the aggregate refuses a second copy (optimistic concurrency
settles two schedulers racing on one pilot).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict

from parcours import audit
from parcours.audit import receipts
from parcours.domain import deadlines as rules
from parcours.domain.pilot import Act, Pilot
from parcours.inputs import caller_instant, check_instant
from parcours.privacy import rights
from parcours.service.bookkeeping import Write
from parcours.store import outbox, queue

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from parcours.application import Parcours

SCHEDULER_ACTOR = "system:scheduler"


class Recorded(BaseModel):
    """A reminder, breach or fulfilment the tick recorded on a pilot."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    offset: int = 0
    observed: str = ""


class Notice(BaseModel):
    """What a notification callback receives: enough to write the e-mail (R12: for the
    agency and the Region only; people who objected are left out, R14)."""

    model_config = ConfigDict(frozen=True)
    # Stable for one fact: delivery is at least once, a receiver drops what it has seen.
    notice_id: UUID
    pilot_id: UUID
    pilot_name: str
    kind: str
    rule: str
    due: date
    detail: dict[str, Any]
    recipients: list[dict[str, str]]
    # R14: who the controller is and where the rights are exercised (the programme's data);
    # every notice names them, the retention notice before the purge (R13) first of all.
    controller: rights.ControllerNotice | None = None


class TickReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    now: datetime
    evaluated: int
    recorded: list[Recorded]
    purged: list[UUID]
    delivered: int
    failed_deliveries: int


class PlannedNotice(BaseModel):
    """A notice a tick would hand to the callbacks: its fact, and how many people it would
    reach (never who: a dry run prints no personal value)."""

    model_config = ConfigDict(frozen=True)
    notice_id: UUID
    pilot_id: UUID
    pilot_name: str
    kind: str
    rule: str
    due: date
    recipients: int
    # "new": recorded by this tick; "pending": queued by an earlier tick, not delivered yet.
    status: str


class TickPlan(BaseModel):
    """What `tick(now)` would record, purge and send, read and nothing written
    (`DeadlineScheduler.plan`, `parcours scheduler tick --dry-run`)."""

    model_config = ConfigDict(frozen=True)
    now: datetime
    dry_run: bool = True
    evaluated: int
    would_record: list[Recorded]
    would_purge: rights.PurgeReport
    # Programmes whose own contacts (R11) would be purged (R13).
    would_purge_programme_contacts: list[str]
    notices: list[PlannedNotice]
    # How many callbacks each notice would be handed to: 0, nothing would be sent.
    receivers: int
    would_checkpoint: bool
    would_issue_receipt: bool
    would_rotate_keys: bool


Callback = Callable[[Notice], None]


class DeadlineScheduler:
    def __init__(
        self,
        app: Parcours,
        *,
        sweep_every: timedelta = timedelta(hours=1),
        batch: int = 500,
        receipts_dir: str | Path | None = None,
    ) -> None:
        self.app = app
        # A signed receipt of the audit log each day: written here, and to `on_receipt`.
        self.receipts_dir = receipts_dir
        self._receipt_callbacks: list[Callable[[dict[str, Any]], object]] = []
        self.sweep_every = sweep_every
        self.batch = batch
        self._callbacks: list[Callback] = []
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self.pipeline = app.pipeline
        self._log = app.pipeline.log
        # Our own principal (R15): only the pipeline makes one; a caller's "system:scheduler"
        # string is refused.
        self._principal = app.pipeline.system(SCHEDULER_ACTOR)

    def on_notice(self, callback: Callback) -> Callback:
        """Register a callback for each recorded reminder and breach (usable as a decorator)."""
        self._callbacks.append(callback)
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
            evaluated = 0
            while True:
                with self.pipeline.reading() as session:
                    batch = queue.due(session, instant, self.batch)
                if not batch:
                    break
                for pilot_id in batch:
                    evaluated += 1
                    recorded.extend(self._evaluate(UUID(pilot_id), instant))
                    if self._retention_over(UUID(pilot_id), instant):
                        self.app.personal_data.purge_pilot(UUID(pilot_id))
                        purged.append(UUID(pilot_id))
            if purged:
                self.app.personal_data.settle()
            # R11/R13: the programmes' own contacts are purged at the same end of retention.
            self.app.programme_desk.purge_expired(instant)
            delivered, failed = self.deliver()
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
            with self.pipeline.reading() as session:
                due = queue.due(session, instant, 2**31 - 1)
            recorded: list[Recorded] = []
            purged: list[UUID] = []
            names: dict[UUID, str] = {}
            for pilot_id in map(UUID, due):
                pilot = self.pipeline.load(pilot_id)
                names[pilot_id] = pilot.name
                recorded.extend(self._owed(pilot, instant))
                if pilot.phase != "purged" and self.app.personal_data.retention_ended(
                    pilot.programme, instant
                ):
                    purged.append(pilot_id)
            desks = [
                programme
                for programme in self.pipeline.programmes.known_ids()
                if self._desk_would_purge(programme, instant)
            ]
            notices = self._planned_notices(recorded, instant, names)
            return TickPlan(
                now=instant,
                evaluated=len(due),
                would_record=recorded,
                would_purge=self.app.personal_data.plan(purged),
                would_purge_programme_contacts=desks,
                notices=notices,
                receivers=len(self._callbacks),
                would_checkpoint=self._checkpoint_due(instant),
                would_issue_receipt=receipts.due(self.pipeline.store, instant),
                would_rotate_keys=bool(purged or desks) or self.app.key_rotation.rotation_due(),
            )

    def _owed(self, pilot: Pilot, now: datetime) -> list[Recorded]:
        """The facts the rules owe `pilot` at `now` and its history lacks (what `_evaluate`
        records)."""
        programme = self.app.programme(pilot.programme)
        return [
            Recorded(
                pilot_id=pilot.id,
                kind=fact.kind,
                rule=fact.rule,
                due=fact.due,
                offset=fact.offset,
                observed=fact.observed,
            )
            for fact in rules.owed(programme, pilot.deadline_history(), now)
            if fact.key not in pilot.deadline_marks
        ]

    def _desk_would_purge(self, programme: str, now: datetime) -> bool:
        desk = self.app.programme_desk.desk(programme)
        definition = self.app.programme(programme)
        return (
            desk is not None and desk.purged_on is None and rights.retention_ended(definition, now)
        )

    def _planned_notices(
        self, recorded: list[Recorded], now: datetime, names: dict[UUID, str]
    ) -> list[PlannedNotice]:
        with self.pipeline.reading() as session:
            pending = outbox.claimable(session, self.app.now(), self.batch)
        planned = [(c.notice_id, c.pilot_id, c.kind, c.rule, c.due, "pending") for c in pending] + [
            (
                outbox.notice_id(r.pilot_id, r.kind, r.rule, r.due, r.offset),
                r.pilot_id,
                r.kind,
                r.rule,
                r.due,
                "new",
            )
            for r in recorded
            if r.kind != "met"
        ]
        notices = []
        for notice_id, pilot_id, kind, rule, due, status in planned:
            view = self.app.pilots.view(self.pipeline.load(pilot_id))
            reached = sum(1 for c in view.contacts if c.current and c.status == "active")
            notices.append(
                PlannedNotice(
                    notice_id=notice_id,
                    pilot_id=pilot_id,
                    pilot_name=names.get(pilot_id, view.name),
                    kind=kind,
                    rule=rule,
                    due=due,
                    recipients=reached,
                    status=status,
                )
            )
        return notices

    def _evaluate(self, pilot_id: UUID, now: datetime) -> list[Recorded]:
        def decide(pilot: Pilot, act: Act, writes: list[Write]) -> list[Recorded]:
            programme = self.app.programme(pilot.programme)
            history = pilot.deadline_history()
            done: list[Recorded] = []
            for fact in rules.owed(programme, history, now):
                if fact.key in pilot.deadline_marks:
                    continue
                pilot.record_deadline(act, fact, evaluated_at=now)
                done.append(
                    Recorded(
                        pilot_id=pilot.id,
                        kind=fact.kind,
                        rule=fact.rule,
                        due=fact.due,
                        offset=fact.offset,
                        observed=fact.observed,
                    )
                )
            after = rules.next_instant(programme, history, now)
            if after is None and pilot.phase != "purged":
                after = rules.end_of(programme.retention.until, programme)
            writes.append(partial(queue.schedule, pilot_id=str(pilot.id), at=after))
            writes.extend(partial(outbox.put, fact=item) for item in done if item.kind != "met")
            return done

        result: list[Recorded] = self.pipeline.run(
            None, "evaluate_deadlines", pilot_id, self._principal, decide, reschedule=False
        )
        return result

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

    def _retention_over(self, pilot_id: UUID, now: datetime) -> bool:
        pilot = self.pipeline.load(pilot_id)
        return pilot.phase != "purged" and self.app.personal_data.retention_ended(
            pilot.programme, now
        )

    # -- notifications ----------------------------------------------------------------------

    def deliver(self) -> tuple[int, int]:
        """Hand each pending notice to the callbacks; a failure is retried at the next tick."""
        if not self._callbacks:
            return 0, 0
        delivered = failed = 0
        settings = self.pipeline.settings
        lease = timedelta(seconds=settings.notice_lease_seconds)
        with self.pipeline.writing() as session:
            claims = outbox.claim_pending(session, self.batch, self.app.now(), lease)
        for claim in claims:
            try:
                notice = self._notice(claim)
                for callback in self._callbacks:
                    callback(notice)
            except Exception as exc:  # an embedding service's callback may fail any way
                failed += 1
                with self.pipeline.writing() as session:
                    parked = outbox.release(
                        session, claim, self.app.now(), settings.notice_max_attempts
                    )
                self._log.warning(
                    "notice.parked" if parked else "notice.failed",
                    notice=str(claim.notice_id),
                    pilot=str(claim.pilot_id),
                    rule=claim.rule,
                    attempts=claim.attempts,
                    error=type(exc).__name__,
                )
            else:
                delivered += 1
                with self.pipeline.writing() as session:
                    outbox.delivered(session, claim.id, self.app.now())
        return delivered, failed

    def _notice(self, claim: outbox.Claim) -> Notice:
        # The scheduler's own read, for the agency's and the Region's notices (R12): not a
        # principal's query, so it goes to the part itself.
        view = self.app.pilots.view(self.pipeline.load(claim.pilot_id))
        recipients = [
            {"role": c.role, "first_name": c.first_name, "last_name": c.last_name, "email": c.email}
            for c in view.contacts
            if c.current and c.status == "active"
        ]
        return Notice(
            notice_id=claim.notice_id,
            pilot_id=view.id,
            pilot_name=view.name,
            kind=claim.kind,
            rule=claim.rule,
            due=claim.due,
            detail=json.loads(claim.detail),
            recipients=recipients,
            controller=rights.controller_notice(self.app.programme(view.programme)),
        )

    def parked_notices(self) -> list[outbox.Claim]:
        """Notices given up after `notice_max_attempts` failed deliveries."""
        with self.pipeline.reading() as session:
            return outbox.parked(session)

    def retry_parked_notices(self) -> int:
        """Put every parked notice back in line (after the receiver was fixed)."""
        with self.pipeline.writing() as session:
            return outbox.unpark(session)

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
