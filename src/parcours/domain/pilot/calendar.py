"""What the scheduler records of the calendar (R2–R8, R13), and the history the pure rules
of domain.deadlines judge.
"""

from __future__ import annotations

from datetime import date, datetime

from parcours.domain import events as ev
from parcours.domain.deadlines import History, Owed
from parcours.domain.pilot.act import Act
from parcours.domain.pilot.core import PilotCore
from parcours.errors import AlreadyRecorded


class CalendarActs(PilotCore):
    def record_deadline(self, act: Act, fact: Owed, evaluated_at: datetime) -> None:
        """Record a reminder, a breach or a fulfilment; once per pilot, rule and period."""
        if fact.key in self.deadline_marks:
            raise AlreadyRecorded(fact.key)
        common = {**self._stamp(act, act.today), "rule": fact.rule, "due": fact.due}
        if fact.kind == "approaching":
            cls = ev.RetentionNoticeDue if fact.rule == "R13" else ev.DeadlineApproaching
            self.trigger_event(cls, **common, offset=fact.offset)
        elif fact.kind == "missed":
            self.trigger_event(
                ev.DeadlineMissed, **common, evaluated_at=evaluated_at, observed=fact.observed
            )
        elif fact.kind == "retracted":
            self.trigger_event(ev.DeadlineRetracted, **common, reading=fact.observed)
        elif fact.kind == "ended":
            self.trigger_event(ev.ExperimentEnded, **common, phase=self.phase)
        else:
            assert fact.met_on is not None
            self.trigger_event(ev.DeadlineMet, **common, at=fact.met_on)

    def deadline_history(self) -> History:
        misses = []
        for recorded in self.deadline_marks:
            kind, rule, due = recorded.split(":")[:3]
            if kind == "missed":
                misses.append((rule, date.fromisoformat(due)))
        return History(
            phase_history=self.phase_history,
            follow_ups=list(self.follow_ups),
            rex_dates=list(self.rex.values()),
            recorded_misses=tuple(misses),
        )
