"""The state every concern of the pilot shares, its lookups and its guards (the phase table,
R1; dates not after today, not before the charter). `Pilot` (this package) composes the
concerns; each concern's commands check, then trigger one event.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from parcours.domain import events as ev
from parcours.domain import phases
from parcours.domain.phases import ACTIVE, Phase
from parcours.domain.pilot.act import Act, known, not_after_today
from parcours.errors import InvalidInput, PhaseError, RuleViolation


class PilotCore:
    """The pilot's shared state, lookups and guards; the concerns are mixed in over it."""

    name: str
    programme: str
    siren: str | None
    charter_signed_on: date
    phase: str
    phase_since: date
    phase_history: list[list[Any]]
    # Set by Pilot.__init__ (the shape domain.state.PilotState names for the events).
    withdrawal_reason: str | None
    referents: dict[str, str]
    contacts: dict[str, dict[str, Any]]
    projects: dict[str, dict[str, Any]]
    time_logs: list[dict[str, Any]]
    follow_ups: list[date]
    rex: dict[str, date]
    alerts: dict[str, dict[str, Any]]
    communications: dict[str, dict[str, Any]]
    evaluation: dict[str, Any] | None
    fundings: dict[str, dict[str, Any]]
    blockers: dict[str, dict[str, Any]]
    deadline_marks: list[str]
    # R2: set by ExperimentEnded. A class default, so that a snapshot taken before the
    # attribute existed still reads as "not ended".
    experiment_ended_on: date | None = None

    if TYPE_CHECKING:  # given by eventsourcing's Aggregate, which Pilot also derives from

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...

    @property
    def current_phase(self) -> Phase:
        return Phase(self.phase)

    def contact(self, person_id: str) -> dict[str, Any]:
        return known(self.contacts, "person", person_id)

    def _living_contact(self, person_id: str) -> dict[str, Any]:
        contact = self.contact(person_id)
        if contact["erased"]:
            raise RuleViolation("R14", "rule.r14.erased")
        return contact

    def project(self, project_id: str) -> dict[str, Any]:
        return known(self.projects, "project", project_id)

    def communication(self, communication_id: str) -> dict[str, Any]:
        return known(self.communications, "communication", communication_id)

    def framed_projects(self) -> list[dict[str, Any]]:
        return [p for p in self.projects.values() if p["framed"]]

    def _allowed(self, trigger: str) -> None:
        if phases.destination(trigger, self.current_phase) is None:
            allowed = tuple(p.value for p in phases.sources(trigger))
            raise PhaseError(trigger, self.phase, allowed)

    def _allowed_in(self, act: str, *allowed: Phase) -> None:
        if self.current_phase not in allowed:
            raise PhaseError(act, self.phase, tuple(p.value for p in allowed))

    def _active(self, act: str) -> None:
        self._allowed_in(act, *ACTIVE)

    def _check_date(self, on: date, act: Act, not_before: date | None = None) -> None:
        not_after_today(on, act, "on")
        floor = max(self.charter_signed_on, not_before or self.charter_signed_on)
        if on < floor:
            raise InvalidInput("on", "input.date_before", day=on, floor=floor)

    def _change_phase(
        self, event_class: type[ev.PhaseChanged], trigger: str, act: Act, on: date, **extra: Any
    ) -> None:
        self._allowed(trigger)
        not_after_today(on, act, "on")
        if on < self.phase_since:
            raise RuleViolation("R1", "rule.r1.before_phase", "on", day=on, since=self.phase_since)
        to_phase = phases.destination(trigger, self.current_phase)
        assert to_phase is not None
        self.trigger_event(event_class, **self._stamp(act, on), to_phase=to_phase.value, **extra)

    @staticmethod
    def _stamp(act: Act, on: date | None) -> dict[str, Any]:
        return {
            "timestamp": act.at,
            "actor": act.actor,
            "command_id": act.command_id,
            "correlation_id": act.correlation,
            "on": on,
        }
