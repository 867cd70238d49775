"""`Parcours`: the public face of parcours, composed of the command pipeline and of small
services that each receive it (no mixins, no shared private state).

Every command runs through `Pipeline.run` (`parcours.service.pipeline`): validate, authorise,
load the pilot, let it decide, append the events with our rows in one transaction, fold the
read models, log. A rejected command appends nothing. The methods below forward to the part
that holds them; the list is the public API, in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from parcours import clock as clocks
from parcours.programme import Programme
from parcours.service.bootstrap import bootstrap
from parcours.service.cohort import CohortQueries
from parcours.service.contacts import ContactCommands
from parcours.service.key_service import KeyCommands
from parcours.service.migration import Migration
from parcours.service.personal_data import PersonalData
from parcours.service.phases import PhaseCommands
from parcours.service.pilot_names import PilotNames
from parcours.service.pipeline import Pipeline
from parcours.service.programme_contacts import ProgrammeContactCommands
from parcours.service.queries import PilotQueries
from parcours.service.read_models import ReadModelUpkeep
from parcours.service.redaction import Redaction
from parcours.service.roles import RoleCommands
from parcours.service.support import SupportCommands
from parcours.service.work import WorkCommands
from parcours.settings import Settings

__all__ = ["Parcours"]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def _forward(
    part: str,
    method: Callable[Concatenate[S, P], R],
    then: Callable[[PilotNames, R], R] | None = None,
) -> Callable[Concatenate[Any, P], R]:
    """`Parcours.x(...)` calls `method` on the part named `part`, with x's own signature;
    `then`: the pilots' names (issue 20) put on its result."""

    @functools.wraps(method)
    def call(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = method(getattr(self, part), *args, **kwargs)
        return result if then is None else then(self.names, result)

    return call


class Parcours:
    """The commands of the charter and the queries on them, over one database."""

    def __init__(
        self,
        url: str | None = None,
        clock: clocks.Clock | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        base = settings or Settings()  # no URL: in-memory SQLite
        self.settings = base if url is None else base.model_copy(update={"url": url})
        self.pipeline: Pipeline = bootstrap(self.settings, clock)
        self.clock: clocks.Clock = self.pipeline.clock
        self.contacts = ContactCommands(self.pipeline)
        self.phases = PhaseCommands(self.pipeline)
        self.work = WorkCommands(self.pipeline)
        self.support = SupportCommands(self.pipeline)
        self.pilots = PilotQueries(self.pipeline)
        self.cohort = CohortQueries(self.pipeline)
        self.read_models = ReadModelUpkeep(self.pipeline)
        self.personal_data = PersonalData(self.pipeline)
        self.roles = RoleCommands(self.pipeline)
        self.key_rotation = KeyCommands(self.pipeline)
        self.redaction = Redaction(self.pipeline)
        self.migration = Migration(self.pipeline)
        self.programme_desk = ProgrammeContactCommands(self.pipeline)
        self.names = PilotNames(self.pipeline)

    # -- the application as a whole ----------------------------------------------------------

    def now(self) -> datetime:
        return self.pipeline.now()

    def today(self, programme: Programme | None = None) -> date:
        """The clock's date in the programme's time zone (Europe/Paris by default)."""
        zone = (programme or self.pipeline.programmes.default()).zone
        return self.now().astimezone(zone).date()

    def programme(self, programme_id: str) -> Programme:
        return self.pipeline.programme(programme_id)

    def register_programme(self, definition: Programme | str) -> Programme:
        """Make a programme known (a `Programme`, or a TOML file's path); kept in the database."""
        return self.pipeline.programmes.register(definition)

    def correlation(self, correlation_id: str) -> AbstractContextManager[None]:
        """Stamp every command inside the block with this correlation id (a request id)."""
        return self.pipeline.correlation(correlation_id)

    def event_count(self) -> int:
        """How many events the store holds (a rejected command must not change it)."""
        return self.pipeline.event_count()

    def close_connections(self) -> None:
        self.pipeline.store.close_connections()

    def report_html(
        self,
        today: date | None = None,
        lang: str = "fr",
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
    ) -> str:
        """The cohort report: timeline, budgets, REX, cadence, alerts; one self-contained page
        (no personal data: any principal holding a role, R15). Of a past day, the cohort as
        recorded at its end, or at `known_at` (`CohortQueries.as_of`)."""
        from parcours import report

        self.pipeline.permit_optional("report_html", actor)
        day = self.cohort.report_day(today)
        return report.render(self.cohort.as_of(day, known_at).report_data(day), lang)

    # -- who may do what (R15) ---------------------------------------------------------------
    grant = _forward("roles", RoleCommands.grant)
    revoke = _forward("roles", RoleCommands.revoke)
    principals = _forward("roles", RoleCommands.principals)
    role_history = _forward("roles", RoleCommands.role_history)

    # -- enrolment and contacts (R11, R14) ---------------------------------------------------
    enroll = _forward("contacts", ContactCommands.enroll)
    designate_referent = _forward("contacts", ContactCommands.designate_referent)
    rectify_contact = _forward("contacts", ContactCommands.rectify_contact)
    record_objection = _forward("contacts", ContactCommands.record_objection)
    erase_person = _forward("contacts", ContactCommands.erase_person)
    # The programme's own contacts (R11): the Region's and the agency's project leads.
    designate_programme_contact = _forward(
        "programme_desk", ProgrammeContactCommands.designate_programme_contact
    )
    programme_contacts = _forward("programme_desk", ProgrammeContactCommands.programme_contacts)

    # -- phases (R1–R4) ----------------------------------------------------------------------
    start_diagnostic = _forward("phases", PhaseCommands.start_diagnostic)
    complete_diagnostic = _forward("phases", PhaseCommands.complete_diagnostic)
    start_deployment = _forward("phases", PhaseCommands.start_deployment)
    start_evaluation = _forward("phases", PhaseCommands.start_evaluation)
    close = _forward("phases", PhaseCommands.close)
    withdraw = _forward("phases", PhaseCommands.withdraw)

    # -- the work inside the phases (R5–R10) -------------------------------------------------
    log_time = _forward("work", WorkCommands.log_time)
    recommend_project = _forward("work", WorkCommands.recommend_project)
    frame_project = _forward("work", WorkCommands.frame_project)
    report_indicator = _forward("work", WorkCommands.report_indicator)
    record_follow_up = _forward("work", WorkCommands.record_follow_up)
    record_rex = _forward("work", WorkCommands.record_rex)
    schedule_rex = _forward("work", WorkCommands.schedule_rex)
    raise_alert = _forward("work", WorkCommands.raise_alert)
    request_communication = _forward("work", WorkCommands.request_communication)
    decide_communication = _forward("work", WorkCommands.decide_communication)
    publish_communication = _forward("work", WorkCommands.publish_communication)
    record_evaluation = _forward("work", WorkCommands.record_evaluation)

    # -- deployment support (R1) -------------------------------------------------------------
    source_solution = _forward("support", SupportCommands.source_solution)
    identify_funding = _forward("support", SupportCommands.identify_funding)
    decide_funding = _forward("support", SupportCommands.decide_funding)
    raise_blocker = _forward("support", SupportCommands.raise_blocker)
    lift_blocker = _forward("support", SupportCommands.lift_blocker)

    # -- one pilot: views, history, audit ----------------------------------------------------
    get_pilot = _forward("pilots", PilotQueries.get_pilot)
    pilot_references = _forward("names", PilotNames.references)
    resolve_pilot = _forward("names", PilotNames.resolve)

    # Every pilot, its phase since when, with its slug and SIREN (issue 20).
    list_pilots = _forward("pilots", PilotQueries.list_pilots, then=PilotNames.named)
    history = _forward("pilots", PilotQueries.history)
    verify_audit_trail = _forward("pilots", PilotQueries.verify_audit_trail)
    audit_receipt = _forward("pilots", PilotQueries.audit_receipt)
    audit_public_key = _forward("pilots", PilotQueries.audit_public_key)
    prove_pilot = _forward("pilots", PilotQueries.prove_pilot)
    verify_pilot_proofs = staticmethod(PilotQueries.verify_pilot_proofs)
    checkpoint_audit_trail = _forward("pilots", PilotQueries.checkpoint_audit_trail)
    export_audit = _forward("pilots", PilotQueries.export_audit)
    verify_audit_export = staticmethod(PilotQueries.verify_audit_export)

    # -- the cohort (R3–R11) and its read models ---------------------------------------------
    dashboard = _forward("cohort", CohortQueries.dashboard)
    refresh_dashboard = _forward("cohort", CohortQueries.refresh_dashboard)
    indicators = _forward("cohort", CohortQueries.indicators)
    rex_sessions = _forward("cohort", CohortQueries.rex_sessions)
    time_budget = _forward("cohort", CohortQueries.time_budget)
    follow_up_cadence = _forward("cohort", CohortQueries.follow_up_cadence)
    rex_attendance = _forward("cohort", CohortQueries.rex_attendance)
    catch_up_projections = _forward("read_models", ReadModelUpkeep.catch_up_projections)
    projection_lag = _forward("read_models", ReadModelUpkeep.projection_lag)
    rebuild_projections = _forward("read_models", ReadModelUpkeep.rebuild_projections)
    check_projections = _forward("read_models", ReadModelUpkeep.check_projections)
    dead_letters = _forward("read_models", ReadModelUpkeep.dead_letters)
    retry_dead_letters = _forward("read_models", ReadModelUpkeep.retry_dead_letters)

    # -- personal data (R12–R14) -------------------------------------------------------------
    purge_expired = _forward("personal_data", PersonalData.purge_expired)
    verify_purge = _forward("personal_data", PersonalData.verify_purge)
    export_personal_data = _forward("personal_data", PersonalData.export_personal_data)
    rotate_master_key = _forward("key_rotation", KeyCommands.rotate_master_key)
    erasure_report = _forward("key_rotation", KeyCommands.erasure_report)
    redact = _forward("redaction", Redaction.redact)
    seal_clear_text = _forward("migration", Migration.seal_clear_text)
