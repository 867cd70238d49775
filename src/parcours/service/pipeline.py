"""THE way a command runs. Every command of `Parcours`, and every act of the scheduler and of
the purge, goes through `Pipeline.run` (or `Pipeline.create` for a new aggregate):

1. **validate** the envelope: the actor (`inputs.check_actor`), the pilot id, the caller's
   command id. The command's own values were validated by its pydantic input model before
   it reached the pipeline (`parcours.inputs`).
2. **authorise** the principal for this act (R15: `service.roles.Authoriser`, plugged in by
   `bootstrap`): one indexed read of the grants table, before the pilot is loaded, so a
   refusal reveals nothing and costs nothing; the grants of an allowed act are kept per
   process and confirmed in step 5's transaction, under the pilot's lock, against the
   grants table's version. parcours' own scheduler and purge act as a
   `SystemPrincipal` that only `Pipeline.system` makes: a caller's string `system:…` is
   refused, whatever the act.
3. **load** the pilot (`PilotNotFound`), or answer a repeated command id from the ledger.
4. **decide**: the command's `decide(pilot, act, writes)` calls the aggregate, whose guards
   raise `PhaseError` or `RuleViolation`; it may add writes of our own rows (keys, outbox).
5. **append** the events, our rows (command ledger, timeline, deadline queue) and, embedded,
   the read models folded up to them, in **one transaction**; a conflict with another writer
   rolls it all back and the command is tried again from step 3.
6. **log** the command (structlog; ids and names of acts, never a personal value).

Nothing is written before step 5, and step 5 is one transaction: a refused command appends
nothing.
"""

from __future__ import annotations

import random
import time as clock_time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.orm import Session
from stdnum.fr import siren as siren_number

from parcours import inputs as inp
from parcours.domain import experiment
from parcours.domain.pilot import Act, Pilot
from parcours.domain.rex import RexSession
from parcours.domain.roles import Permit
from parcours.errors import ConcurrencyConflict, InvalidInput, PilotNotFound
from parcours.programme import Programme
from parcours.projections.runner import PositionMoved
from parcours.service.bookkeeping import Write, done_before, rows_beside
from parcours.service.requests import Request
from parcours.service.steps import PipelineSteps
from parcours.store import grants, ledger, pilot_names

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
Decide = Callable[[Pilot, Act, list[Write]], T]
MAX_ATTEMPTS = 8
# Another writer got there first: the transaction is rolled back and the command tried again.
_CONFLICTS = (IntegrityError, SAIntegrityError, PositionMoved)
# A row another process wrote first. The store's transaction re-raises a statement's error
# from inside its own `except`, so it reaches the caller as eventsourcing's IntegrityError.
RACED = (IntegrityError, SAIntegrityError)


