"""A tick over a cohort (issue 23): the cohort shares its calendar, so whole cohorts fall due
together, and the tick pays per batch, not per pilot.

For each batch of due rows of the deadline queue:

1. **judge from the row.** Each row keeps what the rules read of its pilot
   (`domain/deadline_state.py`) and the version it was kept at, written in the transaction
   of every command that appended events. It is trusted only when that version is still the
   pilot's last stored one (one grouped read of the events' index for the batch); a row
   without it (a database of an earlier version) or behind it is **loaded** and evaluated
   on its own, which keeps its state again.
2. **nothing owed**: the pilot's next instant, for the whole batch in one statement, and only
   where no command rewrote the row since it was read (its version moved: it stays due).
3. **facts owed**: the pilots are recorded together (`service.batched.run_batch`: one
   transaction, per-pilot locks in sorted order, one query of their events, each pilot's
   events appended with optimistic concurrency and its leaves of the audit log, the
   outbox's notices in one insert, already claimed by this scheduler, which delivers them
   right after the commit: `scheduler/notices.py`). A conflict rolls the batch back and
   each pilot runs on its own through `Pipeline.run` (which retries): nothing is recorded
   twice, since the aggregate refuses a second copy of a fact and a pilot is judged again
   from its events.

The scheduler acts as `system:scheduler` (R15): authorised once per programme of a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy.orm import Session

from parcours.domain import deadline_state
from parcours.domain import deadlines as rules
from parcours.domain.pilot import Act, Pilot
from parcours.programme import Programme
from parcours.scheduler.models import SCHEDULER_ACTOR, Recorded
from parcours.scheduler.notices import Notices
from parcours.service import batched
from parcours.service.bookkeeping import Write
from parcours.service.requests import Request, SystemPrincipal
from parcours.store import outbox, queue

if TYPE_CHECKING:
    from parcours.application import Parcours

COMMAND = "evaluate_deadlines"


def next_at(
    programme: Programme,
    history: rules.History,
    phase: str,
    now: datetime,
    found: list[rules.Deadline] | None = None,
) -> datetime | None:
    """When to evaluate the pilot again: its next instant, or the end of retention (R13)
    while it is not purged; None: never."""
    after = rules.next_instant(programme, history, now, found)
    if after is None and phase != "purged":
        after = rules.end_of(programme.retention.until, programme)
    return after


def verdict(
    programme: Programme,
    history: rules.History,
    phase: str,
    marks: Sequence[str] | frozenset[str],
    now: datetime,
) -> tuple[list[rules.Owed], datetime | None]:
    """What the pilot is owed at `now` and when to evaluate it next, from one reading of its
    deadlines (`owed` and `next_at` together)."""
    found = rules.deadlines(programme, history, now)
    return owed(programme, history, marks, now, found), next_at(
        programme, history, phase, now, found
    )


def owed(
    programme: Programme,
    history: rules.History,
    marks: Sequence[str] | frozenset[str],
    now: datetime,
    found: list[rules.Deadline] | None = None,
) -> list[rules.Owed]:
    """The facts the rules owe at `now` that the pilot's marks do not hold yet (each once)."""
    facts: dict[str, rules.Owed] = {}
    for fact in rules.owed(programme, history, now, found):
        if fact.key not in marks:
            facts.setdefault(fact.key, fact)
    return list(facts.values())


def as_recorded(pilot_id: UUID, fact: rules.Owed) -> Recorded:
    return Recorded(
        pilot_id=pilot_id,
        kind=fact.kind,
        rule=fact.rule,
        due=fact.due,
        offset=fact.offset,
        observed=fact.observed,
    )


@dataclass
class Outcome:
    """What one batch of due pilots came to."""

    recorded: list[Recorded] = field(default_factory=list)
    # Pilots whose retention is over (R13): the caller purges them.
    purge: list[UUID] = field(default_factory=list)
    # Notices handed to the callbacks right after their batch's commit.
    delivered: int = 0
    failed: int = 0


