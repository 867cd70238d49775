"""Deployment support (R1, R8): solutions, funding lines, blockers."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from parcours import charter_inputs as cin
from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.domain.roles import funder_role
from parcours.errors import InvalidInput
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service, as_uuid
from parcours.service.requests import Request
from parcours.service.sealed_text import Sealer


class SupportCommands(Service):
    # -- deployment support (R1, R8) ---------------------------------------------------------

    def source_solution(
        self,
        pilot: Any,
        project: Any,
        *,
        name: str,
        provider: str,
        regional: bool,
        actor: str,
        command_id: str | None = None,
    ) -> UUID:
        """A solution sourced for a project; the charter asks for ones developed in the region."""
        data = inp.validated(inp.SolutionInput, name=name, provider=provider, regional=regional)
        project_id, solution_id = str(as_uuid(project, "project")), uuid4()
        self.pipeline.run(
            command_id,
            "source_solution",
            pilot,
            actor,
            lambda p, act, _w: p.source_solution(
                act,
                project_id=project_id,
                solution_id=str(solution_id),
                name=data.name,
                provider=data.provider,
                regional=data.regional,
            ),
        )
        return solution_id

    def identify_funding(
        self,
        pilot: Any,
        project: Any,
        *,
        scheme: str,
        amount_eur: float,
        months: int,
        actor: str,
        rate: float | None = None,
        eligible_cost_eur: float | None = None,
        priority_district: bool = False,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """R16: a funding line under one of the programme's schemes, as its call states it:
        at most the applicable rate × `eligible_cost_eur`, within what remains of the cap per
        project over the scheme's duration, applied for (`on`) inside the call's window."""
        data = inp.validated(
            cin.FundingTerms,
            scheme=scheme,
            amount_eur=amount_eur,
            rate=rate,
            months=months,
            priority_district=priority_district,
            eligible_cost_eur=eligible_cost_eur,
        )
        project_id, funding_id = str(as_uuid(project, "project")), uuid4()
        self.pipeline.run(
            command_id,
            "identify_funding",
            pilot,
            actor,
            lambda p, act, _w: p.identify_funding(
                act,
                self.pipeline.programme(p.programme),
                project_id=project_id,
                funding_id=str(funding_id),
                scheme=data.scheme,
                amount_eur=data.amount_eur,
                rate=data.rate,
                months=data.months,
                priority_district=data.priority_district,
                eligible_cost_eur=data.eligible_cost_eur,
                on=self.pipeline.date(on, act),
            ),
        )
        return funding_id

    def decide_funding(
        self,
        pilot: Any,
        funding: Any,
        *,
        granted: bool,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        """A funding line moves from requested to granted or refused."""
        if not isinstance(granted, bool):
            raise InvalidInput("granted", "input.bool")
        funding_id = str(as_uuid(funding, "funding"))
        pipeline = self.pipeline

        def decide(p: Pilot, act: Act, _w: list[Write]) -> None:
            # R15: the scheme's funder records the decision (the Region for its own schemes,
            # the agency on another funder's behalf); the line names the scheme.
            line = p.fundings.get(funding_id)
            if line is not None:
                scheme = pipeline.programme(p.programme).funding_scheme(line["scheme"])
                pipeline.authorise(
                    Request("decide_funding", act.actor, p.id, role=funder_role(scheme))
                )
            p.decide_funding(
                act,
                pipeline.date(on, act),
                funding_id=funding_id,
                granted=granted,
                programme=pipeline.programme(p.programme),
            )

        pipeline.run(command_id, "decide_funding", pilot, actor, decide)

    def raise_blocker(
        self,
        pilot: Any,
        *,
        description: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        text = inp.check_text("description", description)
        blocker_id = uuid4()
        self.pipeline.run(
            command_id,
            "raise_blocker",
            pilot,
            actor,
            lambda p, act, w: p.raise_blocker(
                act,
                self.pipeline.date(on, act),
                blocker_id=str(blocker_id),
                description=Sealer(self.pipeline, p, act, w)("description", text),
            ),
        )
        return blocker_id

    def lift_blocker(
        self,
        pilot: Any,
        blocker: Any,
        *,
        how: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        text = inp.check_text("how", how)
        blocker_id = str(as_uuid(blocker, "blocker"))
        self.pipeline.run(
            command_id,
            "lift_blocker",
            pilot,
            actor,
            lambda p, act, w: p.lift_blocker(
                act,
                self.pipeline.date(on, act),
                blocker_id=blocker_id,
                how=Sealer(self.pipeline, p, act, w)("how", text),
            ),
        )
