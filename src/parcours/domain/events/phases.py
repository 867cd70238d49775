"""The enrolment and the facts that move a pilot along the phase table (R1, R2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from parcours.domain.events.base import PilotEvent
from parcours.domain.phases import Phase
from parcours.domain.state import PilotState


@dataclass(frozen=True)
class Enrolled(Aggregate.Created):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None

    class_version = 2
    upcast_v1_v2 = PilotEvent.upcast_v1_v2
    name: str
    programme: str
    siren: str | None
    charter_signed_on: date

    def apply(self, aggregate: Any) -> None:
        pilot: PilotState = aggregate
        pilot.name = self.name
        pilot.programme = self.programme
        pilot.siren = self.siren
        pilot.charter_signed_on = self.charter_signed_on
        pilot.phase = Phase.CHARTER_SIGNED.value
        pilot.phase_since = self.charter_signed_on
        pilot.phase_history = [[Phase.CHARTER_SIGNED.value, self.charter_signed_on]]


@dataclass(frozen=True)
class PhaseChanged(PilotEvent):
    """Base of the events that move a pilot along the phase table."""

    to_phase: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        assert self.on is not None
        pilot.phase = self.to_phase
        pilot.phase_since = self.on
        pilot.phase_history.append([self.to_phase, self.on])


@dataclass(frozen=True)
class DiagnosticStarted(PhaseChanged):
    pass


@dataclass(frozen=True)
class DiagnosticCompleted(PhaseChanged):
    pass


@dataclass(frozen=True)
class DeploymentStarted(PhaseChanged):
    pass


@dataclass(frozen=True)
class EvaluationStarted(PhaseChanged):
    pass


@dataclass(frozen=True)
class Closed(PhaseChanged):
    pass


@dataclass(frozen=True)
class Withdrawn(PhaseChanged):
    free_text: ClassVar[tuple[str, ...]] = ("reason",)
    reason: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        super().mutate_pilot(pilot)
        pilot.withdrawal_reason = self.reason
