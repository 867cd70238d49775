"""The work of the Parcours: time spent (R6), projects recommended and framed (R1, R8), indicators
(R8), follow-ups (R5), REX (R7), the evaluation (R1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from parcours.domain.events.base import PilotEvent
from parcours.domain.state import PilotState


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
