"""The Pilot aggregate: one local authority's way through the Parcours.

Public commands check the phase table and the charter's rules, then trigger one event; the
events (domain.events) only mutate. The state is plain data (dicts, lists, dates) so that a
snapshot is the same JSON as an event.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from parcours.catalogue import Msg
from parcours.domain import events as ev
from parcours.domain import experiment, funding, phases
from parcours.domain.deadlines import History, Owed
from parcours.domain.phases import ACTIVE, Phase
from parcours.errors import AlreadyRecorded, InvalidInput, NotFound, PhaseError, RuleViolation
from parcours.programme import Programme

ROLES = ("operational", "elected")
ALERT_KINDS = ("confidentiality", "change")


@dataclass(frozen=True)
class Act:
    """Who acts, when it is recorded, what "today" is, and which command this is."""

    actor: str
    at: datetime
    today: date
    command_id: str
    # True when the caller named the command (idempotent); False when we drew the id.
    caller_command_id: bool = False
    correlation_id: str = ""
    # The command's name, and the last day of the experiment in its programme (R2; None: no
    # end): what the guards of the end of the experiment judge.
    command: str = ""
    experiment_ends: date | None = None

    @property
    def correlation(self) -> str:
        return self.correlation_id or self.command_id


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


class Pilot(Aggregate):
    name: str
    programme: str
    siren: str | None
    charter_signed_on: date
    phase: str
    phase_since: date
    phase_history: list[list[Any]]
    # R2: set by ExperimentEnded. A class default, so that a snapshot taken before the
    # attribute existed still reads as "not ended".
    experiment_ended_on: date | None = None

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

    # -- creation ---------------------------------------------------------------------------

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
        _not_after_today(charter_signed_on, act, "charter_signed_on")
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

    # -- phase changes (R1) -----------------------------------------------------------------

    @property
    def current_phase(self) -> Phase:
        return Phase(self.phase)

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

    # -- contacts (R11, R14) ----------------------------------------------------------------

    def designate_referent(
        self, act: Act, on: date, *, person_id: str, role: str, sealed: dict[str, str]
    ) -> None:
        self._active("designate_referent")
        if role not in ROLES:
            raise InvalidInput("role", "input.one_of", choices=ROLES, rule="R11")
        if role == "elected" and "title" not in sealed:
            raise RuleViolation("R11", "rule.r11.elected_title", "title")
        self._check_date(on, act)
        self.trigger_event(
            ev.ReferentDesignated,
            **self._stamp(act, on),
            person_id=person_id,
            role=role,
            sealed=sealed,
        )

    def rectify_contact(self, act: Act, person_id: str, sealed: dict[str, str]) -> None:
        self._living_contact(person_id)
        if not sealed:
            raise InvalidInput("fields", "rule.r14.nothing_to_rectify")
        self.trigger_event(
            ev.ContactRectified, **self._stamp(act, act.today), person_id=person_id, sealed=sealed
        )

    def record_objection(self, act: Act, person_id: str) -> None:
        if self._living_contact(person_id)["objected"]:
            raise RuleViolation("R14", "rule.r14.objection_recorded")
        self.trigger_event(ev.ObjectionRecorded, **self._stamp(act, act.today), person_id=person_id)

    def erase_person(self, act: Act, person_id: str) -> None:
        self._living_contact(person_id)
        self.trigger_event(ev.PersonErased, **self._stamp(act, act.today), person_id=person_id)

    def redact(self, act: Act, items: list[dict[str, Any]]) -> None:
        """R14: free-text fields made unreadable for good (their keys go with the event)."""
        if self.phase == Phase.PURGED.value:
            raise RuleViolation("R13", "rule.r13.purged_text_gone")
        if not items:
            raise InvalidInput("fields", "rule.r14.nothing_to_redact")
        self.trigger_event(ev.TextRedacted, **self._stamp(act, act.today), items=items)

    def contact(self, person_id: str) -> dict[str, Any]:
        return _known(self.contacts, "person", person_id)

    def _living_contact(self, person_id: str) -> dict[str, Any]:
        contact = self.contact(person_id)
        if contact["erased"]:
            raise RuleViolation("R14", "rule.r14.erased")
        return contact

    # -- the work of each phase -------------------------------------------------------------

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

    # -- deadlines (R3–R7, R13) -------------------------------------------------------------

    def record_deadline(self, act: Act, fact: Owed, evaluated_at: datetime) -> None:
        """Record a reminder, a breach or a fulfilment; once per pilot, rule and period."""
        if fact.key in self.deadline_marks:
            raise AlreadyRecorded(fact.key)
        common = {**self._stamp(act, act.today), "rule": fact.rule, "due": fact.due}
        if fact.kind == "approaching":
            cls = ev.RetentionNoticeDue if fact.rule == "R13" else ev.DeadlineApproaching
            self.trigger_event(cls, **common, offset=fact.offset)
        elif fact.kind == "missed":
            self.trigger_event(
                ev.DeadlineMissed, **common, evaluated_at=evaluated_at, observed=fact.observed
            )
        elif fact.kind == "retracted":
            self.trigger_event(ev.DeadlineRetracted, **common, reading=fact.observed)
        elif fact.kind == "ended":
            self.trigger_event(ev.ExperimentEnded, **common, phase=self.phase)
        else:
            assert fact.met_on is not None
            self.trigger_event(ev.DeadlineMet, **common, at=fact.met_on)

    def deadline_history(self) -> History:
        misses = []
        for recorded in self.deadline_marks:
            kind, rule, due = recorded.split(":")[:3]
            if kind == "missed":
                misses.append((rule, date.fromisoformat(due)))
        return History(
            phase_history=self.phase_history,
            follow_ups=list(self.follow_ups),
            rex_dates=list(self.rex.values()),
            recorded_misses=tuple(misses),
        )

    # -- deployment support (R1) ------------------------------------------------------------

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
        line = _known(self.fundings, "funding line", funding_id)
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
        blocker = _known(self.blockers, "blocker", blocker_id)
        if blocker["lifted_on"] is not None:
            raise RuleViolation("R1", "rule.r1.blocker_lifted")
        self._check_date(on, act, not_before=blocker["raised_on"])
        self.trigger_event(ev.BlockerLifted, **self._stamp(act, on), blocker_id=blocker_id, how=how)

    # -- lookups ----------------------------------------------------------------------------

    def project(self, project_id: str) -> dict[str, Any]:
        return _known(self.projects, "project", project_id)

    def communication(self, communication_id: str) -> dict[str, Any]:
        return _known(self.communications, "communication", communication_id)

    def framed_projects(self) -> list[dict[str, Any]]:
        return [p for p in self.projects.values() if p["framed"]]

    # -- guards -----------------------------------------------------------------------------

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
        _not_after_today(on, act, "on")
        floor = max(self.charter_signed_on, not_before or self.charter_signed_on)
        if on < floor:
            raise InvalidInput("on", "input.date_before", day=on, floor=floor)

    def _change_phase(
        self, event_class: type[ev.PhaseChanged], trigger: str, act: Act, on: date, **extra: Any
    ) -> None:
        self._allowed(trigger)
        _not_after_today(on, act, "on")
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


def _not_after_today(on: date, act: Act, field: str) -> None:
    if on > act.today:
        raise InvalidInput(field, "input.after_today", day=on, today=act.today)


def _known(items: dict[str, dict[str, Any]], what: str, ident: str) -> dict[str, Any]:
    try:
        return items[ident]
    except KeyError:
        raise NotFound(what, ident) from None
