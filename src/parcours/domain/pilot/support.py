"""The agency's support during the mise en œuvre: alerts (R9), communications (R10),
solutions, funding (R16), blockers.
"""

from __future__ import annotations

from datetime import date

from parcours.catalogue import Msg
from parcours.domain import events as ev
from parcours.domain import funding
from parcours.domain.phases import Phase
from parcours.domain.pilot.act import Act, known
from parcours.domain.pilot.core import PilotCore
from parcours.errors import InvalidInput, RuleViolation
from parcours.programme import Programme

ALERT_KINDS = ("confidentiality", "change")


class SupportActs(PilotCore):
    def raise_alert(
        self, act: Act, on: date, *, alert_id: str, kind: str, description: str
    ) -> None:
        self._active("raise_alert")
        if kind not in ALERT_KINDS:
            raise InvalidInput("kind", "input.one_of", choices=ALERT_KINDS, rule="R9")
        self._check_date(on, act)
        self.trigger_event(
            ev.AlertRaised,
            **self._stamp(act, on),
            alert_id=alert_id,
            kind=kind,
            description=description,
        )

    def request_communication(
        self, act: Act, on: date, *, communication_id: str, title: str
    ) -> None:
        self._active("request_communication")
        self._check_date(on, act)
        self.trigger_event(
            ev.CommunicationRequested,
            **self._stamp(act, on),
            communication_id=communication_id,
            title=title,
        )

    def decide_communication(
        self, act: Act, on: date, *, communication_id: str, approved: bool, reason: str | None
    ) -> None:
        self._active("decide_communication")
        communication = self.communication(communication_id)
        if communication["status"] != "requested":
            raise RuleViolation(
                "R10", "rule.r10.already", status=Msg(f"status.{communication['status']}")
            )
        self._check_date(on, act, not_before=communication["requested_on"])
        self.trigger_event(
            ev.CommunicationDecided,
            **self._stamp(act, on),
            communication_id=communication_id,
            approved=approved,
            reason=reason,
        )

    def publish_communication(
        self,
        act: Act,
        on: date,
        *,
        communication_id: str,
        graphic_charter_respected: bool | None = None,
    ) -> None:
        self._active("publish_communication")
        communication = self.communication(communication_id)
        if communication["status"] != "approved":
            raise RuleViolation(
                "R10", "rule.r10.not_approved", status=Msg(f"status.{communication['status']}")
            )
        self._check_date(on, act, not_before=communication["decided_on"])
        self.trigger_event(
            ev.CommunicationPublished,
            **self._stamp(act, on),
            communication_id=communication_id,
            graphic_charter_respected=graphic_charter_respected,
        )

    def source_solution(
        self,
        act: Act,
        *,
        project_id: str,
        solution_id: str,
        name: str,
        provider: str,
        regional: bool,
    ) -> None:
        self._allowed_in("source_solution", Phase.FRAMING, Phase.DEPLOYMENT)
        self.project(project_id)
        self.trigger_event(
            ev.SolutionSourced,
            **self._stamp(act, act.today),
            project_id=project_id,
            solution_id=solution_id,
            name=name,
            provider=provider,
            regional=regional,
        )

    def identify_funding(
        self,
        act: Act,
        programme: Programme,
        *,
        project_id: str,
        funding_id: str,
        scheme: str,
        amount_eur: float,
        months: int,
        priority_district: bool,
        rate: float | None,
        eligible_cost_eur: float | None,
        on: date,
    ) -> None:
        """R16: a funding line under one of the programme's schemes, as its call states it."""
        self._allowed_in("identify_funding", Phase.FRAMING, Phase.DEPLOYMENT)
        self.project(project_id)
        self._check_date(on, act)
        rules = programme.funding_scheme(scheme)
        recorded_rate = funding.check_application(
            rules,
            on=on,
            amount_eur=amount_eur,
            months=months,
            rate=rate,
            eligible_cost_eur=eligible_cost_eur,
            priority_district=priority_district,
            already=funding.standing(self.fundings.values(), rules, project_id),
        )
        self.trigger_event(
            ev.FundingIdentified,
            **self._stamp(act, on),
            project_id=project_id,
            funding_id=funding_id,
            scheme=scheme,
            amount_eur=amount_eur,
            rate=recorded_rate,
            months=months,
            priority_district=priority_district,
            eligible_cost_eur=eligible_cost_eur,
        )

    def decide_funding(
        self, act: Act, on: date, *, funding_id: str, granted: bool, programme: Programme
    ) -> None:
        self._active("decide_funding")
        line = known(self.fundings, "funding line", funding_id)
        if line["status"] != "requested":
            raise RuleViolation(
                "R1", "rule.r1.funding_already", status=Msg(f"status.{line['status']}")
            )
        self._check_date(on, act)
        funding.check_decision(programme.funding_scheme(line["scheme"]), on)
        self.trigger_event(
            ev.FundingDecided,
            **self._stamp(act, on),
            project_id=line["project_id"],
            funding_id=funding_id,
            granted=granted,
        )

    def raise_blocker(self, act: Act, on: date, *, blocker_id: str, description: str) -> None:
        self._allowed_in("raise_blocker", Phase.FRAMING, Phase.DEPLOYMENT)
        self._check_date(on, act)
        self.trigger_event(
            ev.BlockerRaised,
            **self._stamp(act, on),
            blocker_id=blocker_id,
            description=description,
        )

    def lift_blocker(self, act: Act, on: date, *, blocker_id: str, how: str) -> None:
        self._active("lift_blocker")
        blocker = known(self.blockers, "blocker", blocker_id)
        if blocker["lifted_on"] is not None:
            raise RuleViolation("R1", "rule.r1.blocker_lifted")
        self._check_date(on, act, not_before=blocker["raised_on"])
        self.trigger_event(ev.BlockerLifted, **self._stamp(act, on), blocker_id=blocker_id, how=how)
