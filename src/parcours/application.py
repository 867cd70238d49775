"""`Parcours`: the service layer. Validate, load the pilot, let it decide, store, project.

Every command: inputs checked by pydantic (`InvalidInput` names the field) → the pilot
loaded (`PilotNotFound`) → the aggregate's guard (`PhaseError`, `RuleViolation`) → one
transaction holding the new events and our own rows (keys) → read models caught up. A
rejected command appends nothing: nothing is written before the aggregate has decided, and
the write is a single transaction. An optimistic-concurrency conflict is retried.
"""

from __future__ import annotations

import random
import time as clock_time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import partial
from typing import Any, Literal, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.orm import Session

from parcours import audit, cohort
from parcours import clock as clocks
from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.domain.rex import RexSession
from parcours.errors import ConcurrencyConflict, InvalidInput, PilotNotFound, ProgrammeError
from parcours.logs import get_logger
from parcours.privacy import rights, sealing
from parcours.privacy.keys import KeyStore
from parcours.programme import Programme, builtin_ids, load_programme
from parcours.projections import maintenance
from parcours.projections.pilots import METADATA as PILOT_INDEX_METADATA
from parcours.projections.pilots import PilotIndex, pilots
from parcours.projections.pilots import decode as decode_row
from parcours.projections.projects import METADATA as PROJECT_METADATA
from parcours.projections.projects import ProjectIndex, RexSessionIndex, projects, rex_sessions
from parcours.projections.projects import decode as decode_project
from parcours.projections.runner import PositionMoved, ProjectionRunner
from parcours.scheduler import queue
from parcours.settings import Settings
from parcours.store import ledger
from parcours.store.eventstore import PilotStore
from parcours.store.schema import METADATA
from parcours.store.schema import programmes as programme_table
from parcours.views import (
    CommunicationView,
    ContactView,
    Evaluation,
    HistoryEntry,
    IndicatorView,
    PhaseStep,
    PilotSummary,
    PilotView,
    ProjectView,
    RaisedAlert,
    TimeEntry,
)

T = TypeVar("T")
_CORRELATION: ContextVar[str] = ContextVar("parcours_correlation", default="")
Write = Callable[[Session], object]
MAX_ATTEMPTS = 8


