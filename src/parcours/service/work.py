"""The work inside the phases (R5–R10): time, projects, follow-ups, REX, warnings,
communications and the evaluation."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from parcours import charter_inputs as cin
from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.domain.rex import RexSession
from parcours.errors import InvalidInput
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service, as_uuid
from parcours.service.sealed_text import Sealer


class WorkCommands(Service):
    # -- the work inside the phases (R5–R10) ------------------------------------------------

    def log_time(
        self,
        pilot: Any,
        *,
        days: float,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        amount = inp.validated(inp.TimeInput, days=days).days
        self.pipeline.run(
            command_id,
            "log_time",
            pilot,
            actor,
            lambda p, act, _w: p.log_time(act, self.pipeline.date(on, act), amount),
        )

    def recommend_project(
        self, pilot: Any, *, title: str, theme: str, actor: str, command_id: str | None = None
    ) -> UUID:
        data = inp.validated(inp.ProjectInput, title=title, theme=theme)
        project_id = uuid4()
        self.pipeline.run(
            command_id,
            "recommend_project",
            pilot,
            actor,
            lambda p, act, _w: p.recommend_project(
                act,
                self.pipeline.programme(p.programme),
                project_id=str(project_id),
                title=data.title,
                theme=data.theme,
            ),
        )
        return project_id

    def frame_project(
        self,
        pilot: Any,
        project: Any,
        *,
        indicators: list[dict[str, Any]],
        evaluation_protocol: str,
        actor: str,
        owner: str | None = None,
        command_id: str | None = None,
    ) -> None:
        """R8: indicators and evaluation protocol co-defined in framing; `owner` the project
        owner (« maîtrise d'ouvrage », R16)."""
        data = inp.validated(
            inp.FrameInput, indicators=indicators, evaluation_protocol=evaluation_protocol
        )
        owned_by = inp.validated(cin.Owner, owner=owner).owner
        keys = [i.key for i in data.indicators]
        if len(set(keys)) != len(keys):
            raise InvalidInput("indicators", "input.indicator_once")
        project_id = str(as_uuid(project, "project"))
        self.pipeline.run(
            command_id,
            "frame_project",
            pilot,
            actor,
            lambda p, act, w: p.frame_project(
                act,
                project_id=project_id,
                indicators=[i.model_dump() for i in data.indicators],
                evaluation_protocol=Sealer(self.pipeline, p, act, w)(
                    "evaluation_protocol", data.evaluation_protocol
                ),
                owner=owned_by,
            ),
        )

    def report_indicator(
        self,
        pilot: Any,
        project: Any,
        *,
        key: str,
        value: float,
        period: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        """R8: a value of a co-defined indicator for `period`, reported on `on` (default:
        today); the reporting cadence runs from the last report's `on`."""
        data = inp.validated(inp.ReportInput, key=key, value=value, period=period)
        project_id = str(as_uuid(project, "project"))
        self.pipeline.run(
            command_id,
            "report_indicator",
            pilot,
            actor,
            lambda p, act, _w: p.report_indicator(
                act,
                project_id=project_id,
                key=data.key,
                value=data.value,
                period=inp.period_within(data.period, self.pipeline.programme(p.programme)),
                on=self.pipeline.date(on, act),
            ),
        )

    def record_follow_up(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "record_follow_up",
            pilot,
            actor,
            lambda p, act, _w: p.record_follow_up(act, self.pipeline.date(on, act)),
        )

    def record_rex(
        self,
        pilot: Any,
        *,
        session: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        """R7: attendance at a REX session; a session scheduled with `schedule_rex` is linked
        (its date, its kind), any other name counts as an individual session."""
        name = inp.check_text("session", str(session), max_length=200)
        scheduled = self._scheduled_rex(name)

        def decide(p: Pilot, act: Act, _w: list[Write]) -> None:
            day = self.pipeline.date(on, act)
            if scheduled is not None:
                if scheduled.programme != p.programme:
                    raise InvalidInput("session", "input.rex_other_programme")
                day = scheduled.on if on is None else day
                if day != scheduled.on:
                    raise InvalidInput("on", "input.rex_session_day", day=scheduled.on)
            p.record_rex(act, day, name)

        self.pipeline.run(command_id, "record_rex", pilot, actor, decide)

    def schedule_rex(
        self,
        programme: str,
        *,
        on: date,
        kind: str,
        title: str,
        actor: str,
        theme: str | None = None,
    ) -> UUID:
        """R7: a REX session of the cohort (collective or individual) pilots then attend.
        `theme`: the session is that theme's working group, on its date in the programme's
        calendar (`Programme.working_groups`)."""
        data = inp.validated(
            inp.RexSessionInput, programme=programme, on=on, kind=kind, title=title, theme=theme
        )
        definition = self.pipeline.programme(data.programme)
        on_day = inp.within_programme("on", data.on, definition)
        if data.theme is not None:
            on_day = inp.on_its_working_group(data.theme, on_day, definition)
        return self.pipeline.record_session(
            "schedule_rex",
            definition,
            actor,
            lambda act: RexSession.schedule(
                act,
                session_id=uuid4(),
                programme=definition.id,
                on=on_day,
                kind=data.kind,
                title=data.title,
                theme=data.theme,
            ),
        )

    def _scheduled_rex(self, name: str) -> RexSession | None:
        try:
            ident = UUID(name)
        except ValueError:
            return None
        return self.pipeline.rex_session(ident)

    def raise_alert(
        self,
        pilot: Any,
        *,
        kind: str,
        description: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        data = inp.validated(inp.AlertInput, kind=kind, description=description)
        alert_id = uuid4()
        self.pipeline.run(
            command_id,
            "raise_alert",
            pilot,
            actor,
            lambda p, act, w: p.raise_alert(
                act,
                self.pipeline.date(on, act),
                alert_id=str(alert_id),
                kind=data.kind,
                description=Sealer(self.pipeline, p, act, w)("description", data.description),
            ),
        )
        return alert_id

    def request_communication(
        self,
        pilot: Any,
        *,
        title: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        text = inp.check_text("title", title, max_length=300)
        communication_id = uuid4()
        self.pipeline.run(
            command_id,
            "request_communication",
            pilot,
            actor,
            lambda p, act, w: p.request_communication(
                act,
                self.pipeline.date(on, act),
                communication_id=str(communication_id),
                title=Sealer(self.pipeline, p, act, w)("title", text),
            ),
        )
        return communication_id

    def decide_communication(
        self,
        pilot: Any,
        communication: Any,
        *,
        approved: bool,
        actor: str,
        reason: str | None = None,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        if not isinstance(approved, bool):
            raise InvalidInput("approved", "input.bool_rule", rule="R10")
        why = None if reason is None else inp.check_text("reason", reason)
        communication_id = str(as_uuid(communication, "communication"))
        self.pipeline.run(
            command_id,
            "decide_communication",
            pilot,
            actor,
            lambda p, act, w: p.decide_communication(
                act,
                self.pipeline.date(on, act),
                communication_id=communication_id,
                approved=approved,
                reason=Sealer(self.pipeline, p, act, w)("reason", why),
            ),
        )

    def publish_communication(
        self,
        pilot: Any,
        communication: Any,
        *,
        actor: str,
        graphic_charter_respected: bool | None = None,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        """R10: publish a communication the Region approved, recording whether the Region's
        graphic charter was respected (True, False, or None: not applicable or not said)."""
        respected = inp.validated(
            cin.GraphicCharter, graphic_charter_respected=graphic_charter_respected
        ).graphic_charter_respected
        communication_id = str(as_uuid(communication, "communication"))
        self.pipeline.run(
            command_id,
            "publish_communication",
            pilot,
            actor,
            lambda p, act, _w: p.publish_communication(
                act,
                self.pipeline.date(on, act),
                communication_id=communication_id,
                graphic_charter_respected=respected,
            ),
        )

    def record_evaluation(
        self,
        pilot: Any,
        *,
        findings: str,
        recommendations: str,
        replicable: bool,
        actor: str,
        command_id: str | None = None,
    ) -> None:
        data = inp.validated(
            inp.EvaluationInput,
            findings=findings,
            recommendations=recommendations,
            replicable=replicable,
        )
        self.pipeline.run(
            command_id,
            "record_evaluation",
            pilot,
            actor,
            lambda p, act, w: p.record_evaluation(
                act,
                findings=Sealer(self.pipeline, p, act, w)("findings", data.findings),
                recommendations=Sealer(self.pipeline, p, act, w)(
                    "recommendations", data.recommendations
                ),
                replicable=data.replicable,
            ),
        )