class Pipeline(PipelineSteps):
    """The store, the clock and the command pipeline that every part of `Parcours` shares.

    Built by `parcours.service.bootstrap.bootstrap`; its attributes are the system's ports:
    `store` (events, transactions), `keys` (personal-data keys), `projections` (read models),
    `programmes` (definitions), `settings`, `clock`, `log`."""

    def pilot_id(self, reference: Any, actor: Any = None) -> UUID:
        """The pilot a reference names: its id, its slug (`cc-pays-de-bitche`) or its SIREN
        (issue 20). The one place a pilot reference is resolved: every command (`run`), every
        load and the pilot queries come through here. An id is taken as it is (no read); a
        slug or a SIREN costs one indexed read. Unknown: `PilotNotFound`; a SIREN enrolled in
        two programmes: `InvalidInput` naming the field, with the slugs to choose from.

        `actor`: who asks. A principal holding no role learns nothing from a reference, not
        even that it names no pilot: `NotAuthorised` (R15), as for an unknown id."""
        if isinstance(reference, UUID):
            return reference
        if not isinstance(reference, str):
            raise InvalidInput("pilot", "input.pilot_reference")
        text = reference.strip()
        try:
            return UUID(text)
        except ValueError:
            pass
        if not text or len(text) > pilot_names.SLUG_MAX + 8:
            raise InvalidInput("pilot", "input.not_a_pilot_reference")
        with self.reading() as session:
            if siren_number.is_valid(text):
                held = pilot_names.by_siren(session, str(siren_number.compact(text)))
                found = [pilot for pilot, _, _ in held]
                choices = ", ".join(f"{slug} ({programme})" for _, programme, slug in held)
            else:
                found = pilot_names.by_slug(session, text.lower())
                choices = ""
        if len(found) != 1 and actor is not None:
            principal, system = self.principal(actor, "list_pilots")
            self.authorise(Request("list_pilots", principal, system=system))
        if not found:
            raise PilotNotFound(text, reference=True)
        if len(found) > 1:
            raise InvalidInput(
                "pilot", "input.siren_ambiguous", siren=text, count=len(found), choices=choices
            )
        return UUID(found[0])

    def load(self, pilot_id: Any) -> Pilot:
        ident = self.pilot_id(pilot_id)
        try:
            pilot: Any = self.store.repository.get(ident)
        except AggregateNotFoundError:
            raise PilotNotFound(ident) from None
        if not isinstance(pilot, Pilot):
            raise PilotNotFound(ident)
        return pilot

    def replay(self, pilot_id: UUID, version: int) -> Pilot:
        """The pilot as it was at `version` (from the nearest snapshot)."""
        pilot: Any = self.store.repository.get(pilot_id, version=version)
        if not isinstance(pilot, Pilot):
            raise PilotNotFound(pilot_id)
        return pilot

    # -- running a command --------------------------------------------------------------------

    def run(
        self,
        command_id: str | None,
        command: str,
        pilot_id: Any,
        actor: Any,
        decide: Decide[T],
        *,
        reschedule: bool = True,
        role: str | None = None,
        subject: str | None = None,
    ) -> T:
        """Run `command` on an existing pilot: validate, authorise, load, decide, append, log.

        `command_id`: the caller's id for this command; repeating it (a double submit) is a
        no-op that returns the first result.
        `reschedule`: the pilot's deadlines are evaluated again at the next scheduler tick,
        since the act may have met one (the scheduler's own evaluation sets its next instant).
        `role`, `subject`: what a grant or revocation concerns (see `Request`).
        """
        ident = self.pilot_id(pilot_id, actor)
        principal, system = self.principal(actor, command)
        key = None if command_id is None else inp.check_command_id(command_id)
        request = Request(command, principal, ident, system=system, role=role, subject=subject)
        seen = self.authorise_kept(request)
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.writing() as session:
                    # Other commands on this pilot wait here until this one commits.
                    if seen is None:
                        self.store.lock_pilot(session, ident)
                    elif grants.version_under_lock(self.store, session, ident) != seen:
                        # A grant or revocation was committed since the facts the act was
                        # allowed on were read: judged again on the grants as they are now.
                        seen = self.authorise_kept(request, fresh=True)
                    if key is not None:
                        done, first = done_before(session, key, command, ident)
                        if done:
                            return cast(T, first)
                    pilot = self.load(ident)
                    experiment.refuse_once_ended(command, pilot.experiment_ended_on, pilot.phase)
                    act = self.act(principal, self.programme(pilot.programme), key, command)
                    writes: list[Write] = []
                    result = decide(pilot, act, writes)
                    writes.extend(rows_beside(pilot, act, command, result, reschedule))
                    self._append(session, pilot, writes)
            except _CONFLICTS:
                self.log.info("conflict.retry", command=command, pilot=str(ident))
                # Writers that collided would collide again in lockstep: spread them out.
                clock_time.sleep(random.uniform(0, 0.004) * (attempt + 1))
                continue
            # Committed: the next command on this pilot starts from it, reading nothing back.
            self.store.keep_committed(pilot)
            self.log.info(
                "command", command=command, pilot=str(ident), actor=act.actor, version=pilot.version
            )
            return result
        raise ConcurrencyConflict("error.conflict", command=command, pilot=ident)

    def create(
        self,
        command_id: str | None,
        command: str,
        programme: Programme,
        actor: Any,
        build: Callable[[Act], Pilot],
    ) -> UUID:
        """Run a command that creates a pilot (enrolment): the same steps, with no pilot to
        load; a repeated command id returns the pilot the first one created."""
        principal, system = self.principal(actor, command)
        key = None if command_id is None else inp.check_command_id(command_id)
        self.authorise(Request(command, principal, programme=programme.id, system=system))
        if key is not None:
            row = self._previous(key)
            if row is not None:
                if row.command != command:
                    raise InvalidInput("command_id", "input.command_id_used", command=row.command)
                return UUID(row.pilot_id)
        for _attempt in range(MAX_ATTEMPTS):
            act = self.act(principal, programme, key, command)
            pilot = build(act)
            self._refuse_taken_siren(pilot)
            writes = rows_beside(pilot, act, command, pilot.id, True)
            # The checks of R15 find a pilot's programme without loading it.
            writes.append(
                partial(grants.remember_pilot, pilot_id=str(pilot.id), programme=pilot.programme)
            )
            # Its slug and SIREN (issue 20): unique constraints, in the enrolment's transaction.
            writes.append(
                partial(
                    pilot_names.remember,
                    pilot_id=str(pilot.id),
                    programme=pilot.programme,
                    name=pilot.name,
                    siren=pilot.siren,
                )
            )
            if self.commit(pilot, writes):
                self.log.info("command", command=command, pilot=str(pilot.id), actor=act.actor)
                return pilot.id
            if key is not None:
                row = self._previous(key)
                if row is not None:  # the same enrolment, submitted twice at once
                    return UUID(row.pilot_id)
            # Another enrolment committed first: the same SIREN (refused), or the same slug
            # (this one takes the next suffix) or, once in 2**122, the same id.
            self._refuse_taken_siren(pilot)
            clock_time.sleep(random.uniform(0, 0.004) * (_attempt + 1))
        raise ConcurrencyConflict("error.conflict_slug", command=command)

    def _refuse_taken_siren(self, pilot: Pilot) -> None:
        """A SIREN enrols once per programme (issue 20): refused, naming the field."""
        if pilot.siren is None:
            return
        with self.reading() as session:
            holder = pilot_names.siren_holder(session, pilot.programme, pilot.siren)
        if holder is not None:
            raise InvalidInput(
                "siren",
                "input.siren_taken",
                siren=pilot.siren,
                programme=pilot.programme,
                pilot=holder,
            )

    def record_session(
        self, command: str, programme: Programme, actor: Any, build: Callable[[Act], RexSession]
    ) -> UUID:
        """Store a new programme-level aggregate (a REX session) built by `build(act)`."""
        principal, system = self.principal(actor, command)
        self.authorise(Request(command, principal, programme=programme.id, system=system))
        act = self.act(principal, programme)
        session = build(act)
        if not self.commit(session, []):
            raise ConcurrencyConflict("error.conflict_new", command=command)
        self.log.info("command", command=command, session=str(session.id), actor=act.actor)
        return session.id

    def run_aggregate(
        self,
        request: Request,
        programme: Programme,
        load: Callable[[Act], A],
        decide: Callable[[A, Act, list[Write], Permit], T],
    ) -> T:
        """Run a command on an aggregate other than a pilot (a programme's register of roles):
        authorise, load (or create) it, decide (knowing why it was allowed), append with our
        rows in one transaction. The authorisation is asked again on each attempt: what
        another writer committed meanwhile (a grant) may change the answer."""
        for attempt in range(MAX_ATTEMPTS):
            permit = self.authorise(request)
            act = self.act(request.actor, programme)
            aggregate = load(act)
            writes: list[Write] = []
            result = decide(aggregate, act, writes, permit)
            if self.commit(aggregate, writes):
                self.log.info(
                    "command",
                    command=request.command,
                    aggregate=str(aggregate.id),
                    actor=act.actor,
                )
                return result
            clock_time.sleep(random.uniform(0, 0.004) * (attempt + 1))
        raise ConcurrencyConflict("error.conflict_other", command=request.command)

    def get_aggregate(self, aggregate_id: UUID) -> Aggregate | None:
        """Any stored aggregate by id (a REX session, a programme's register), or None."""
        try:
            found: Any = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Aggregate) else None

    def rex_session(self, session_id: UUID) -> RexSession | None:
        """A scheduled REX session by its id, or None."""
        found = self.get_aggregate(session_id)
        return found if isinstance(found, RexSession) else None

    def commit(self, aggregate: Aggregate, writes: list[Write]) -> bool:
        """Step 5, one transaction: our rows, the events, and (embedded use) the read models
        folded up to them, so a query right after a command sees it and a command costs one
        commit. False when another writer got there first (the caller retries)."""
        try:
            with self.writing() as session:
                self._append(session, aggregate, writes)
        except _CONFLICTS:
            return False
        return True

    def _append(self, session: Session, aggregate: Aggregate, writes: list[Write]) -> None:
        for write in writes:
            write(session)
        recordings = self.store.save(aggregate)
        if self.settings.project_after_commands:
            self.projections.fold_recorded(session, recordings)

    def _previous(self, command_id: str) -> Any:
        with self.reading() as session:
            return ledger.previous(session, command_id)


def as_uuid(value: Any, what: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput(what, "input.uuid") from None


class Service:
    """A part of `Parcours` (commands or queries of one concern): it holds the pipeline and
    nothing else, so parts share no private state."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
