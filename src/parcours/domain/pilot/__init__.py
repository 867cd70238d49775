"""The Pilot aggregate: one local authority's way through the Parcours.

Public commands check the phase table and the charter's rules, then trigger one event; the
events (domain.events) only mutate. The state is plain data (dicts, lists, dates) so that a
snapshot is the same JSON as an event.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from parcours.domain import events as ev
from parcours.domain import experiment
from parcours.domain.phases import Phase
from parcours.domain.pilot.act import Act, not_after_today
from parcours.domain.pilot.calendar import CalendarActs
from parcours.domain.pilot.people import ROLES, PeopleActs
from parcours.domain.pilot.snapshot import PilotSnapshot
from parcours.domain.pilot.support import ALERT_KINDS, SupportActs
from parcours.domain.pilot.work import WorkActs
from parcours.errors import RuleViolation

__all__ = ["ALERT_KINDS", "ROLES", "Act", "Pilot"]

_SHARED = frozenset({str, int, float, bool, type(None), date, datetime, UUID})


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    kind = type(value)
    if kind in _SHARED:
        return value
    if kind is dict:
        return {k: _copied(v, memo) for k, v in value.items()}
    if kind is list:
        return [_copied(v, memo) for v in value]
    return copy.deepcopy(value, memo)


class Pilot(PeopleActs, WorkActs, SupportActs, CalendarActs, Aggregate):
    """The aggregate (its topic, `parcours.domain.pilot:Pilot`, is stored with every
    enrolment and snapshot: it stays defined here). Its commands live by concern in this
    package's modules; here: creation and the phase changes (R1, R2, R13)."""

    # Its time logs in columns (issue 23): the snapshots taken from now on.
    Snapshot = PilotSnapshot

    def __init__(self) -> None:
        self.withdrawal_reason: str | None = None
        self.referents: dict[str, str] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        self.time_logs: list[dict[str, Any]] = []
        self.follow_ups: list[date] = []
        self.rex: dict[str, date] = {}
        self.alerts: dict[str, dict[str, Any]] = {}
        self.communications: dict[str, dict[str, Any]] = {}
        self.evaluation: dict[str, Any] | None = None
        self.fundings: dict[str, dict[str, Any]] = {}
        self.blockers: dict[str, dict[str, Any]] = {}
        self.deadline_marks: list[str] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> Pilot:
        """The repository copies its cached pilot for every command (so a rejected command
        leaves the cache untouched). The state is plain data, which this copies several
        times faster than `copy.deepcopy`'s general machinery; anything else still goes
        through it."""
        twin = object.__new__(type(self))
        twin.__dict__.update({k: _copied(v, memo) for k, v in self.__dict__.items()})
        return twin

    @classmethod
    def enroll(
        cls,
        act: Act,
        *,
        pilot_id: UUID,
        name: str,
        programme: str,
        siren: str | None,
        charter_signed_on: date,
    ) -> Pilot:
        not_after_today(charter_signed_on, act, "charter_signed_on")
        experiment.refuse_after_the_end("enroll", charter_signed_on, act.experiment_ends)
        return cls._create(
            ev.Enrolled,
            id=pilot_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            correlation_id=act.correlation,
            on=charter_signed_on,
            name=name,
            programme=programme,
            siren=siren,
            charter_signed_on=charter_signed_on,
        )

    def start_diagnostic(self, act: Act, on: date) -> None:
        if "operational" not in self.referents:
            self._allowed("start_diagnostic")
            raise RuleViolation("R11", "rule.r11.no_operational_referent")
        self._change_phase(ev.DiagnosticStarted, "start_diagnostic", act, on)

    def complete_diagnostic(self, act: Act, on: date) -> None:
        self._allowed("complete_diagnostic")
        if not self.projects:
            raise RuleViolation("R1", "rule.r1.diagnostic_needs_project")
        self._change_phase(ev.DiagnosticCompleted, "complete_diagnostic", act, on)

    def start_deployment(self, act: Act, on: date) -> None:
        self._allowed("start_deployment")
        if not any(p["framed"] for p in self.projects.values()):
            raise RuleViolation("R8", "rule.r8.deployment_needs_framed_project")
        self._change_phase(ev.DeploymentStarted, "start_deployment", act, on)

    def start_evaluation(self, act: Act, on: date) -> None:
        self._allowed("start_evaluation")
        for project in self.framed_projects():
            for indicator in project["indicators"]:
                if not project["reports"].get(indicator["key"]):
                    raise RuleViolation(
                        "R8",
                        "rule.r8.indicator_not_reported",
                        key=indicator["key"],
                        project=project["title"],
                    )
        self._change_phase(ev.EvaluationStarted, "start_evaluation", act, on)

    def close(self, act: Act, on: date) -> None:
        self._allowed("close")
        if self.evaluation is None:
            raise RuleViolation("R1", "rule.r1.close_needs_evaluation")
        self._change_phase(ev.Closed, "close", act, on)

    def withdraw(self, act: Act, on: date, reason: str) -> None:
        self._allowed("withdraw")
        self._change_phase(ev.Withdrawn, "withdraw", act, on, reason=reason)

    def purge(self, act: Act, persons: list[str], keys_destroyed: int) -> None:
        """R2/R13: the pilot's personal data is gone; its history stays."""
        self._allowed("purge")
        self.trigger_event(
            ev.PersonalDataPurged,
            **self._stamp(act, act.today),
            to_phase=Phase.PURGED.value,
            persons=persons,
            keys_destroyed=keys_destroyed,
            legal_basis="R13",
        )
