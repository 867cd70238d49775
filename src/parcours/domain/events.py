"""The facts a pilot's history is made of, in the past tense.

Each `apply` only mutates; the guards live in the commands of `pilot.Pilot`, because
`apply` runs again on every replay. Class paths (`parcours.domain.events:DiagnosticStarted`)
are a storage contract: never rename one without an upcaster.

Every event carries who did it (`actor`), the command that caused it (`command_id`), the
request or tick that command belonged to (`correlation_id`), and its business date (`on`,
None where the act has none). Personal values arrive here already
sealed by `parcours.privacy`: the domain only ever holds ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from parcours.domain.deadlines import mark
from parcours.domain.phases import Phase
from parcours.domain.state import PilotState


@dataclass(frozen=True)
class PilotEvent(Aggregate.Event):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None

    # Version 2 added `correlation_id` (the request or scheduler tick a command belongs to).
    # Version 1 events are read with their command id standing for it.
    class_version = 2
    # The fields people write freely (names end up there): sealed, each under a key of its
    # own, by `parcours.privacy.free_text`; the event holds the token, never the text.
    free_text: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["correlation_id"] = state["command_id"]

    def apply(self, aggregate: Any) -> None:
        self.mutate_pilot(aggregate)

    def mutate_pilot(self, pilot: PilotState) -> None:
        """Fold this fact into the pilot's state (no guard here: it runs on replay)."""


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


@dataclass(frozen=True)
class ReferentDesignated(PilotEvent):
    """R11. `sealed` maps a field name to its ciphertext under the person's own key."""

    person_id: str
    role: str
    sealed: dict[str, str]

    def mutate_pilot(self, pilot: PilotState) -> None:
        previous = pilot.referents.get(self.role)
        if previous is not None:
            pilot.contacts[previous]["current"] = False
        pilot.referents[self.role] = self.person_id
        pilot.contacts[self.person_id] = {
            "role": self.role,
            "sealed": dict(self.sealed),
            "designated_on": self.on,
            "current": True,
            "objected": False,
            "erased": False,
        }


@dataclass(frozen=True)
class ContactRectified(PilotEvent):
    """R14, rectification: new ciphertexts for some fields, under the same key."""

    person_id: str
    sealed: dict[str, str]

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.contacts[self.person_id]["sealed"].update(self.sealed)


@dataclass(frozen=True)
class ObjectionRecorded(PilotEvent):
    """R14, opposition: the person is left out of notifications and third-party exports."""

    person_id: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.contacts[self.person_id]["objected"] = True


@dataclass(frozen=True)
class PersonErased(PilotEvent):
    """R14 / GDPR art. 17: the person's key is destroyed; their ciphertexts stay unreadable."""

    person_id: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        contact = pilot.contacts[self.person_id]
        contact["erased"] = True
        contact["current"] = False
        if pilot.referents.get(contact["role"]) == self.person_id:
            del pilot.referents[contact["role"]]


@dataclass(frozen=True)
class PersonalDataPurged(PhaseChanged):
    """R2/R13: every key of the pilot's people destroyed at the end of retention."""

    persons: list[str]
    keys_destroyed: int
    legal_basis: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        super().mutate_pilot(pilot)
        for person_id in self.persons:
            pilot.contacts[person_id]["erased"] = True
            pilot.contacts[person_id]["current"] = False
        pilot.referents.clear()


@dataclass(frozen=True)
class TimeLogged(PilotEvent):
    """R6: days the operational referent spent, in the phase they were spent in."""

    days: float
    phase: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.time_logs.append({"on": self.on, "days": self.days, "phase": self.phase})


@dataclass(frozen=True)
class ProjectRecommended(PilotEvent):
    project_id: str
    title: str
    theme: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.projects[self.project_id] = {
            "title": self.title,
            "theme": self.theme,
            "framed": False,
            "indicators": [],
            "evaluation_protocol": None,
            "reports": {},
        }


@dataclass(frozen=True)
class ProjectFramed(PilotEvent):
    """R8: indicators and evaluation protocol co-defined during framing."""

    free_text: ClassVar[tuple[str, ...]] = ("evaluation_protocol",)

    project_id: str
    indicators: list[dict[str, Any]]
    evaluation_protocol: str
    # Version 3 added the project owner (« maîtrise d'ouvrage », R16); None before it.
    owner: str | None

    class_version = 3

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["owner"] = None

    def mutate_pilot(self, pilot: PilotState) -> None:
        project = pilot.projects[self.project_id]
        project["framed"] = True
        project["indicators"] = [dict(i) for i in self.indicators]
        project["evaluation_protocol"] = self.evaluation_protocol
        project["owner"] = self.owner


@dataclass(frozen=True)
class IndicatorReported(PilotEvent):
    """R8: a value for a co-defined indicator and a period; a later report corrects it."""

    project_id: str
    key: str
    value: float
    period: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        reports = pilot.projects[self.project_id]["reports"]
        reports.setdefault(self.key, {})[self.period] = self.value


@dataclass(frozen=True)
class FollowUpRecorded(PilotEvent):
    """R5: a follow-up meeting during the mise en œuvre (framing or deployment)."""

    def mutate_pilot(self, pilot: PilotState) -> None:
        assert self.on is not None
        pilot.follow_ups.append(self.on)