class CohortTick:
    def __init__(
        self, app: Parcours, principal: SystemPrincipal, batch: int, notices: Notices
    ) -> None:
        self.app = app
        self.notices = notices
        self.pipeline = app.pipeline
        self.principal = principal
        self.batch = batch
        # Verdicts by kept state, for one instant: a cohort shares its calendar, and pilots
        # in the same state (phases on the same days, the same marks) get the same verdict
        # from the pure rules.
        self._verdicts: dict[str, tuple[bool, datetime | None]] = {}
        self._owed: dict[str, tuple[list[rules.Owed], datetime | None]] = {}
        self._verdicts_at: datetime | None = None

    # -- one batch of due rows -----------------------------------------------------------------

    def evaluate(
        self, rows: Sequence[queue.Due], versions: dict[str, int], now: datetime
    ) -> Outcome:
        outcome = Outcome()
        quiet: list[tuple[str, int, datetime | None]] = []
        owing: list[UUID] = []
        loaded: list[UUID] = []
        programmes: set[str] = set()
        for row in rows:
            kept = None
            if row.version is not None and versions.get(row.pilot_id) == row.version:
                kept = deadline_state.decode(row.rules)
            pilot_id = UUID(row.pilot_id)
            if kept is None or row.version is None:
                loaded.append(pilot_id)
                continue
            programmes.add(kept.programme)
            owes, after = self._verdict(row.rules or "", kept, now)
            if owes:
                owing.append(pilot_id)
            else:
                quiet.append((row.pilot_id, row.version, after))
            if kept.phase != "purged" and self.app.personal_data.retention_ended(
                kept.programme, now
            ):
                outcome.purge.append(pilot_id)
        filled = self._judge_loaded(loaded, now, outcome, owing, programmes)
        if quiet or filled:
            self._authorise(programmes)
            with self.pipeline.writing() as session:
                queue.reschedule_unless_moved(session, quiet)
                queue.fill_unless_moved(session, filled)
        for start in range(0, len(owing), self.batch):
            self.record(owing[start : start + self.batch], now, outcome)
        return outcome

    def _at(self, now: datetime) -> None:
        if self._verdicts_at != now or len(self._verdicts) + len(self._owed) > 100_000:
            self._verdicts = {}
            self._owed = {}
            self._verdicts_at = now

    def _facts(self, pilot: Pilot, now: datetime) -> tuple[list[rules.Owed], datetime | None]:
        """`verdict` of a loaded pilot, shared by pilots in the same state at `now`."""
        self._at(now)
        text = deadline_state.encode(pilot)
        found = self._owed.get(text)
        if found is None:
            programme = self.app.programme(pilot.programme)
            history = pilot.deadline_history()
            found = verdict(programme, history, pilot.phase, pilot.deadline_marks, now)
            self._owed[text] = found
        return found

    def _verdict(
        self, text: str, kept: deadline_state.Kept, now: datetime
    ) -> tuple[bool, datetime | None]:
        self._at(now)
        found = self._verdicts.get(text)
        if found is None:
            programme = self.app.programme(kept.programme)
            facts, after = verdict(programme, kept.history, kept.phase, kept.marks, now)
            found = self._verdicts[text] = (bool(facts), after)
        return found

    def _judge_loaded(
        self,
        pilot_ids: list[UUID],
        now: datetime,
        outcome: Outcome,
        owing: list[UUID],
        programmes: set[str],
    ) -> list[queue.Kept]:
        """The pilots whose rows keep no state (a database of an earlier version) or an older
        one: loaded with one query and judged; the quiet ones are given their state."""
        if not pilot_ids:
            return []
        with self.pipeline.reading() as session:
            pilots = batched.load_many(self.pipeline, session, pilot_ids)
        filled = []
        for pilot in pilots:
            programme = self.app.programme(pilot.programme)
            programmes.add(programme.id)
            history = pilot.deadline_history()
            facts, after = verdict(programme, history, pilot.phase, pilot.deadline_marks, now)
            if facts:
                owing.append(pilot.id)
            else:
                state = deadline_state.encode(pilot)
                filled.append(queue.Kept(str(pilot.id), after, state, pilot.version))
            if self._retention_ended(pilot, now):
                outcome.purge.append(pilot.id)
        # A row that names no pilot: the per-pilot path says so (PilotNotFound), as it did.
        found = {p.id for p in pilots}
        for pilot_id in pilot_ids:
            if pilot_id not in found:
                outcome.recorded.extend(self.evaluate_one(pilot_id, now))
        return filled

    def _authorise(self, programmes: set[str]) -> None:
        principal, system = self.pipeline.principal(self.principal, COMMAND)
        for programme in sorted(programmes):
            self.pipeline.authorise(Request(COMMAND, principal, programme=programme, system=system))

    # -- recording: many pilots at once, or one ------------------------------------------------

    def _decide(
        self, pilot: Pilot, act: Act, now: datetime
    ) -> tuple[list[Recorded], datetime | None]:
        facts, after = self._facts(pilot, now)
        done: list[Recorded] = []
        for fact in facts:
            pilot.record_deadline(act, fact, evaluated_at=now)
            done.append(as_recorded(pilot.id, fact))
        return done, after

    def record(self, pilot_ids: Sequence[UUID], now: datetime, outcome: Outcome) -> None:
        """Record what the pilots owe, in one transaction, and deliver their notices after its
        commit; each pilot on its own after a conflict."""
        saved: list[Pilot] = []
        claims: list[outbox.Claim] = []
        lease = self.notices.lease()
        marks = self.notices.take_done()  # the last batch's notices, marked by this commit

        def rows(
            session: Session, decided: batched.Decided[tuple[list[Recorded], datetime | None]]
        ) -> None:
            saved[:] = [p for p, _, _ in decided]
            queue.schedule_many(
                session,
                [
                    queue.Kept(str(p.id), after, deadline_state.encode(p), p.version)
                    for p, _, (_, after) in decided
                ],
            )
            outbox.delivered_many(session, marks, self.app.now())
            # R13: a pilot whose retention ends now is purged after this batch; its notices
            # wait for the tick's last round, which reads its contacts after the purge.
            ending = {p.id for p, _, _ in decided if self._retention_ended(p, now)}
            owed = [r for _, _, (done, _) in decided for r in done if r.kind != "met"]
            outbox.put_many(session, [r for r in owed if r.pilot_id in ending])
            claims[:] = outbox.put_many(
                session, [r for r in owed if r.pilot_id not in ending], lease
            )

        try:
            results = batched.run_batch(
                self.pipeline,
                COMMAND,
                self.principal,
                pilot_ids,
                partial(self._decide, now=now),
                rows,
            )
        except BaseException:
            self.notices.give_back(marks)
            raise
        if results is None:
            self.notices.give_back(marks)
            outcome.recorded.extend(r for p in pilot_ids for r in self.evaluate_one(p, now))
            return
        outcome.recorded.extend(r for done, _ in results.values() for r in done)
        delivered, failed = self.notices.deliver_claimed(claims, {p.id: p for p in saved})
        outcome.delivered += delivered
        outcome.failed += failed

    def _retention_ended(self, pilot: Pilot, now: datetime) -> bool:
        return pilot.phase != "purged" and self.app.personal_data.retention_ended(
            pilot.programme, now
        )

    def evaluate_one(self, pilot_id: UUID, now: datetime) -> list[Recorded]:
        """The per-pilot path: one `Pipeline.run`, which also keeps the pilot's state in its
        queue row (a row of an earlier version is filled here)."""

        def decide(pilot: Pilot, act: Act, writes: list[Write]) -> list[Recorded]:
            done, after = self._decide(pilot, act, now)
            writes.append(
                partial(
                    queue.schedule,
                    pilot_id=str(pilot.id),
                    at=after,
                    rules=deadline_state.encode(pilot),
                    version=pilot.version,
                )
            )
            writes.extend(partial(outbox.put, fact=item) for item in done if item.kind != "met")
            return done

        result: list[Recorded] = self.pipeline.run(
            None, COMMAND, pilot_id, self.principal, decide, reschedule=False
        )
        return result


__all__ = ["SCHEDULER_ACTOR", "CohortTick", "Outcome", "as_recorded", "next_at", "owed"]
