"""Who may do what (R15): the pipeline's authorise step, and the commands that grant, revoke
and list roles.

`Authoriser` gathers the facts (the principal's grants: one indexed read; the pilot's
programme: kept per process) and asks the pure table check (`domain.roles.check`). A refusal
is logged (act, principal, pilot or programme, roles needed: ids only, no personal value)
and raised as `NotAuthorised`; nothing is appended.

Grants and revocations are events (on the pilot for a referent, on the programme's
`ProgrammeRoles` for agency, region and auditor) and rows of the grants table, written in
the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, LRUCache

from parcours import audit
from parcours import inputs as inp
from parcours.domain.grants import (
    ProgrammeRoles,
    grant_on_pilot,
    revoke_on_pilot,
    roles_id,
)
from parcours.domain.pilot import Act, Pilot
from parcours.domain.roles import Grant, Permit, Question, check
from parcours.errors import InvalidInput, NotAuthorised, PilotNotFound, RuleViolation
from parcours.programme import GRANTED_ROLES, PROGRAMME_ROLES, Programme
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service
from parcours.service.programmes import Programmes
from parcours.service.requests import Request
from parcours.store import grants as kept
from parcours.store.eventstore import PilotStore
from parcours.views import HeldRole, HistoryEntry

# The programme a programme role is granted in when none is named (the CLI's default too).
MAX_PRINCIPAL = 100


@dataclass(frozen=True)
class _Facts:
    """What an allowed act was judged on, read at grants version `version`."""

    version: int
    held: tuple[Grant, ...]
    programme: str | None


def _kept_key(r: Request) -> tuple[str, str] | None:
    """Facts are kept for the commands on a pilot by a principal, not for grants and
    revocations (they read more facts) nor for parcours' own principals (nothing read)."""
    if r.pilot_id is None or r.system or r.role is not None or r.subject is not None:
        return None
    if r.command in ("grant", "revoke"):
        return None
    return (r.actor, str(r.pilot_id))


def _question(r: Request, facts: _Facts) -> Question:
    return Question(
        act=r.command,
        principal=r.actor,
        grants=facts.held,
        programme=facts.programme,
        pilot_id=str(r.pilot_id),
        system=False,
        role=None,
        subject=None,
        store_open=True,  # the principal holds a role
        programme_staffed=True,  # asked of a grant only
    )