@dataclass(frozen=True)
class RexAttended(PilotEvent):
    """R7: the pilot took part in an experience-review session."""

    session: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        assert self.on is not None
        pilot.rex[self.session] = self.on


@dataclass(frozen=True)
class AlertRaised(PilotEvent):
    """R9: a confidentiality issue or a change that could affect the deployment."""

    free_text: ClassVar[tuple[str, ...]] = ("description",)

    alert_id: str
    kind: str
    description: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.alerts[self.alert_id] = {
            "kind": self.kind,
            "description": self.description,
            "on": self.on,
        }


@dataclass(frozen=True)
class CommunicationRequested(PilotEvent):
    """R10: a publication about the experiment awaits the Region's agreement."""

    free_text: ClassVar[tuple[str, ...]] = ("title",)

    communication_id: str
    title: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.communications[self.communication_id] = {
            "title": self.title,
            "status": "requested",
            "requested_on": self.on,
            "decided_on": None,
            "published_on": None,
            "reason": None,
        }


@dataclass(frozen=True)
class CommunicationDecided(PilotEvent):
    free_text: ClassVar[tuple[str, ...]] = ("reason",)
    communication_id: str
    approved: bool
    reason: str | None

    def mutate_pilot(self, pilot: PilotState) -> None:
        communication = pilot.communications[self.communication_id]
        communication["status"] = "approved" if self.approved else "refused"
        communication["decided_on"] = self.on
        communication["reason"] = self.reason


@dataclass(frozen=True)
class CommunicationPublished(PilotEvent):
    communication_id: str
    # R10 « en respectant la charte graphique de la Région Grand Est, le cas échéant »: True,
    # False, or None (not applicable, or not said). Version 3 added it; None before.
    graphic_charter_respected: bool | None

    class_version = 3

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["graphic_charter_respected"] = None

    def mutate_pilot(self, pilot: PilotState) -> None:
        communication = pilot.communications[self.communication_id]
        communication["status"] = "published"
        communication["published_on"] = self.on
        communication["graphic_charter_respected"] = self.graphic_charter_respected


@dataclass(frozen=True)
class EvaluationRecorded(PilotEvent):
    """R1: the experiment report of the evaluation phase (REX)."""

    free_text: ClassVar[tuple[str, ...]] = ("findings", "recommendations")

    findings: str
    recommendations: str
    replicable: bool

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.evaluation = {
            "findings": self.findings,
            "recommendations": self.recommendations,
            "replicable": self.replicable,
            "on": self.on,
        }


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


@dataclass(frozen=True)
class SolutionSourced(PilotEvent):
    """R1 (deployment): a solution sourced for a project, developed in the region or not."""

    project_id: str
    solution_id: str
    name: str
    provider: str
    regional: bool

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.projects[self.project_id].setdefault("solutions", {})[self.solution_id] = {
            "name": self.name,
            "provider": self.provider,
            "regional": self.regional,
        }


@dataclass(frozen=True)
class FundingIdentified(PilotEvent):
    """R1 (deployment): a funding line identified under a scheme of the programme."""

    project_id: str
    funding_id: str
    scheme: str
    amount_eur: float
    rate: float
    months: int
    priority_district: bool
    # Version 3 (R16): the eligible cost the rate applies to; None before it.
    eligible_cost_eur: float | None

    class_version = 3

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["eligible_cost_eur"] = None

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.fundings[self.funding_id] = {
            "project_id": self.project_id,
            "scheme": self.scheme,
            "amount_eur": self.amount_eur,
            "rate": self.rate,
            "months": self.months,
            "priority_district": self.priority_district,
            "eligible_cost_eur": self.eligible_cost_eur,
            "status": "requested",
            "decided_on": None,
        }


@dataclass(frozen=True)
class FundingDecided(PilotEvent):
    project_id: str
    funding_id: str
    granted: bool

    def mutate_pilot(self, pilot: PilotState) -> None:
        funding = pilot.fundings[self.funding_id]
        funding["status"] = "granted" if self.granted else "refused"
        funding["decided_on"] = self.on


@dataclass(frozen=True)
class BlockerRaised(PilotEvent):
    """R1 (deployment): something stands in the way; the agency helps lift it."""

    free_text: ClassVar[tuple[str, ...]] = ("description",)

    blocker_id: str
    description: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        pilot.blockers[self.blocker_id] = {
            "description": self.description,
            "raised_on": self.on,
            "lifted_on": None,
            "how": None,
        }


@dataclass(frozen=True)
class BlockerLifted(PilotEvent):
    free_text: ClassVar[tuple[str, ...]] = ("how",)
    blocker_id: str
    how: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        blocker = pilot.blockers[self.blocker_id]
        blocker["lifted_on"] = self.on
        blocker["how"] = self.how


@dataclass(frozen=True)
class TextRedacted(PilotEvent):
    """R14: free-text fields made unreadable for good (their keys destroyed); `items` names
    each one by the sequence of its event and its field, never by its text."""

    items: list[dict[str, Any]]
