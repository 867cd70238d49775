"""A batch's reads and writes on the driver (issue 23, a mass-due tick): many pilots loaded
in one read, their events inserted in one `executemany` and their notification ids read
back by the primary key. The ids must be each row's own, in the order of the events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, text

from parcours import Parcours
from parcours.domain.pilot import Act
from parcours.service import batched
from parcours.service.batched import load_many
from parcours.service.pipeline import _CONFLICTS
from parcours.store import outbox, schema
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import in_diagnostic

DAY = date(2024, 10, 8)


def _act(app: Parcours) -> Act:
    now = app.clock()
    return Act(actor="test:batch", at=now, today=now.date(), command_id=str(uuid4()))


def test_a_batch_loads_each_pilot_as_a_command_would(
    app: Parcours, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batched, "_IDS_A_READ", 2)  # SQLite reads the ids two at a time
    pilots = [in_diagnostic(app) for _ in range(3)]
    app.log_time(pilots[1], days=0.5, on=DAY, actor=REFERENT_ID)
    pipeline = app.pipeline
    with pipeline.writing() as session:
        # an id that is nobody's is left out; the order of the ids does not matter
        loaded = load_many(pipeline, session, [pilots[2], uuid4(), pilots[0], pilots[1]])
    assert sorted(p.id for p in loaded) == sorted(pilots)
    for pilot in loaded:
        assert vars(pilot) == vars(pipeline.load(pilot.id))


def test_a_batchs_events_get_the_ids_of_their_own_rows(app: Parcours) -> None:
    ids = [in_diagnostic(app) for _ in range(4)]
    app.log_time(ids[0], days=0.5, on=DAY, actor=REFERENT_ID)  # one more before the batch
    pipeline = app.pipeline
    store = pipeline.store
    with pipeline.writing() as session:
        store.lock_pilots(session, ids)
        pilots = load_many(pipeline, session, ids)
        for n, pilot in enumerate(pilots):
            for _ in range(n + 1):  # 1, 2, 3, 4 events: rows of several pilots interleave
                pilot.log_time(_act(app), DAY, 0.25)
        recordings = store.save(*pilots)
    assert len(recordings) == 10
    events = store.events_table
    with store.engine.connect() as connection:
        rows = {
            int(row.id): (row.originator_id, row.originator_version)
            for row in connection.execute(
                select(events.c.id, events.c.originator_id, events.c.originator_version)
            )
        }
    for recording in recordings:
        event = recording.domain_event
        assert rows[recording.notification.id] == (event.originator_id, event.originator_version)
    numbers = [recording.notification.id for recording in recordings]
    assert numbers == sorted(numbers)
    assert max(numbers) == max(rows)


def test_a_batch_that_lost_a_race_keeps_nothing(app: Parcours) -> None:
    """A pilot written by a command after the batch read it: the batch's insert (COPY on
    PostgreSQL, one executemany elsewhere) meets its unique (pilot, version) and the whole
    batch rolls back as a conflict (the tick then runs each pilot on its own)."""
    ids = [in_diagnostic(app) for _ in range(3)]
    pipeline = app.pipeline
    store = pipeline.store
    with pipeline.writing() as session:
        stale = load_many(pipeline, session, ids)
    app.log_time(ids[2], days=0.5, on=DAY, actor=REFERENT_ID)  # the race, won by a command
    versions = [pipeline.load(pilot).version for pilot in ids]
    for pilot in stale:
        pilot.log_time(_act(app), DAY, 0.25)
        pilot.log_time(_act(app), DAY, 0.25)
    with pytest.raises(_CONFLICTS), pipeline.writing():
        store.save(*stale)
    assert [pipeline.load(pilot).version for pilot in ids] == versions
    assert app.verify_audit_trail().ok


def _row_above_the_sequence(app: Parcours, table: str, values: str) -> None:
    """A row written by hand (or restored with its ids) far above the ids the database
    gives out: PostgreSQL's sequence does not move, SQLite's next rowid follows it."""
    with app.pipeline.store.engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {table} VALUES ({values})"))


def test_a_batch_after_a_row_written_above_the_ids_still_gets_its_own(app: Parcours) -> None:
    ids = [in_diagnostic(app) for _ in range(3)]
    store = app.pipeline.store
    stranger = uuid4().hex if store.dialect == "sqlite" else str(uuid4())
    raw = f"X'{stranger}'" if store.dialect == "sqlite" else f"'{stranger}'"
    state = "X'7b7d'" if store.dialect == "sqlite" else "'{}'::bytea"
    _row_above_the_sequence(app, "parcours_events", f"1000000000, {raw}, 1, 'x', {state}")
    pipeline = app.pipeline
    with pipeline.writing() as session:
        pilots = load_many(pipeline, session, ids)
        for pilot in pilots:
            pilot.log_time(_act(app), DAY, 0.25)
            pilot.log_time(_act(app), DAY, 0.25)
        recordings = store.save(*pilots)
    with store.engine.connect() as connection:
        for recording in recordings:
            event = recording.domain_event
            found = connection.execute(
                select(
                    store.events_table.c.originator_id, store.events_table.c.originator_version
                ).where(store.events_table.c.id == recording.notification.id)
            ).one()
            assert tuple(found) == (event.originator_id, event.originator_version)


@dataclass(frozen=True)
class _Fact:
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    offset: int
    observed: str


def test_a_batchs_notices_after_a_row_written_above_the_ids(app: Parcours) -> None:
    _row_above_the_sequence(
        app,
        "parcours_outbox (id, pilot_id, kind, rule, due, detail, attempts)",
        "1000000000, 'someone', 'reminder', 'R3', '2024-12-02', '{}', 0",
    )
    pilots = [uuid4() for _ in range(10)]
    facts = [_Fact(p, "reminder", "R3", date(2024, 12, 2), 0, "") for p in pilots]
    lease = outbox.Lease("test-holder", datetime(2024, 12, 2, 12, tzinfo=UTC))
    with app.pipeline.writing() as session:
        claims = outbox.put_many(session, facts, lease)
    assert [c.pilot_id for c in claims] == pilots
    with app.pipeline.store.engine.connect() as connection:
        for claim in claims:
            row = connection.execute(
                select(schema.outbox.c.pilot_id).where(schema.outbox.c.id == claim.id)
            ).one()
            assert row.pilot_id == str(claim.pilot_id)
