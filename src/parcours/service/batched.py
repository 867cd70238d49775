"""One act on many pilots in one transaction: the scheduler's tick over a cohort that falls
due at once (issue 23). The steps of `Pipeline.run`, for a batch:

1. **validate** the principal (parcours' own, `Pipeline.principal`);
2. **lock** every pilot of the batch, in sorted order (PostgreSQL: transaction-level
   advisory locks, the same as a command's, so a command on one of them waits; SQLite: the
   transaction is `BEGIN IMMEDIATE`, writers already wait for each other);
3. **load** them all with one query of their events, folded from version 1 (never from a
   snapshot, as `Pipeline.load`);
4. **authorise** once per programme of the batch (R15: a system principal's right depends on
   the act and the programme's table, not on the pilot);
5. **decide** for each pilot (the aggregate refuses a second copy of a fact);
6. **append** every pilot's events with optimistic concurrency and their chain links and
   audit-log leaves (`store.save(*pilots)`), the timeline rows, the caller's rows and the
   read models, in **one transaction**.

A conflict with another writer rolls the whole batch back and `run_batch` returns None: the
caller runs each pilot on its own through `Pipeline.run`, which retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.orm import Session

from parcours.domain import experiment
from parcours.domain.pilot import Act, Pilot
from parcours.projections.runner import PageDecoder
from parcours.service.pipeline import _CONFLICTS, Pipeline
from parcours.service.requests import Request
from parcours.store import direct, queue
from parcours.store.pairs import array_text

T = TypeVar("T")
Decided = list[tuple[Pilot, Act, T]]


def load_many(pipeline: Pipeline, session: Session, pilot_ids: Sequence[UUID]) -> list[Pilot]:
    """The pilots, folded from their events read in one query (unknown ids are left out).

    Each row is decoded as the rebuild of the read models decodes it (`PageDecoder`: the
    mapper's work without a `StoredEvent` and a converter lookup per event) and folded at
    once, as eventsourcing's `project_aggregate` does without its runtime check of a
    Protocol on every event (half the cost of a fold); the events' `mutate` is the same."""
    if not pilot_ids:
        return []
    pilots = []
    found: Any = None
    current = None
    for _, event in PageDecoder(pipeline.store.mapper).events(
        _event_rows(pipeline, session, pilot_ids)
    ):
        # the rows come in the order of the pilots' ids; the decoder makes one UUID a pilot
        ident = event.originator_id
        if ident is not current and ident != current:
            if isinstance(found, Pilot):
                pilots.append(found)
            found, current = None, ident
        found = event.mutate(found)
    if isinstance(found, Pilot):
        pilots.append(found)
    return pilots


def _event_rows(pipeline: Pipeline, session: Session, pilot_ids: Sequence[UUID]) -> Iterable[Any]:
    """(row id, raw pilot id, version, topic, state) of every event of the pilots, in
    order, read on the driver: SQLAlchemy's result made each of a batch's 30,000 rows
    through its row machinery, twice the driver's own time (benchmarks/PROFILE.md)."""
    table = pipeline.store.events_table.fullname
    if pipeline.store.dialect == "postgresql":
        # in the binary format (store/direct.py): a third of the read
        sql = (
            "SELECT id, originator_id, originator_version, topic, state "
            f"FROM {table} WHERE originator_id = ANY(%s::uuid[]) "  # untyped: see array_of
            "ORDER BY originator_id, originator_version"
        )
        return direct.binary_rows(session, sql, (array_text(pilot_ids),), by_index=True)
    rows: list[Any] = []
    # SQLite's ids are their 16 bytes (sqlalchemy-utils' UUIDType); a statement binds at
    # most 32,766 values
    for start in range(0, len(pilot_ids), _IDS_A_READ):
        ids = [pilot.bytes for pilot in pilot_ids[start : start + _IDS_A_READ]]
        sql = (
            "SELECT id, originator_id, originator_version, topic, state "
            f"FROM {table} WHERE originator_id IN ({', '.join('?' * len(ids))}) "
            "ORDER BY originator_id, originator_version"
        )
        rows.extend(direct.driver_rows(session, sql, ids))
    return rows


_IDS_A_READ = 10_000


def run_batch(
    pipeline: Pipeline,
    command: str,
    actor: Any,
    pilot_ids: Sequence[UUID],
    decide: Callable[[Pilot, Act], T],
    rows: Callable[[Session, Decided[T]], None],
) -> dict[UUID, T] | None:
    """Run `command` on every pilot of `pilot_ids` in one transaction: `decide(pilot, act)`
    on each, then `rows(session, decided)` writes the caller's rows for them all. None when
    another writer got there first (nothing of the batch is kept)."""
    principal, system = pipeline.principal(actor, command)
    store = pipeline.store
    try:
        with pipeline.writing() as session:
            store.lock_pilots(session, list(pilot_ids))
            pilots = load_many(pipeline, session, pilot_ids)
            for programme in sorted({p.programme for p in pilots}):
                pipeline.authorise(Request(command, principal, programme=programme, system=system))
            decided: Decided[T] = []
            for pilot in pilots:
                experiment.refuse_once_ended(command, pilot.experiment_ended_on, pilot.phase)
                act = pipeline.act(principal, pipeline.programme(pilot.programme), None, command)
                decided.append((pilot, act, decide(pilot, act)))
            rows(session, decided)
            queue.record_versions(
                session,
                [(str(p.id), p.version, act.at) for p, act, _ in decided if p.pending_events],
            )
            recordings = store.save(*pilots)
            if pipeline.settings.project_after_commands:
                pipeline.projections.fold_recorded(session, recordings)
    except _CONFLICTS:
        pipeline.log.info("conflict.batch", command=command, pilots=len(pilot_ids))
        return None
    pipeline.log.info("command.batch", command=command, pilots=len(decided), actor=principal)
    return {pilot.id: result for pilot, _, result in decided}
