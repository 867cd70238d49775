"""The agency's support during deployment: alerts (R9), communications (R10), solutions, funding
(R16), blockers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from parcours.domain.events.base import PilotEvent
from parcours.domain.state import PilotState


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
