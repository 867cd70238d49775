"""The work of the Parcours: time (R6), projects recommended and framed (R1, R8), indicators
(R8), follow-ups (R5), REX (R7), the evaluation report (R1).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from parcours.domain import events as ev
from parcours.domain.phases import Phase
from parcours.domain.pilot.act import Act
from parcours.domain.pilot.core import PilotCore
from parcours.errors import InvalidInput, RuleViolation
from parcours.programme import Programme


class WorkActs(PilotCore):
    def log_time(self, act: Act, on: date, days: float) -> None:
        self._active("log_time")
        self._check_date(on, act)
        self.trigger_event(ev.TimeLogged, **self._stamp(act, on), days=days, phase=self.phase)

    def recommend_project(
        self, act: Act, programme: Programme, *, project_id: str, title: str, theme: str
    ) -> None:
        self._allowed_in("recommend_project", Phase.DIAGNOSTIC)
        if theme not in programme.themes:
            raise InvalidInput("theme", "input.unknown_theme", theme=theme, themes=programme.themes)
        self.trigger_event(
            ev.ProjectRecommended,
            **self._stamp(act, None),
            project_id=project_id,
            title=title,
            theme=theme,
        )

    def frame_project(
        self,
        act: Act,
        *,
        project_id: str,
        indicators: list[dict[str, Any]],
        evaluation_protocol: str,
        owner: str | None = None,
    ) -> None:
        self._allowed_in("frame_project", Phase.FRAMING)
        self.project(project_id)
        if not indicators:
            raise RuleViolation("R8", "rule.r8.needs_indicator", "indicators")
        if not evaluation_protocol.strip():
            raise RuleViolation("R8", "rule.r8.needs_protocol", "evaluation_protocol")
        self.trigger_event(
            ev.ProjectFramed,
            **self._stamp(act, None),
            project_id=project_id,
            indicators=indicators,
            evaluation_protocol=evaluation_protocol,
            owner=owner,
        )

    def report_indicator(
        self, act: Act, *, project_id: str, key: str, value: float, period: str, on: date
    ) -> None:
        self._allowed_in("report_indicator", Phase.DEPLOYMENT, Phase.EVALUATION)
        deployed = next(d for p, d in self.phase_history if p == Phase.DEPLOYMENT.value)
        self._check_date(on, act, not_before=deployed)
        project = self.project(project_id)
        if not project["framed"]:
            raise RuleViolation("R8", "rule.r8.only_framed")
        keys = [i["key"] for i in project["indicators"]]
        if key not in keys:
            raise RuleViolation("R8", "rule.r8.unknown_indicator", "key", key=key, known=keys)
        self.trigger_event(
            ev.IndicatorReported,
            **self._stamp(act, on),
            project_id=project_id,
            key=key,
            value=value,
            period=period,
        )

    def record_follow_up(self, act: Act, on: date) -> None:
        """R5: a follow-up meeting of the mise en œuvre (framing or deployment)."""
        self._allowed_in("record_follow_up", Phase.FRAMING, Phase.DEPLOYMENT)
        framing = next(d for p, d in self.phase_history if p == Phase.FRAMING.value)
        self._check_date(on, act, not_before=framing)
        self.trigger_event(ev.FollowUpRecorded, **self._stamp(act, on))

    def record_rex(self, act: Act, on: date, session: str) -> None:
        self._active("record_rex")
        self._check_date(on, act)
        if session in self.rex:
            raise RuleViolation("R7", "rule.r7.already_recorded", session=session)
        self.trigger_event(ev.RexAttended, **self._stamp(act, on), session=session)

    def record_evaluation(
        self, act: Act, *, findings: str, recommendations: str, replicable: bool
    ) -> None:
        self._allowed_in("record_evaluation", Phase.EVALUATION)
        self.trigger_event(
            ev.EvaluationRecorded,
            **self._stamp(act, act.today),
            findings=findings,
            recommendations=recommendations,
            replicable=replicable,
        )