class Authoriser:
    """The pipeline's authorise step (R15), built by `bootstrap`."""

    def __init__(self, store: PilotStore, programmes: Programmes, log: Any) -> None:
        self.store = store
        self.programmes = programmes
        self.log = log
        self.pilot_programmes = kept.PilotProgrammes()
        # (principal, pilot) -> the facts an act of the principal on the pilot was allowed on
        self._kept: LRUCache[tuple[str, str], _Facts] = LRUCache(maxsize=10_000)

    def __call__(self, request: Request) -> Permit:
        return self._judged(request)[0]

    def judge(self, request: Request, *, fresh: bool = False) -> int | None:
        """Authorise `request` (`NotAuthorised` if refused), for a command on a pilot that
        confirms it under the pilot's lock: returns the grants version (`kept.version`) of
        the facts it was allowed on, or None when there is nothing to confirm.

        The facts of an allowed act (the principal's grants bearing on the pilot, the
        pilot's programme) are kept per process and the table check is asked again on them:
        no read. The caller must then compare the version under its lock (`Pipeline.run`)
        and judge `fresh` if it moved. A refusal is never judged on kept facts: they are
        read again first (a grant made by another process since)."""
        key = _kept_key(request)
        if key is not None and not fresh:
            try:
                facts = self._kept.get(key)
            except KeyError:
                pass
            else:
                try:
                    check(_question(request, facts), self._tables(facts.programme, facts.held))
                except NotAuthorised:
                    pass
                else:
                    return facts.version
        return self._judged(request)[1]

    def _judged(self, request: Request) -> tuple[Permit, int | None]:
        try:
            return self._check(request)
        except NotAuthorised as refusal:
            self.log.info(
                "command.refused",
                act=request.command,
                actor=request.actor,
                pilot=None if request.pilot_id is None else str(request.pilot_id),
                programme=request.programme,
                needed=list(refusal.needed),
            )
            raise

    def _check(self, r: Request) -> tuple[Permit, int | None]:
        pilot = None if r.pilot_id is None else str(r.pilot_id)
        programme = r.programme
        staffed = True
        key = _kept_key(r)
        seen = None
        with kept.connect(self.store) as reader:
            if key is not None:
                # Read before the grants: kept facts are never newer than their version says.
                seen = kept.version(reader)
            held = () if r.system else kept.held(reader, r.actor, pilot)
            if pilot is not None:
                programme = self.pilot_programmes.get(reader, pilot)
            store_open = r.system or bool(held) or kept.store_open(reader)
            if r.command == "grant" and r.role == "agency" and store_open and programme:
                staffed = kept.programme_staffed(reader, programme)
        if r.pilot_id is not None and programme is None and (held or r.system):
            # A pilot enrolled by a process older than the grants table: learn its programme
            # the slow way (PilotNotFound if there is no such pilot).
            programme = self._programme_of(r.pilot_id)
            self.pilot_programmes.remember(str(r.pilot_id), programme)
        question = Question(
            act=r.command,
            principal=r.actor,
            grants=held,
            programme=programme,
            pilot_id=pilot,
            system=r.system,
            role=r.role,
            subject=r.subject,
            store_open=store_open,
            programme_staffed=staffed,
        )
        try:
            permit = check(question, self._tables(programme, held))
        except NotAuthorised:
            if pilot is None or r.system:
                raise
        else:
            if key is not None and seen is not None and held:
                self._kept.put(key, _Facts(seen, held, programme))
            return permit, seen
        # Refused: say it with every role the principal holds (a referent of other pilots).
        with kept.connect(self.store) as reader:
            every = kept.held(reader, r.actor)
        question = replace(question, grants=every)
        return check(question, self._tables(programme, every)), None

    def _tables(self, programme: str | None, held: tuple[Grant, ...]) -> dict[str, Programme]:
        """The programmes whose tables answer; with none (an unknown principal asking for a
        cohort view), the default one words the refusal."""
        wanted = {g.programme for g in held} | ({programme} if programme else set())
        return {p: self.programmes.get(p) for p in wanted or {self.programmes.default_id}}

    def _programme_of(self, pilot_id: UUID) -> str:
        try:
            pilot: Any = self.store.repository.get(pilot_id)
        except AggregateNotFoundError:
            raise PilotNotFound(pilot_id) from None
        if not isinstance(pilot, Pilot):
            raise PilotNotFound(pilot_id)
        return str(pilot.programme)


