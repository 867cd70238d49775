"""The service core: configuration, the command pipeline (validate, load, decide, store in one
transaction, retry), and the helpers every part of `Parcours` shares."""

from __future__ import annotations

import random
import time as clock_time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from sqlalchemy import MetaData, delete, inspect, select
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.orm import Session

from parcours import clock as clocks
from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.domain.rex import RexSession
from parcours.errors import ConcurrencyConflict, InvalidInput, PilotNotFound, ProgrammeError
from parcours.logs import get_logger
from parcours.privacy.keys import KeyStore
from parcours.programme import Programme, builtin_ids, load_programme
from parcours.projections.board import board
from parcours.projections.pilots import METADATA as PILOT_INDEX_METADATA
from parcours.projections.pilots import PilotIndex
from parcours.projections.projects import METADATA as PROJECT_METADATA
from parcours.projections.projects import ProjectIndex, RexSessionIndex
from parcours.projections.runner import PositionMoved, ProjectionRunner
from parcours.scheduler import queue
from parcours.settings import Settings
from parcours.store import ledger
from parcours.store.eventstore import PilotStore
from parcours.store.schema import METADATA
from parcours.store.schema import programmes as programme_table

T = TypeVar("T")
_CORRELATION: ContextVar[str] = ContextVar("parcours_correlation", default="")
Write = Callable[[Session], object]
MAX_ATTEMPTS = 8


class ServiceCore:
    """What every part of `Parcours` stands on: the store, the clock, the pipeline."""

    def __init__(
        self,
        url: str | None = None,
        clock: clocks.Clock | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        base = settings or Settings()  # no URL: in-memory SQLite
        self.settings = base if url is None else base.model_copy(update={"url": url})
        self.clock: clocks.Clock = clock or clocks.system_clock
        self._log = get_logger()
        self._store = PilotStore(self.settings.url, self.settings.snapshot_interval)
        self._create_tables((METADATA, PILOT_INDEX_METADATA, PROJECT_METADATA))
        self._projections = ProjectionRunner(
            self._store, [PilotIndex(), ProjectIndex(), RexSessionIndex()], name="read_models"
        )
        with self._write() as session:
            self._keys = KeyStore.open(session, self.settings.master_key_bytes())
        self._programmes: dict[str, Programme] = {}
        self._load_registered_programmes()

    # -- infrastructure ---------------------------------------------------------------------

    def _create_tables(self, metadatas: tuple[MetaData, ...]) -> None:
        """Our tables, and the indexes added to tables that exist already: create_all skips
        those, so the dashboard's covering index would never reach a database made by an
        earlier version. One catalogue read per indexed table, not one per index."""
        engine = self._store.engine
        for metadata in metadatas:
            metadata.create_all(engine)
        catalogue = inspect(engine)
        for metadata in metadatas:
            for table in metadata.sorted_tables:
                if not table.indexes:
                    continue
                present = {index["name"] for index in catalogue.get_indexes(table.name)}
                for index in table.indexes:
                    if index.name not in present:
                        index.create(engine)

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

    def event_count(self) -> int:
        """How many events the store holds (a rejected command must not change it)."""
        return int(self._store.recorder.max_notification_id() or 0)

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
            # Kept dashboard rows were judged under the old definition.
            session.execute(delete(board))
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
        ident = as_uuid(pilot_id, "pilot")
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
        if row.command != command or row.pilot_id != str(as_uuid(pilot_id, "pilot")):
            raise InvalidInput(
                "command_id", f"already used for {row.command} on pilot {row.pilot_id}"
            )
        return True, None if row.result is None else UUID(row.result)

    def _bookkeeping(
        self, pilot: Pilot, act: Act, command: str, result: Any, reschedule: bool
    ) -> list[Write]:
        pilot_id = str(pilot.id)
        writes: list[Write] = []
        version = pilot.version
        if reschedule and pilot.pending_events:
            writes.append(
                partial(queue.record_and_reschedule, pilot_id=pilot_id, version=version, at=act.at)
            )
        elif reschedule:
            writes.append(partial(queue.schedule, pilot_id=pilot_id, at=queue.ASAP))
        elif pilot.pending_events:
            writes.append(
                partial(ledger.record_version, pilot_id=pilot_id, version=version, at=act.at)
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
                recordings = self._store.save(pilot)
                if self.settings.project_after_commands:
                    self._projections.fold_recorded(session, recordings)
        except (IntegrityError, SAIntegrityError, PositionMoved):
            return False
        return True

    def _date(self, on: Any, act: Act, field: str = "on") -> date:
        return act.today if on is None else inp.check_date(field, on)


def as_uuid(value: Any, what: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput(what, "not an id (expected a UUID)") from None
