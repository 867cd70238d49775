"""Properties of the audit log over random histories: any two receipts, old and new, are joined
by a consistency proof that verifies; and after any single changed byte in any stored row the
log no longer verifies against the receipt taken before."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select, update

from parcours import Parcours
from parcours.audit.receipts import Receipt
from parcours.settings import Settings
from parcours.store import log, merkle
from parcours.store.chain import chain
from tests.support.roles import REFERENT_ID, staffed
from tests.support.scenarios import in_diagnostic

# One step of a history: a new pilot, time logged on pilot n, a checkpoint, or a receipt.
STEP = st.one_of(
    st.just(("enroll", 0)),
    st.tuples(st.just("log"), st.integers(0, 5)),
    st.just(("checkpoint", 0)),
    st.just(("receipt", 0)),
)


def play(steps: list[tuple[str, int]]) -> tuple[Parcours, list[Receipt]]:
    app = staffed(Parcours(settings=Settings(snapshot_interval=4)))
    pilots = [in_diagnostic(app)]
    receipts = [Receipt.model_validate(app.audit_receipt())]
    for kind, n in steps:
        if kind == "enroll":
            pilots.append(in_diagnostic(app))
        elif kind == "log":
            pilot = pilots[n % len(pilots)]
            app.log_time(pilot, days=0.5, on=date(2024, 10, 8), actor=REFERENT_ID, command_id=None)
        elif kind == "checkpoint":
            app.checkpoint_audit_trail()
        else:
            receipts.append(Receipt.model_validate(app.audit_receipt()))
    receipts.append(Receipt.model_validate(app.audit_receipt()))
    return app, receipts


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, max_size=25), st.data())
def test_any_two_receipts_are_joined_by_a_consistency_proof(
    steps: list[tuple[str, int]], data: st.DataObject
) -> None:
    app, receipts = play(steps)
    try:
        old, new = sorted(
            data.draw(st.lists(st.sampled_from(receipts), min_size=2, max_size=2)),
            key=lambda r: r.size,
        )
        with app.pipeline.reading() as session:
            proof = merkle.consistency_proof(log.StoredTree(session), old.size, new.size)
        assert merkle.verify_consistency(old.size, new.size, old.root_bytes, new.root_bytes, proof)
        assert app.verify_audit_trail(receipt=old.document()).ok
    finally:
        app.close_connections()


def _blobs(app: Parcours) -> list[tuple[Table, str, list[Any], dict[str, Any]]]:
    """Every stored binary value a forger could change: (table, column, key columns, key)."""
    store = app.pipeline.store
    snapshots = store.snapshots_table
    assert snapshots is not None
    found = []
    with store.reading() as session:
        for table, column, keys in (
            (store.events_table, "state", ["originator_id", "originator_version"]),
            (snapshots, "state", ["originator_id", "originator_version"]),
            (log.leaves, "hash", ["leaf_index"]),
            (log.leaves, "data", ["leaf_index"]),
            (log.nodes, "hash", ["level", "idx"]),
            (chain, "hash", ["originator_id", "originator_version"]),
        ):
            for row in session.execute(select(table)).mappings():
                if row[column]:  # a forger changes bytes that exist
                    found.append((table, column, keys, dict(row)))
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=12), st.data())
def test_any_single_changed_byte_breaks_the_log_against_its_receipt(
    steps: list[tuple[str, int]], data: st.DataObject
) -> None:
    app, receipts = play(steps)
    try:
        table, column, keys, row = data.draw(st.sampled_from(_blobs(app)))
        value = bytearray(row[column])
        at = data.draw(st.integers(0, len(value) - 1))
        value[at] ^= data.draw(st.integers(1, 255))
        with app.pipeline.store.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(*[table.c[k] == row[k] for k in keys])
                .values({column: bytes(value)})
            )
        assert not app.verify_audit_trail(receipt=receipts[-1].document()).ok
    finally:
        app.close_connections()