class RoleCommands(Service):
    """`grant`, `revoke`, `principals`, `role_history` (R15)."""

    def grant(
        self,
        principal: str,
        role: str,
        *,
        actor: str,
        programme: str | None = None,
        pilot: Any = None,
        command_id: str | None = None,
    ) -> None:
        """Give `principal` the `role`: agency, region or auditor in a programme (default
        grand-est-2024), or referent of one pilot (`pilot=`). On a store where no one holds a
        role yet, the only act accepted is this one giving `agency` to its own author."""
        self._change("grant", principal, role, actor, programme, pilot, command_id)

    def revoke(
        self,
        principal: str,
        role: str,
        *,
        actor: str,
        programme: str | None = None,
        pilot: Any = None,
        command_id: str | None = None,
    ) -> None:
        """Take `role` back from `principal`; the last agency of a programme cannot be."""
        self._change("revoke", principal, role, actor, programme, pilot, command_id)

    def principals(
        self, *, actor: str | None = None, programme: str | None = None
    ) -> list[HeldRole]:
        """Who holds which role, where (principal ids only: no personal data)."""
        self.pipeline.permit_optional("principals", actor)
        with self.pipeline.reading() as session:
            rows = kept.everyone(session, programme)
        return [
            HeldRole(
                principal=r.principal,
                role=r.role,
                programme=r.programme,
                pilot_id=UUID(r.pilot_id) if r.pilot_id else None,
                granted_by=r.granted_by,
                granted_at=r.granted_at,
            )
            for r in rows
        ]

    def role_history(self, programme: str | None = None, *, actor: str) -> list[HistoryEntry]:
        """Every grant and revocation of the programme's roles (agency, region, auditor), as
        `history` shows a pilot's events; a referent's are in its pilot's history."""
        definition = self.pipeline.programme(programme or self.pipeline.programmes.default_id)
        self.pipeline.permit("role_history", actor, programme=definition.id)
        register = roles_id(definition.id)
        if self.pipeline.get_aggregate(register) is None:
            return []
        return audit.history(self.pipeline.store, self.pipeline.keys, register)

    # -- one change -------------------------------------------------------------------------

    def _change(
        self,
        command: str,
        principal: Any,
        role: Any,
        actor: Any,
        programme: str | None,
        pilot: Any,
        command_id: str | None,
    ) -> None:
        subject = _principal(principal)
        if role not in GRANTED_ROLES:
            raise InvalidInput("role", "input.one_of", choices=GRANTED_ROLES, rule="R15")
        if role == "referent":
            if pilot is None:
                raise InvalidInput("pilot", "input.referent_pilot")
            self._on_pilot(
                command, subject, actor, programme, self.pipeline.pilot_id(pilot, actor), command_id
            )
            return
        if pilot is not None:
            raise InvalidInput("pilot", "input.programme_role", role=role)
        self._in_programme(
            command, subject, role, actor, programme or self.pipeline.programmes.default_id
        )

    def _on_pilot(
        self,
        command: str,
        subject: str,
        actor: Any,
        programme: str | None,
        pilot_id: UUID,
        command_id: str | None,
    ) -> None:
        pipeline = self.pipeline

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            if programme is not None and programme != p.programme:
                raise InvalidInput(
                    "programme", "input.pilot_programme", actual=p.programme, given=programme
                )
            grant = Grant(subject, "referent", p.programme, str(p.id))
            with pipeline.reading() as session:
                holds = grant in kept.held(session, subject)
            if command == "grant":
                grant_on_pilot(p, act, subject, "referent", holds)
                writes.append(partial(kept.add, grant=grant, by=act.actor, at=act.at))
            else:
                revoke_on_pilot(p, act, subject, "referent", holds)
                writes.append(partial(kept.remove, grant=grant))

        pipeline.run(
            command_id,
            command,
            pilot_id,
            actor,
            decide,
            reschedule=False,
            role="referent",
            subject=subject,
        )

    def _in_programme(
        self, command: str, subject: str, role: str, actor: Any, programme_id: str
    ) -> None:
        pipeline = self.pipeline
        definition: Programme = pipeline.programme(programme_id)
        principal, system = pipeline.principal(actor, command)
        request = Request(
            command, principal, programme=definition.id, system=system, role=role, subject=subject
        )

        def load(act: Act) -> ProgrammeRoles:
            found = pipeline.get_aggregate(roles_id(definition.id))
            if isinstance(found, ProgrammeRoles):
                return found
            if command == "revoke":
                raise RuleViolation(
                    "R15",
                    "rule.r15.not_in_programme",
                    principal=subject,
                    role=role,
                    programme=definition.id,
                )
            return ProgrammeRoles.open(act, definition.id)

        def decide(register: ProgrammeRoles, act: Act, writes: list[Write], permit: Permit) -> None:
            grant = Grant(subject, role, definition.id)
            if permit.first_agency and register.agencies():
                # Another agency was named first while we were on our way: ask again.
                pipeline.authorise(request)
            if command == "grant":
                register.grant(act, subject, role)
                if permit.opens_store:
                    # Allowed because no one held a role: a second "first grant" racing this
                    # one cannot write this row again, so it fails, retries and is refused.
                    writes.append(kept.mark_opened)
                writes.append(partial(kept.add, grant=grant, by=act.actor, at=act.at))
            else:
                register.revoke(act, subject, role)
                writes.append(partial(kept.remove, grant=grant))

        pipeline.run_aggregate(request, definition, load, decide)


def _principal(value: Any) -> str:
    """A principal id to grant to: an opaque handle (`kind:name`), never a person's name,
    since it is stored in every event and never purged; `system:…` is parcours' own."""
    try:
        principal = inp.check_actor(value)
    except InvalidInput as exc:
        why = exc.params["message"]  # the actor's refusal, said of the principal
        raise InvalidInput("principal", why.key, **why.params) from None
    if len(principal) > MAX_PRINCIPAL:  # the grants table's column
        raise InvalidInput("principal", "input.at_most_chars", max=MAX_PRINCIPAL)
    if principal.startswith("system:"):
        raise RuleViolation("R15", "rule.r15.system_not_granted")
    return principal


__all__ = ["PROGRAMME_ROLES", "Authoriser", "RoleCommands"]
