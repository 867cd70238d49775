"""The audit log: every stored event, ledger row, programme definition and checkpoint is a
leaf with a dense index of its own, appended in the transaction that writes it."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from parcours import Parcours
from parcours.programme import load_programme
from parcours.store import log, merkle
from parcours.store.schema import commands
from tests.conftest import Clock
from tests.support.roles import REFERENT_ID, staffed
from tests.support.scenarios import LEAD, in_deployment, in_diagnostic

FIXTURE = Path(__file__).parents[2] / "fixtures" / "round1.db"


def leaves(app: Parcours) -> list[Any]:
    with app.pipeline.reading() as session:
        return log.leaf_rows(session, 0, 1_000_000)


def recomputed_root(app: Parcours) -> bytes:
    """The root made from the stored events and rows themselves, leaf by leaf."""
    store = app.pipeline.store
    tree = merkle.MemoryTree()
    for row in leaves(app):
        if row.kind == "event":
            (stored,) = store.recorder.select_events(
                UUID(row.ref), gt=row.version - 1, lte=row.version
            )
            covered = log.event_bytes(UUID(row.ref), row.version, stored.topic, stored.state)
        elif row.kind == "snapshot":
            assert store.snapshots is not None
            (snapshot,) = store.snapshots.recorder.select_events(
                UUID(row.ref), gt=row.version - 1, lte=row.version
            )
            covered = log.snapshot_bytes(UUID(row.ref), row.version, snapshot.topic, snapshot.state)
        else:
            covered = log.record_bytes(row.kind, row.data)
        assert merkle.leaf_hash(covered) == row.hash
        tree.append(merkle.leaf_hash(covered))
    return tree.root()


def stored_root(app: Parcours) -> tuple[int, bytes]:
    with app.pipeline.reading() as session:
        size = log.size(session)
        return size, log.root(session, size)


def test_every_event_is_a_leaf_with_a_dense_index_of_its_own(app: Parcours) -> None:
    in_deployment(app)
    in_diagnostic(app)

    rows = leaves(app)
    assert [r.leaf_index for r in rows] == list(range(len(rows)))
    assert [r.kind for r in rows].count("event") == app.event_count()
    size, root = stored_root(app)
    assert size == len(rows)
    assert root == recomputed_root(app)


def test_a_rolled_back_transaction_leaves_no_gap(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    store = app.pipeline.store

    def append_then_fail() -> None:
        with store.writing() as session:
            store.audit_log.append_records(session, [log.record_entry("note", "x", b"gone")])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        append_then_fail()
    app.log_time(pilot, days=1, on=date(2024, 10, 8), actor=REFERENT_ID)

    rows = leaves(app)
    assert [r.leaf_index for r in rows] == list(range(len(rows)))
    assert b"gone" not in [r.data for r in rows]
    assert stored_root(app)[1] == recomputed_root(app)


def test_a_ledger_row_points_at_the_events_it_produced_and_is_a_leaf(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.log_time(pilot, days=1, on=date(2024, 10, 8), actor=REFERENT_ID, command_id="time-1")
    version = app.get_pilot(pilot, actor=LEAD).version

    with app.pipeline.reading() as session:
        row = session.execute(select(commands).where(commands.c.command_id == "time-1")).one()
    assert (row.first_version, row.last_version) == (version, version)
    last = leaves(app)[-2:]
    assert [(r.kind, r.ref, r.version) for r in last] == [
        ("event", str(pilot), version),
        ("command", "time-1", version),
    ]


def test_programme_definitions_and_checkpoints_are_leaves(app: Parcours, tmp_path: Path) -> None:
    in_diagnostic(app)
    programme = load_programme("grand-est-2024").model_copy(update={"id": "essai-2025"})
    app.register_programme(programme)
    app.checkpoint_audit_trail()

    kinds = [(r.kind, r.ref) for r in leaves(app)][-2:]
    assert kinds[0] == ("programme", "essai-2025")
    assert kinds[1][0] == "checkpoint"
    assert stored_root(app)[1] == recomputed_root(app)


def test_an_older_store_is_backfilled_once_when_opened(tmp_path: Path, clock: Clock) -> None:
    copy = tmp_path / "round1.db"
    shutil.copyfile(FIXTURE, copy)
    app = Parcours(f"sqlite:///{copy}", clock=clock)  # opened only: no grant yet
    rows = leaves(app)
    app.close_connections()
    assert [r.kind for r in rows].count("event") == 144
    assert [r.kind for r in rows].count("snapshot") == 1
    assert rows[-1].kind == "note"
    assert b'"backfill"' in rows[-1].data

    again = Parcours(f"sqlite:///{copy}", clock=clock)
    try:
        assert len(leaves(again)) == len(rows)  # once: not a second time
        staffed(again)  # an old store has no roles: the agency's first grant opens it
        pilot = again.list_pilots()[0].id
        again.record_follow_up(pilot, on=date(2025, 6, 3), actor=LEAD)
        assert [r.leaf_index for r in leaves(again)] == list(range(len(leaves(again))))
        assert leaves(again)[-1].kind == "event"
        assert stored_root(again)[1] == recomputed_root(again)
    finally:
        again.close_connections()


def test_writers_in_two_applications_keep_the_log_dense(db_url: str, clock: Clock) -> None:
    apps = [staffed(Parcours(db_url, clock=clock)) for _ in range(2)]
    pilots = [in_diagnostic(app) for app in apps]

    def work(app: Parcours, pilot: UUID) -> None:
        for _ in range(15):
            app.log_time(pilot, days=0.5, on=date(2024, 10, 8), actor=REFERENT_ID)

    threads = [threading.Thread(target=work, args=pair) for pair in zip(apps, pilots, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        rows = leaves(apps[0])
        assert [r.leaf_index for r in rows] == list(range(len(rows)))
        assert len(rows) == apps[0].event_count()
        assert stored_root(apps[0])[1] == recomputed_root(apps[0])
    finally:
        for app in apps:
            app.close_connections()


def test_an_edge_remembered_before_another_process_appended_is_not_trusted(
    db_url: str, clock: Clock
) -> None:
    """Each process remembers the log's right edge and appends the next leaf only where the
    log's last index is the one before it: after another process appended, the insert
    inserts nothing, the edge is read again, and the log stays dense with the right root."""
    first, second = (staffed(Parcours(db_url, clock=clock)) for _ in range(2))
    try:
        pilot = in_diagnostic(first)
        for app in (first, second, first, second, first):
            app.log_time(pilot, days=0.5, on=date(2024, 10, 8), actor=REFERENT_ID)
        rows = leaves(first)
        assert [r.leaf_index for r in rows] == list(range(len(rows)))
        assert stored_root(first)[1] == recomputed_root(first)
        assert stored_root(second) == stored_root(first)
    finally:
        first.close_connections()
        second.close_connections()
