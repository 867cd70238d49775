"""What the scheduler records of the calendar: reminders, misses, fulfilments, retractions (R3–R8,
R13) and the end of the experiment (R2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from parcours.domain.deadlines import mark
from parcours.domain.events.base import PilotEvent
from parcours.domain.state import PilotState


@dataclass(frozen=True)
class DeadlineApproaching(PilotEvent):
    """A reminder `offset` days before a due date (R3, R4, R7)."""

    rule: str
    due: date
    offset: int

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.deadline_marks.append(mark("approaching", self.rule, self.due, self.offset))


@dataclass(frozen=True)
class RetentionNoticeDue(DeadlineApproaching):
    """R13: the notice before the end of retention; the purge follows the due date."""


@dataclass(frozen=True)
class DeadlineMissed(PilotEvent):
    """A due date passed with the rule unmet; `observed` says what was found."""

    rule: str
    due: date
    evaluated_at: datetime
    observed: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.deadline_marks.append(mark("missed", self.rule, self.due))


@dataclass(frozen=True)
class DeadlineRetracted(PilotEvent):
    """A recorded `DeadlineMissed` that the corrected reading of its rule no longer finds:
    the miss stays in the history, this fact corrects it and cites the reading."""

    rule: str
    due: date
    reading: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.deadline_marks.append(mark("retracted", self.rule, self.due))


@dataclass(frozen=True)
class ExperimentEnded(PilotEvent):
    """R2: the experiment ended (its last day was `due`) with the pilot still open. Its phase
    stays as it was; only evaluation, closing, rights requests and the purge remain."""

    rule: str
    due: date
    phase: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.deadline_marks.append(mark("ended", self.rule, self.due))
        pilot.experiment_ended_on = self.due


@dataclass(frozen=True)
class DeadlineMet(PilotEvent):
    rule: str
    due: date
    at: date

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.deadline_marks.append(mark("met", self.rule, self.due))