class Parcours:
    """The public face of parcours: commands of the charter and the queries on them."""

    def __init__(
        self,
        url: str | None = None,
        clock: clocks.Clock | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings(url=url or "sqlite:///:memory:")
        if url is not None:
            self.settings = self.settings.model_copy(update={"url": url})
        self.clock: clocks.Clock = clock or clocks.system_clock
        self._log = get_logger()
        self._store = PilotStore(self.settings.url, self.settings.snapshot_interval)
        METADATA.create_all(self._store.engine)
        PILOT_INDEX_METADATA.create_all(self._store.engine)
        PROJECT_METADATA.create_all(self._store.engine)
        self._projections = ProjectionRunner(
            self._store, [PilotIndex(), ProjectIndex(), RexSessionIndex()], name="read_models"
        )
        with self._write() as session:
            self._keys = KeyStore.open(session)
        self._programmes: dict[str, Programme] = {}
        self._load_registered_programmes()

    # -- infrastructure ---------------------------------------------------------------------

    def _write(self) -> Any:
        return self._store.datastore.transaction(commit=True)

    def _read(self) -> Any:
        return self._store.datastore.transaction(commit=False)

    def now(self) -> datetime:
        return clocks.read(self.clock)

    def today(self, programme: Programme | None = None) -> date:
        """The clock's date in the programme's time zone (Europe/Paris by default)."""
        zone = (programme or self.programme("grand-est-2024")).zone
        return self.now().astimezone(zone).date()

    def close_connections(self) -> None:
        self._store.close()
        engine = self._store.engine
        engine.dispose()

    # -- programmes -------------------------------------------------------------------------

    def programme(self, programme_id: str) -> Programme:
        if programme_id not in self._programmes:
            if programme_id not in builtin_ids():
                raise ProgrammeError(
                    f"programme: unknown programme {programme_id!r}; known: "
                    f"{', '.join(sorted({*builtin_ids(), *self._programmes}))}"
                )
            self._programmes[programme_id] = load_programme(programme_id)
        return self._programmes[programme_id]

    def register_programme(self, definition: Programme | str) -> Programme:
        """Make a programme known (a `Programme`, or a TOML file's path); kept in the database."""
        programme = definition if isinstance(definition, Programme) else load_programme(definition)
        if programme.id in builtin_ids():
            raise ProgrammeError(f"programme: {programme.id!r} is a built-in programme")
        with self._write() as session:
            session.execute(programme_table.delete().where(programme_table.c.id == programme.id))
            session.execute(
                programme_table.insert().values(
                    id=programme.id, definition=programme.model_dump_json()
                )
            )
        self._programmes[programme.id] = programme
        return programme

    def _load_registered_programmes(self) -> None:
        with self._read() as session:
            for row in session.execute(select(programme_table)):
                self._programmes[row.id] = Programme.model_validate_json(row.definition)

    # -- the command pipeline ---------------------------------------------------------------

    def _act(self, actor: Any, programme: Programme, command_id: str | None = None) -> Act:
        at = self.now()
        return Act(
            actor=inp.check_actor(actor),
            at=at,
            today=at.astimezone(programme.zone).date(),
            command_id=command_id or str(uuid4()),
            caller_command_id=command_id is not None,
            correlation_id=_CORRELATION.get(),
        )

    @contextmanager
    def correlation(self, correlation_id: str) -> Iterator[None]:
        """Stamp every command inside the block with this correlation id (a request id)."""
        token = _CORRELATION.set(inp.check_command_id(correlation_id))
        try:
            yield
        finally:
            _CORRELATION.reset(token)

    def _load(self, pilot_id: Any) -> Pilot:
        ident = _as_uuid(pilot_id, "pilot")
        try:
            pilot: Any = self._store.repository.get(ident)
        except AggregateNotFoundError:
            raise PilotNotFound(ident) from None
        if not isinstance(pilot, Pilot):
            raise PilotNotFound(ident)
        return pilot

    def _run(
        self,
        command_id: str | None,
        command: str,
        pilot_id: Any,
        actor: Any,
        decide: Callable[[Pilot, Act, list[Write]], T],
        *,
        reschedule: bool = True,
    ) -> T:
        """Load, decide, store in one transaction; retry when another writer got there first.

        `command_id`: the caller's id for this command; repeating it (a double submit) is a
        no-op that returns the first result.
        `reschedule`: the pilot's deadlines are evaluated again at the next scheduler tick,
        since the act may have met one (the scheduler's own evaluation sets its next instant).
        """
        key = None if command_id is None else inp.check_command_id(command_id)
        for attempt in range(MAX_ATTEMPTS):
            if key is not None:
                done, first = self._done_before(key, command, pilot_id)
                if done:
                    return cast(T, first)
            pilot = self._load(pilot_id)
            act = self._act(actor, self.programme(pilot.programme), key)
            writes: list[Write] = []
            result = decide(pilot, act, writes)
            writes.extend(self._bookkeeping(pilot, act, command, result, reschedule))
            if self._commit(pilot, writes):
                self._log.info(
                    "command",
                    command=command,
                    pilot=str(pilot.id),
                    actor=act.actor,
                    version=pilot.version,
                )
                return result
            self._log.info("conflict.retry", command=command, pilot=str(pilot.id))
            # Writers that collided would collide again in lockstep: spread them out.
            clock_time.sleep(random.uniform(0, 0.004) * (attempt + 1))
        raise ConcurrencyConflict(
            f"{command}: pilot {pilot_id} kept changing under us; not applied, try again"
        )

    def _done_before(self, command_id: str, command: str, pilot_id: Any) -> tuple[bool, Any]:
        with self._read() as session:
            row = ledger.previous(session, command_id)
        if row is None:
            return False, None
        if row.command != command or row.pilot_id != str(_as_uuid(pilot_id, "pilot")):
            raise InvalidInput(
                "command_id", f"already used for {row.command} on pilot {row.pilot_id}"
            )
        return True, None if row.result is None else UUID(row.result)

    def _bookkeeping(
        self, pilot: Pilot, act: Act, command: str, result: Any, reschedule: bool
    ) -> list[Write]:
        pilot_id = str(pilot.id)
        writes: list[Write] = []
        if reschedule:
            writes.append(partial(queue.schedule, pilot_id=pilot_id, at=queue.ASAP))
        if pilot.pending_events:
            writes.append(
                partial(ledger.record_version, pilot_id=pilot_id, version=pilot.version, at=act.at)
            )
        if act.caller_command_id:
            remembered = result if isinstance(result, UUID) else None
            writes.append(
                partial(
                    ledger.remember,
                    command_id=act.command_id,
                    command=command,
                    pilot_id=pilot_id,
                    result=remembered,
                    at=act.at,
                )
            )
        return writes

    def _commit(self, pilot: Pilot | RexSession, writes: list[Write]) -> bool:
        """One transaction: our rows, the events, and (embedded use) the read models folded
        up to them, so a query right after a command sees it and a command costs one commit.
        False when another writer got there first (the caller retries)."""
        try:
            with self._write() as session:
                for write in writes:
                    write(session)
                self._store.save(pilot)
                if self.settings.project_after_commands:
                    self._projections.catch_up()
        except (IntegrityError, SAIntegrityError, PositionMoved):
            return False
        return True

    def _date(self, on: Any, act: Act, field: str = "on") -> date:
        return act.today if on is None else inp.check_date(field, on)

    # -- enrolment and contacts (R11, R14) --------------------------------------------------

    def enroll(
        self,
        *,
        name: str,
        programme: str,
        charter_signed_on: date,
        actor: str,
        siren: str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        data = inp.validated(
            inp.EnrollInput,
            name=name,
            programme=programme,
            charter_signed_on=charter_signed_on,
            siren=siren,
            actor=actor,
        )
        definition = self.programme(data.programme)
        key = None if command_id is None else inp.check_command_id(command_id)
        if key is not None:
            with self._read() as session:
                row = ledger.previous(session, key)
            if row is not None:
                if row.command != "enroll":
                    raise InvalidInput("command_id", f"already used for {row.command}")
                return UUID(row.pilot_id)
        act = self._act(data.actor, definition, key)
        pilot = Pilot.enroll(
            act,
            pilot_id=uuid4(),
            name=data.name,
            programme=definition.id,
            siren=data.siren,
            charter_signed_on=data.charter_signed_on,
        )
        if not self._commit(pilot, self._bookkeeping(pilot, act, "enroll", pilot.id, True)):
            if key is not None:
                with self._read() as session:
                    row = ledger.previous(session, key)
                if row is not None:  # the same enrolment, submitted twice at once
                    return UUID(row.pilot_id)
            raise ConcurrencyConflict("enroll: the new pilot's id was taken; try again")
        self._log.info("command", command="enroll", pilot=str(pilot.id), actor=act.actor)
        return pilot.id

    def designate_referent(
        self,
        pilot: Any,
        *,
        role: str,
        first_name: str,
        last_name: str,
        email: str,
        phone: str,
        actor: str,
        title: str | None = None,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        data = inp.validated(
            inp.ReferentInput,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
        )
        person_id = uuid4()

        def decide(p: Pilot, act: Act, writes: list[Write]) -> UUID:
            key = sealing.new_key()
            fields = data.model_dump(exclude={"role"})
            sealed = sealing.seal_fields(key, str(person_id), fields)
            p.designate_referent(
                act, self._date(on, act), person_id=str(person_id), role=data.role, sealed=sealed
            )
            writes.append(
                lambda s: self._keys.add(
                    s,
                    person_id=str(person_id),
                    pilot_id=str(p.id),
                    key=key,
                    email=data.email,
                    now=act.at,
                )
            )
            return person_id

        return self._run(command_id, "designate_referent", pilot, actor, decide)

    def rectify_contact(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None, **fields: Any
    ) -> None:
        changes = inp.validated(inp.ContactChanges, **fields).model_dump(exclude_none=True)
        person_id = str(_as_uuid(person, "person"))

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.contact(person_id)
            with self._read() as session:
                key = self._keys.keys(session, [person_id]).get(person_id)
            if key is None:
                p.rectify_contact(act, person_id, {})  # raises: erased or nothing to do
                return
            p.rectify_contact(act, person_id, sealing.seal_fields(key, person_id, changes))
            if "email" in changes:
                writes.append(lambda s: self._keys.change_email(s, person_id, changes["email"]))

        self._run(command_id, "rectify_contact", pilot, actor, decide)

    def record_objection(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> None:
        person_id = str(_as_uuid(person, "person"))
        self._run(
            command_id,
            "record_objection",
            pilot,
            actor,
            lambda p, act, _w: p.record_objection(act, person_id),
        )

    def erase_person(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> None:
        """GDPR art. 17 (R14): destroy this person's key; the pilot goes on."""
        person_id = str(_as_uuid(person, "person"))

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.erase_person(act, person_id)
            writes.append(lambda s: self._keys.destroy(s, [person_id]))

        self._run(command_id, "erase_person", pilot, actor, decide)

    # -- phase changes (R1–R4) --------------------------------------------------------------

    def start_diagnostic(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id,
            "start_diagnostic",
            pilot,
            actor,
            lambda p, act, _w: p.start_diagnostic(act, self._date(on, act)),
        )

    def complete_diagnostic(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id,
            "complete_diagnostic",
            pilot,
            actor,
            lambda p, act, _w: p.complete_diagnostic(act, self._date(on, act)),
        )

    def start_deployment(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id,
            "start_deployment",
            pilot,
            actor,
            lambda p, act, _w: p.start_deployment(act, self._date(on, act)),
        )

    def start_evaluation(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id,
            "start_evaluation",
            pilot,
            actor,
            lambda p, act, _w: p.start_evaluation(act, self._date(on, act)),
        )

    def close(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id, "close", pilot, actor, lambda p, act, _w: p.close(act, self._date(on, act))
        )

    def withdraw(
        self,
        pilot: Any,
        *,
        reason: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        text = inp.check_text("reason", reason)
        self._run(
            command_id,
            "withdraw",
            pilot,
            actor,
            lambda p, act, _w: p.withdraw(act, self._date(on, act), text),
        )

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
        self._run(
            command_id,
            "log_time",
            pilot,
            actor,
            lambda p, act, _w: p.log_time(act, self._date(on, act), amount),
        )

    def recommend_project(
        self, pilot: Any, *, title: str, theme: str, actor: str, command_id: str | None = None
    ) -> UUID:
        data = inp.validated(inp.ProjectInput, title=title, theme=theme)
        project_id = uuid4()
        self._run(
            command_id,
            "recommend_project",
            pilot,
            actor,
            lambda p, act, _w: p.recommend_project(
                act,
                self.programme(p.programme),
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
        command_id: str | None = None,
    ) -> None:
        data = inp.validated(
            inp.FrameInput, indicators=indicators, evaluation_protocol=evaluation_protocol
        )
        keys = [i.key for i in data.indicators]
        if len(set(keys)) != len(keys):
            raise InvalidInput("indicators", "each indicator key appears once (R8)")
        project_id = str(_as_uuid(project, "project"))
        self._run(
            command_id,
            "frame_project",
            pilot,
            actor,
            lambda p, act, _w: p.frame_project(
                act,
                project_id=project_id,
                indicators=[i.model_dump() for i in data.indicators],
                evaluation_protocol=data.evaluation_protocol,
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
        command_id: str | None = None,
    ) -> None:
        data = inp.validated(inp.ReportInput, key=key, value=value, period=period)
        project_id = str(_as_uuid(project, "project"))
        self._run(
            command_id,
            "report_indicator",
            pilot,
            actor,
            lambda p, act, _w: p.report_indicator(
                act, project_id=project_id, key=data.key, value=data.value, period=data.period
            ),
        )

    def record_follow_up(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self._run(
            command_id,
            "record_follow_up",
            pilot,
            actor,
            lambda p, act, _w: p.record_follow_up(act, self._date(on, act)),
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
            day = self._date(on, act)
            if scheduled is not None:
                if scheduled.programme != p.programme:
                    raise InvalidInput("session", "scheduled for another programme (R7)")
                day = scheduled.on if on is None else day
                if day != scheduled.on:
                    raise InvalidInput("on", f"the session took place on {scheduled.on} (R7)")
            p.record_rex(act, day, name)

        self._run(command_id, "record_rex", pilot, actor, decide)

    def schedule_rex(self, programme: str, *, on: date, kind: str, title: str, actor: str) -> UUID:
        """R7: a REX session of the cohort (collective or individual) pilots then attend."""
        data = inp.validated(
            inp.RexSessionInput, programme=programme, on=on, kind=kind, title=title
        )
        definition = self.programme(data.programme)
        act = self._act(actor, definition)
        session = RexSession.schedule(
            act,
            session_id=uuid4(),
            programme=definition.id,
            on=data.on,
            kind=data.kind,
            title=data.title,
        )
        if not self._commit(session, []):
            raise ConcurrencyConflict("schedule_rex: try again")
        self._log.info("command", command="schedule_rex", session=str(session.id), actor=act.actor)
        return session.id

    def _scheduled_rex(self, name: str) -> RexSession | None:
        try:
            ident = UUID(name)
        except ValueError:
            return None
        try:
            found: Any = self._store.repository.get(ident)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, RexSession) else None

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
        self._run(
            command_id,
            "raise_alert",
            pilot,
            actor,
            lambda p, act, _w: p.raise_alert(
                act,
                self._date(on, act),
                alert_id=str(alert_id),
                kind=data.kind,
                description=data.description,
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
        self._run(
            command_id,
            "request_communication",
            pilot,
            actor,
            lambda p, act, _w: p.request_communication(
                act, self._date(on, act), communication_id=str(communication_id), title=text
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
            raise InvalidInput("approved", "true or false (R10)")
        why = None if reason is None else inp.check_text("reason", reason)
        communication_id = str(_as_uuid(communication, "communication"))
        self._run(
            command_id,
            "decide_communication",
            pilot,
            actor,
            lambda p, act, _w: p.decide_communication(
                act,
                self._date(on, act),
                communication_id=communication_id,
                approved=approved,
                reason=why,
            ),
        )

    def publish_communication(
        self,
        pilot: Any,
        communication: Any,
        *,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        communication_id = str(_as_uuid(communication, "communication"))
        self._run(
            command_id,
            "publish_communication",
            pilot,
            actor,
            lambda p, act, _w: p.publish_communication(
                act, self._date(on, act), communication_id=communication_id
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
        self._run(
            command_id,
            "record_evaluation",
            pilot,
            actor,
            lambda p, act, _w: p.record_evaluation(
                act,
                findings=data.findings,
                recommendations=data.recommendations,
                replicable=data.replicable,
            ),
        )

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
        project_id, solution_id = str(_as_uuid(project, "project")), uuid4()
        self._run(
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
        rate: float,
        months: int,
        actor: str,
        priority_district: bool = False,
        command_id: str | None = None,
    ) -> UUID:
        """A funding line under one of the programme's schemes, checked against its rules."""
        data = inp.validated(
            inp.FundingInput,
            scheme=scheme,
            amount_eur=amount_eur,
            rate=rate,
            months=months,
            priority_district=priority_district,
        )
        project_id, funding_id = str(_as_uuid(project, "project")), uuid4()
        self._run(
            command_id,
            "identify_funding",
            pilot,
            actor,
            lambda p, act, _w: p.identify_funding(
                act,
                self.programme(p.programme),
                project_id=project_id,
                funding_id=str(funding_id),
                scheme=data.scheme,
                amount_eur=data.amount_eur,
                rate=data.rate,
                months=data.months,
                priority_district=data.priority_district,
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
            raise InvalidInput("granted", "true or false")
        funding_id = str(_as_uuid(funding, "funding"))
        self._run(
            command_id,
            "decide_funding",
            pilot,
            actor,
            lambda p, act, _w: p.decide_funding(
                act, self._date(on, act), funding_id=funding_id, granted=granted
            ),
        )

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
        self._run(
            command_id,
            "raise_blocker",
            pilot,
            actor,
            lambda p, act, _w: p.raise_blocker(
                act, self._date(on, act), blocker_id=str(blocker_id), description=text
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
        blocker_id = str(_as_uuid(blocker, "blocker"))
        self._run(
            command_id,
            "lift_blocker",
            pilot,
            actor,
            lambda p, act, _w: p.lift_blocker(
                act, self._date(on, act), blocker_id=blocker_id, how=text
            ),
        )

    # -- queries ----------------------------------------------------------------------------

    def get_pilot(self, pilot: Any, *, as_of: datetime | None = None) -> PilotView:
        if as_of is None:
            return self._view(self._load(pilot))
        return self._view(self._replay_as_of(_as_uuid(pilot, "pilot"), as_of))

    def list_pilots(self, *, programme: str | None = None) -> list[PilotSummary]:
        query = select(pilots).order_by(pilots.c.name)
        if programme is not None:
            query = query.where(pilots.c.programme == programme)
        with self._read() as session:
            rows = session.execute(query).all()
        return [
            PilotSummary(
                id=UUID(r.pilot_id),
                name=r.name,
                programme=r.programme,
                phase=r.phase,
                phase_since=r.phase_since,
            )
            for r in rows
        ]

    def history(self, pilot: Any) -> list[HistoryEntry]:
        """Every event of the pilot: sequence, recorded time, effective date, actor, fields."""
        ident = self._load(pilot).id
        return audit.history(self, ident)

    def verify_audit_trail(self) -> audit.AuditReport:
        """Recompute the tamper-evidence chain of every pilot; the report names the first break."""
        return audit.verify_audit_trail(self)

    def checkpoint_audit_trail(self, at: datetime | None = None) -> int:
        """Record every pilot's chain head; a later verification then also catches a tail
        cut off, or a chain rewritten, since. The scheduler does it once a day."""
        return audit.checkpoint(self, at or self.now())

    def export_audit(self, pilot: Any) -> list[dict[str, Any]]:
        """The pilot's history with its chain, one JSON object per event, for an auditor."""
        return audit.export_lines(self, self._load(pilot).id)

    @staticmethod
    def verify_audit_export(lines: list[dict[str, Any]]) -> audit.AuditReport:
        """Check an exported history with nothing but its lines."""
        return audit.verify_export(lines)

    # -- personal data (R12–R14) ------------------------------------------------------------

    def purge_expired(self, now: datetime | None = None) -> rights.PurgeReport:
        """R13: purge every pilot whose programme's retention has ended at `now`."""
        return rights.purge_expired(self, now or self.now())

    def verify_purge(self) -> rights.PurgeReport:
        return rights.verify_purge(self)

    def export_personal_data(self, *, email: str) -> rights.PersonalDataExport:
        """R14, right of access: every personal value held about the person with this email."""
        address = inp.validated(inp.EmailOnly, email=email).email
        return rights.export_personal_data(self, address)

    # -- the cohort (read models, R3–R11) ---------------------------------------------------

    def _rows(self, pilot: Any = None) -> list[dict[str, Any]]:
        query = select(pilots).order_by(pilots.c.name, pilots.c.pilot_id)
        if pilot is not None:
            query = query.where(pilots.c.pilot_id == str(_as_uuid(pilot, "pilot")))
        with self._read() as session:
            rows = [decode_row(r) for r in session.execute(query)]
        if pilot is not None and not rows:
            raise PilotNotFound(pilot)
        return rows

    def _instant(self, today: date | datetime | None) -> datetime:
        if today is None:
            return self.now()
        if isinstance(today, datetime):
            if today.tzinfo is None:
                raise InvalidInput("today", "a date-time needs its time zone")
            return today
        day = inp.check_date("today", today)
        return datetime.combine(day, time(12), self.programme("grand-est-2024").zone)

    def dashboard(self, today: date | datetime | None = None) -> cohort.Dashboard:
        """One row per pilot: phase, since, next deadline, days left, alerts with rule ids."""
        at = self._instant(today)
        rows = [cohort.dashboard_row(self.programme(r["programme"]), r, at) for r in self._rows()]
        day = at.astimezone(self.programme("grand-est-2024").zone).date()
        return cohort.Dashboard(today=day, rows=rows, summary=cohort.summary(rows, day))

    def indicators(self, pilot: Any) -> list[cohort.IndicatorLine]:
        """R8: every framed indicator of the pilot's projects, its target and reported values."""
        return cohort.indicator_lines(self._projects(str(self._load(pilot).id)))

    def _projects(self, pilot_id: str) -> list[dict[str, Any]]:
        query = select(projects).where(projects.c.pilot_id == pilot_id).order_by(projects.c.title)
        with self._read() as session:
            return [decode_project(r) for r in session.execute(query)]

    def rex_sessions(self, programme: str | None = None) -> list[dict[str, Any]]:
        """R7: the cohort's scheduled sessions with the pilots that attended each."""
        query = select(rex_sessions).order_by(rex_sessions.c.on)
        if programme is not None:
            query = query.where(rex_sessions.c.programme == programme)
        with self._read() as session:
            sessions = [dict(r) for r in session.execute(query).mappings()]
        attendance: dict[str, list[str]] = {s["session_id"]: [] for s in sessions}
        for row in self._rows():
            for name in row["rex"]:
                if name in attendance:
                    attendance[name].append(row["name"])
        return [{**s, "attended_by": attendance[s["session_id"]]} for s in sessions]

    def time_budget(self, pilot: Any, today: date | None = None) -> list[cohort.BudgetLine]:
        """R6: budget against logged days, for the diagnostic and each deployment month."""
        row = self._rows(pilot)[0]
        programme = self.programme(row["programme"])
        day = self._instant(today).astimezone(programme.zone).date()
        return cohort.time_budget(programme, row, day)

    def follow_up_cadence(self, pilot: Any, today: date | None = None) -> list[cohort.CadenceLine]:
        """R5: follow-up meetings per month of deployment."""
        row = self._rows(pilot)[0]
        programme = self.programme(row["programme"])
        day = self._instant(today).astimezone(programme.zone).date()
        return cohort.follow_up_cadence(programme, row, day)

    def rex_attendance(self, year: int, today: date | None = None) -> list[cohort.RexLine]:
        """R7: per pilot, REX sessions attended in `year` against the programme's quota."""
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput("year", "a calendar year such as 2025")
        lines = []
        for row in self._rows():
            programme = self.programme(row["programme"])
            day = self._instant(today).astimezone(programme.zone).date()
            line = cohort.rex_line(programme, row, year, day)
            # A pilot that withdrew owes no more reviews; a purged one is no longer shown.
            if line is not None and row["phase"] not in ("withdrawn", "purged"):
                lines.append(line)
        return lines

    def report_html(self, today: date | None = None, lang: str = "fr") -> str:
        """The cohort report: timeline, budgets, REX, cadence, alerts; one self-contained page."""
        from parcours import report

        return report.render(self, report.html.today_of(self, today), lang)

    # -- read-model maintenance --------------------------------------------------------------

    def catch_up_projections(self) -> int:
        """Fold what the read models have not seen yet (a projection worker calls this)."""
        return self._projections.catch_up()

    def rebuild_projections(self, on_page: Callable[[int], None] | None = None) -> int:
        """Empty every read model and fold the whole log again; returns the events folded."""
        return maintenance.rebuild(self._projections, on_page)

    def check_projections(
        self, on_page: Callable[[int], None] | None = None
    ) -> maintenance.CheckReport:
        """Rebuild into scratch tables and compare row by row with the live read models."""
        self._projections.catch_up()
        return maintenance.check(self._projections, on_page)

    def event_count(self) -> int:
        """How many events the store holds (a rejected command must not change it)."""
        return int(self._store.recorder.max_notification_id() or 0)

    def _replay_as_of(self, pilot_id: UUID, as_of: datetime) -> Pilot:
        if as_of.tzinfo is None:
            raise InvalidInput("as_of", "needs a time zone, e.g. datetime(..., tzinfo=UTC)")
        with self._read() as session:
            version = ledger.version_at(session, str(pilot_id), as_of)
        if version is None:
            raise PilotNotFound(pilot_id, f" as of {as_of.isoformat()}")
        pilot: Any = self._store.repository.get(pilot_id, version=version)
        assert isinstance(pilot, Pilot)
        return pilot

    def _view(self, pilot: Pilot) -> PilotView:
        with self._read() as session:
            keys = self._keys.keys(session, pilot.contacts)
        return PilotView(
            id=pilot.id,
            name=pilot.name,
            programme=pilot.programme,
            siren=pilot.siren,
            phase=pilot.phase,
            phase_since=pilot.phase_since,
            charter_signed_on=pilot.charter_signed_on,
            phase_history=[PhaseStep(phase=p, since=d) for p, d in pilot.phase_history],
            contacts=[_contact(pid, c, keys.get(pid)) for pid, c in pilot.contacts.items()],
            projects=[_project(pid, p) for pid, p in pilot.projects.items()],
            time_logged=[TimeEntry(**t) for t in pilot.time_logs],
            days_logged=sum(t["days"] for t in pilot.time_logs),
            follow_ups=list(pilot.follow_ups),
            rex=dict(pilot.rex),
            alerts=[RaisedAlert(alert_id=UUID(i), **a) for i, a in pilot.alerts.items()],
            communications=[
                CommunicationView(communication_id=UUID(i), **c)
                for i, c in pilot.communications.items()
            ],
            evaluation=Evaluation(**pilot.evaluation) if pilot.evaluation else None,
            withdrawal_reason=pilot.withdrawal_reason,
            version=pilot.version,
            recorded_at=pilot.modified_on,
        )


def _contact(person_id: str, contact: dict[str, Any], key: bytes | None) -> ContactView:
    plain = sealing.unseal_fields(key, person_id, contact["sealed"])
    status: Literal["active", "restricted", "erased"] = (
        "erased"
        if contact["erased"] or key is None
        else ("restricted" if contact["objected"] else "active")
    )
    gone = sealing.PURGED
    return ContactView(
        person_id=UUID(person_id),
        role=contact["role"],
        current=contact["current"],
        status=status,
        first_name=plain.get("first_name", gone),
        last_name=plain.get("last_name", gone),
        email=plain.get("email", gone),
        phone=plain.get("phone", gone),
        title=plain.get("title"),
        designated_on=contact["designated_on"],
    )


def _project(project_id: str, project: dict[str, Any]) -> ProjectView:
    return ProjectView(
        project_id=UUID(project_id),
        title=project["title"],
        theme=project["theme"],
        framed=project["framed"],
        evaluation_protocol=project["evaluation_protocol"],
        indicators=[
            IndicatorView(**i, reports=project["reports"].get(i["key"], {}))
            for i in project["indicators"]
        ],
    )


def _as_uuid(value: Any, what: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput(what, "not an id (expected a UUID)") from None
