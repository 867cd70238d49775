"""The steps every command shares, whatever it acts on: where (reading, writing the store),
who (the principal, its authorisation under R15, parcours' own system principals) and when
(the act's instant and day, the business date, the request's correlation). `Pipeline`
(pipeline.py) runs a command through them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from parcours import clock as clocks
from parcours import inputs as inp
from parcours.domain import experiment
from parcours.domain.pilot import Act
from parcours.domain.roles import OPERATOR, Permit
from parcours.programme import SYSTEM_PRINCIPALS, Programme
from parcours.projections.runner import ProjectionRunner
from parcours.service.programmes import Programmes
from parcours.service.requests import Authorise, Request, SystemPrincipal
from parcours.settings import Settings
from parcours.store.eventstore import PilotStore
from parcours.store.keys import KeyStore

_CORRELATION: ContextVar[str] = ContextVar("parcours_correlation", default="")


class PipelineSteps:
    """The ports a pipeline holds (see `Pipeline`) and the steps that need no pilot."""

    def __init__(
        self,
        *,
        settings: Settings,
        clock: clocks.Clock,
        store: PilotStore,
        keys: KeyStore,
        projections: ProjectionRunner,
        programmes: Programmes,
        log: Any,
        authorise: Authorise,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.keys = keys
        self.projections = projections
        self.programmes = programmes
        self.log = log
        self.authorise = authorise
        self._system_key = object()

    # -- time and transactions --------------------------------------------------------------

    def now(self) -> datetime:
        return clocks.read(self.clock)

    def reading(self) -> Any:
        return self.store.reading()

    def writing(self) -> Any:
        return self.store.writing()

    def programme(self, programme_id: str) -> Programme:
        return self.programmes.get(programme_id)

    def event_count(self) -> int:
        """How many events the store holds (a rejected command must not change it)."""
        return int(self.store.recorder.max_notification_id() or 0)

    # -- who acts ------------------------------------------------------------------------------

    def system(self, name: str) -> SystemPrincipal:
        """The principal parcours' own scheduler (`system:scheduler`) or retention purge
        (`system:retention`) acts as; for those two and nothing else."""
        if name not in SYSTEM_PRINCIPALS:
            raise ValueError(f"not a system principal: {name!r}")
        return SystemPrincipal(name, self._system_key)

    def principal(self, actor: Any, command: str) -> tuple[str, bool]:
        """Step 1 for the actor: (principal id, is parcours' own system principal). A string
        is checked as an id (`inputs.check_actor`); a `SystemPrincipal` not made by this
        pipeline is refused."""
        if isinstance(actor, SystemPrincipal):
            if actor.key is self._system_key:
                return actor.name, True
            # Not ours: asked as a caller's string would be, so refused (and logged).
            self.authorise(Request(command, actor.name))
            raise AssertionError("a system: principal named by a caller was let through")
        return inp.check_actor(actor), False

    def authorise_kept(self, request: Request, *, fresh: bool = False) -> int | None:
        """Authorise a command on a pilot that confirms it under the pilot's lock: the grants
        version to compare there (`Authoriser.judge`), or None (nothing to confirm: an
        authorise step that keeps no facts, as a test may plug in, was asked in full)."""
        judge = getattr(self.authorise, "judge", None)
        if judge is None:
            self.authorise(request)
            return None
        seen: int | None = judge(request, fresh=fresh)
        return seen

    def permit(
        self,
        command: str,
        actor: Any,
        *,
        pilot_id: UUID | None = None,
        programme: str | None = None,
    ) -> Permit:
        """Authorise a read: the permit says whether personal values are masked (R12)."""
        principal, system = self.principal(actor, command)
        return self.authorise(
            Request(command, principal, pilot_id=pilot_id, programme=programme, system=system)
        )

    def permit_optional(self, command: str, actor: Any) -> Permit:
        """A cohort view without personal data: open to any principal holding a role; with no
        actor, the operator (the process that holds the database) reads."""
        return OPERATOR if actor is None else self.permit(command, actor)

    # -- the steps ----------------------------------------------------------------------------

    def act(
        self, actor: Any, programme: Programme, command_id: str | None = None, command: str = ""
    ) -> Act:
        """Step 1 for the acting principal: who acts, when, under which command id."""
        at = self.now()
        return Act(
            actor=inp.check_actor(actor),
            at=at,
            today=at.astimezone(programme.zone).date(),
            command_id=command_id or str(uuid4()),
            caller_command_id=command_id is not None,
            correlation_id=_CORRELATION.get(),
            command=command,
            experiment_ends=programme.experiment_ends,
        )

    @staticmethod
    def date(on: Any, act: Act, field: str = "on") -> date:
        """The act's business date: given, or the clock's date in the programme's zone.
        A date given after the end of the experiment is refused unless the act is one that
        remains (R2, judged on business dates: `domain.experiment`)."""
        if on is None:
            return act.today
        day = inp.check_date(field, on)
        if day <= act.today:  # a date after today is the aggregate's to refuse, as such
            experiment.refuse_after_the_end(act.command, day, act.experiment_ends)
        return day

    @contextmanager
    def correlation(self, correlation_id: str) -> Iterator[None]:
        """Stamp every command inside the block with this correlation id (a request id)."""
        token = _CORRELATION.set(inp.check_command_id(correlation_id))
        try:
            yield
        finally:
            _CORRELATION.reset(token)
