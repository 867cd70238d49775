"""An attacker with write access to the database, against an auditor holding a receipt.

Each tampering below is done with plain SQL on the stored rows, on SQLite and on PostgreSQL,
after a receipt was taken; `verify_audit_trail(receipt=…)` must report it, and say where.
The untouched store, and a store after erasure and purge, must verify.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from parcours import Parcours
from parcours.audit import keys
from parcours.audit.receipts import Receipt
from parcours.settings import Settings
from parcours.store import log, merkle
from parcours.store.chain import GENESIS, chain, link
from parcours.store.schema import audit_checkpoints, commands
from tests.conftest import Clock
from tests.support.roles import REFERENT_ID, staffed
from tests.support.scenarios import LEAD, in_deployment


class Store:
    """Two pilots in deployment, a command with the caller's id, a checkpoint, snapshots every
    5 events, and a receipt the auditor took then."""

    def __init__(self, url: str, clock: Clock, key: Path) -> None:
        self.settings = Settings(url=url, snapshot_interval=5, audit_key=str(key))
        self.clock = clock
        self.app = staffed(Parcours(settings=self.settings, clock=clock))
        self.a, _ = in_deployment(self.app)
        self.b, _ = in_deployment(self.app)
        self.app.log_time(
            self.a, days=1, on=date(2025, 3, 10), actor=REFERENT_ID, command_id="cmd-a-1"
        )
        self.app.checkpoint_audit_trail()
        self.receipt = self.app.audit_receipt()
        self.last_a = self.app.get_pilot(self.a, actor=LEAD).version

    @property
    def events(self) -> Table:
        return self.app.pipeline.store.events_table

    @property
    def snapshots(self) -> Table:
        table = self.app.pipeline.store.snapshots_table
        assert table is not None
        return table

    def sql(self, action: Callable[[Connection], object]) -> None:
        with self.app.pipeline.store.engine.begin() as connection:
            action(connection)

    def event(self, c: Connection, pilot: UUID, version: int) -> Any:
        return c.execute(
            select(self.events).where(
                self.events.c.originator_id == pilot, self.events.c.originator_version == version
            )
        ).one()

    def set_state(self, c: Connection, pilot: UUID, version: int, **values: Any) -> None:
        c.execute(
            update(self.events)
            .where(
                self.events.c.originator_id == pilot, self.events.c.originator_version == version
            )
            .values(**values)
        )

    def verify(self, receipt: Any = None) -> Any:
        fresh = staffed(Parcours(settings=self.settings, clock=self.clock))  # no cache of what was
        try:
            return fresh.verify_audit_trail(receipt=receipt or self.receipt)
        finally:
            fresh.close_connections()


@pytest.fixture
def store(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[Store]:
    made = Store(db_url, clock, tmp_path / "audit-key.pem")
    yield made
    made.app.close_connections()


def flipped(data: bytes, at: int = 10) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def rechain(s: Store, c: Connection, pilot: UUID) -> None:
    previous = GENESIS
    for row in c.execute(
        select(s.events)
        .where(s.events.c.originator_id == pilot)
        .order_by(s.events.c.originator_version)
    ):
        previous = link(previous, pilot, row.originator_version, row.topic, bytes(row.state))
        c.execute(
            update(chain)
            .where(chain.c.originator_id == str(pilot))
            .where(chain.c.originator_version == row.originator_version)
            .values(hash=previous)
        )


def relog(s: Store, c: Connection) -> None:
    """The careful forger: every leaf hash and tree row recomputed from the rows as they are."""
    tree = merkle.MemoryTree()
    for row in c.execute(select(log.leaves).order_by(log.leaves.c.leaf_index)).all():
        if row.kind == "event":
            stored = s.event(c, UUID(row.ref), row.version)
            covered = log.event_bytes(UUID(row.ref), row.version, stored.topic, stored.state)
        elif row.kind == "snapshot":
            stored = c.execute(
                select(s.snapshots).where(
                    s.snapshots.c.originator_id == UUID(row.ref),
                    s.snapshots.c.originator_version == row.version,
                )
            ).one()
            covered = log.snapshot_bytes(UUID(row.ref), row.version, stored.topic, stored.state)
        else:
            covered = log.record_bytes(row.kind, bytes(row.data))
        digest = merkle.leaf_hash(covered)
        tree.append(digest)
        c.execute(
            update(log.leaves).where(log.leaves.c.leaf_index == row.leaf_index).values(hash=digest)
        )
    c.execute(delete(log.nodes))
    rows = [
        {"level": level, "idx": index, "hash": digest}
        for level in range(1, len(tree.levels))
        for index, digest in enumerate(tree.levels[level])
    ]
    c.execute(insert(log.nodes), rows)


# -- the tamperings: each returns what the first finding must say ---------------------------


def flip_a_byte_of_an_event(s: Store, c: Connection) -> tuple[UUID, int]:
    s.set_state(c, s.a, 4, state=flipped(bytes(s.event(c, s.a, 4).state)))
    return s.a, 4


def flip_a_byte_of_a_snapshot(s: Store, c: Connection) -> tuple[UUID, int]:
    row = c.execute(select(s.snapshots).where(s.snapshots.c.originator_id == s.a)).first()
    c.execute(
        update(s.snapshots)
        .where(s.snapshots.c.originator_id == s.a)
        .where(s.snapshots.c.originator_version == row.originator_version)
        .values(state=flipped(bytes(row.state), 60))
    )
    return s.a, row.originator_version


def edit_a_snapshot_state(s: Store, c: Connection) -> tuple[UUID, int]:
    row = c.execute(select(s.snapshots).where(s.snapshots.c.originator_id == s.a)).first()
    state = re.sub(rb'"phase":"[a-z_]+"', b'"phase":"closed"', bytes(row.state))
    c.execute(
        update(s.snapshots)
        .where(s.snapshots.c.originator_id == s.a)
        .where(s.snapshots.c.originator_version == row.originator_version)
        .values(state=state)
    )
    return s.a, row.originator_version


def flip_a_byte_of_a_chain_row(s: Store, c: Connection) -> tuple[UUID, int]:
    found = c.execute(
        select(chain.c.hash).where(
            chain.c.originator_id == str(s.a), chain.c.originator_version == 3
        )
    ).scalar_one()
    c.execute(
        update(chain)
        .where(chain.c.originator_id == str(s.a), chain.c.originator_version == 3)
        .values(hash=flipped(bytes(found), 0))
    )
    return s.a, 3


def flip_a_byte_of_a_tree_row(s: Store, c: Connection) -> None:
    row = c.execute(select(log.nodes).order_by(log.nodes.c.level.desc())).first()
    c.execute(
        update(log.nodes)
        .where(log.nodes.c.level == row.level, log.nodes.c.idx == row.idx)
        .values(hash=flipped(bytes(row.hash), 0))
    )


def flip_a_byte_of_a_leaf_row(s: Store, c: Connection) -> tuple[UUID, int]:
    row = c.execute(
        select(log.leaves).where(log.leaves.c.ref == str(s.b), log.leaves.c.version == 2)
    ).one()
    c.execute(
        update(log.leaves)
        .where(log.leaves.c.leaf_index == row.leaf_index)
        .values(hash=flipped(bytes(row.hash), 0))
    )
    return s.b, 2


def delete_an_event(s: Store, c: Connection) -> tuple[UUID, int]:
    c.execute(
        delete(s.events).where(s.events.c.originator_id == s.a, s.events.c.originator_version == 3)
    )
    return s.a, 3


def reorder_two_events(s: Store, c: Connection) -> tuple[UUID, int]:
    five, six = s.event(c, s.a, 5), s.event(c, s.a, 6)
    s.set_state(c, s.a, 5, topic=six.topic, state=six.state)
    s.set_state(c, s.a, 6, topic=five.topic, state=five.state)
    return s.a, 5


def insert_an_event(s: Store, c: Connection) -> tuple[UUID, int]:
    copy = s.event(c, s.a, 4)
    c.execute(
        insert(s.events).values(
            originator_id=s.a, originator_version=s.last_a + 1, topic=copy.topic, state=copy.state
        )
    )
    return s.a, s.last_a + 1


def duplicate_an_event_with_its_leaf(s: Store, c: Connection) -> tuple[UUID, int]:
    """A copy appended as a new version with a well-formed leaf: only the chain catches it."""
    copy = s.event(c, s.b, 2)
    top = c.execute(
        select(func.max(s.events.c.originator_version)).where(s.events.c.originator_id == s.b)
    ).scalar_one()
    after = int(top) + 1  # appended as the pilot's next version
    c.execute(
        insert(s.events).values(
            originator_id=s.b, originator_version=after, topic=copy.topic, state=copy.state
        )
    )
    size = log.size(c)  # type: ignore[arg-type]
    c.execute(
        insert(log.leaves).values(
            leaf_index=size,
            kind="event",
            ref=str(s.b),
            version=after,
            data=None,
            hash=merkle.leaf_hash(log.event_bytes(s.b, after, copy.topic, copy.state)),
        )
    )
    relog(s, c)
    return s.b, after


def truncate_the_tail_of_one_pilot(s: Store, c: Connection) -> tuple[UUID, int]:
    c.execute(
        delete(s.events).where(
            s.events.c.originator_id == s.a, s.events.c.originator_version == s.last_a
        )
    )
    c.execute(
        delete(chain).where(
            chain.c.originator_id == str(s.a), chain.c.originator_version == s.last_a
        )
    )
    c.execute(
        delete(log.leaves).where(log.leaves.c.ref == str(s.a), log.leaves.c.version == s.last_a)
    )
    return s.a, s.last_a


def truncate_the_tail_of_the_whole_log(s: Store, c: Connection) -> None:
    """The last leaves, their rows, the tree above them: everything, as if never written."""
    size = log.size(c)  # type: ignore[arg-type]
    cut = size - 3
    for row in c.execute(select(log.leaves).where(log.leaves.c.leaf_index >= cut)).all():
        if row.kind == "event":
            pilot = UUID(row.ref)
            c.execute(
                delete(s.events).where(
                    s.events.c.originator_id == pilot,
                    s.events.c.originator_version == row.version,
                )
            )
            c.execute(
                delete(chain).where(
                    chain.c.originator_id == row.ref, chain.c.originator_version == row.version
                )
            )
        elif row.kind == "command":
            c.execute(delete(commands).where(commands.c.command_id == row.ref))
        elif row.kind == "checkpoint":
            c.execute(delete(audit_checkpoints).where(audit_checkpoints.c.id == int(row.ref)))
    c.execute(delete(log.leaves).where(log.leaves.c.leaf_index >= cut))
    relog(s, c)


def recompute_the_chain_after_an_edit(s: Store, c: Connection) -> tuple[UUID, int]:
    # version 3: the referent's designation (version 2 is the referent's grant, R15)
    state = bytes(s.event(c, s.a, 3).state).replace(b"operational", b"Operational")
    s.set_state(c, s.a, 3, state=state)
    rechain(s, c, s.a)
    return s.a, 3


def recompute_chain_leaves_and_tree_after_an_edit(s: Store, c: Connection) -> None:
    state = bytes(s.event(c, s.a, 3).state).replace(b"operational", b"Operational")
    s.set_state(c, s.a, 3, state=state)
    rechain(s, c, s.a)
    relog(s, c)


def rewrite_a_checkpoint(s: Store, c: Connection) -> str:
    row = c.execute(select(audit_checkpoints)).first()
    c.execute(
        update(audit_checkpoints)
        .where(audit_checkpoints.c.id == row.id)
        .values(heads=row.heads.replace('"', "'", 2))
    )
    return "checkpoint"


def delete_the_checkpoints(s: Store, c: Connection) -> str:
    c.execute(delete(audit_checkpoints))
    return "checkpoint"


def forge_a_ledger_row(s: Store, c: Connection) -> str:
    c.execute(
        insert(commands).values(
            command_id="forged-1",
            command="log_time",
            pilot_id=str(s.a),
            result=None,
            recorded_at=datetime(2025, 3, 10),
        )
    )
    return "command"


def delete_a_ledger_row(s: Store, c: Connection) -> str:
    c.execute(delete(commands).where(commands.c.command_id == "cmd-a-1"))
    return "command"


def rewrite_a_ledger_row(s: Store, c: Connection) -> str:
    c.execute(update(commands).where(commands.c.command_id == "cmd-a-1").values(command="close"))
    return "command"


def swap_two_pilots_events(s: Store, c: Connection) -> tuple[UUID, int]:
    mine, theirs = s.event(c, s.a, 3), s.event(c, s.b, 3)
    s.set_state(c, s.a, 3, state=theirs.state)
    s.set_state(c, s.b, 3, state=mine.state)
    return s.a, 3


TAMPERINGS = [
    flip_a_byte_of_an_event,
    flip_a_byte_of_a_snapshot,
    edit_a_snapshot_state,
    flip_a_byte_of_a_chain_row,
    flip_a_byte_of_a_tree_row,
    flip_a_byte_of_a_leaf_row,
    delete_an_event,
    reorder_two_events,
    insert_an_event,
    duplicate_an_event_with_its_leaf,
    truncate_the_tail_of_one_pilot,
    truncate_the_tail_of_the_whole_log,
    recompute_the_chain_after_an_edit,
    recompute_chain_leaves_and_tree_after_an_edit,
    rewrite_a_checkpoint,
    delete_the_checkpoints,
    forge_a_ledger_row,
    delete_a_ledger_row,
    rewrite_a_ledger_row,
    swap_two_pilots_events,
]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__)
def test_a_tampering_is_detected_against_a_receipt_taken_before(
    store: Store, tamper: Callable[[Store, Connection], Any]
) -> None:
    expected: list[Any] = []
    store.sql(lambda c: expected.append(tamper(store, c)))
    report = store.verify()

    assert not report.ok
    broken = report.first_break
    assert broken is not None
    where = expected[0]
    if isinstance(where, tuple):  # an event or a snapshot: named by pilot and version
        assert where in [(p.pilot_id, p.version) for p in report.problems], report.problems
    elif isinstance(where, str):  # a row that is not an event: named by kind
        assert where in [p.kind for p in report.problems], report.problems


def test_the_untouched_store_verifies_against_its_receipt(store: Store) -> None:
    store.app.log_time(
        store.b, days=1, on=date(2025, 3, 11), actor=REFERENT_ID
    )  # the log grew since
    report = store.verify()

    assert report.ok, report.problems
    assert report.receipt is not None
    assert report.receipt.consistent
    assert report.leaves > store.receipt["size"]


def test_a_store_after_erasure_and_purge_verifies_against_a_receipt_taken_before(
    store: Store,
) -> None:
    person = store.app.get_pilot(store.a, actor=LEAD).contacts[0].person_id
    store.app.erase_person(store.a, person, actor=LEAD)
    store.app.purge_expired(datetime(2026, 2, 1, tzinfo=UTC))

    assert store.verify().ok
    assert store.verify(store.app.audit_receipt()).ok


def test_a_receipt_signed_with_another_key_is_refused(store: Store) -> None:
    other = keys.SigningKey(Ed25519PrivateKey.generate(), None)
    forged = Receipt.model_validate(store.receipt).model_copy(
        update={"key_id": other.public.key_id, "signature": ""}
    )
    signed = forged.model_copy(
        update={"signature": base64.b64encode(other.sign(forged.signed_bytes())).decode()}
    )
    report = store.verify(signed.document())

    assert report.first_break is not None
    assert report.first_break.kind == "receipt"
    assert "not with this log's key" in report.first_break.reason


def test_a_receipt_changed_without_its_key_is_refused(store: Store) -> None:
    """A smaller receipt (to hide a truncation) re-signed with another key under our key id."""
    other = Ed25519PrivateKey.generate()
    smaller = dict(store.receipt, size=store.receipt["size"] - 2)
    unsigned = Receipt.model_validate(smaller)
    smaller["signature"] = base64.b64encode(other.sign(unsigned.signed_bytes())).decode()
    report = store.verify(smaller)

    assert report.first_break is not None
    assert report.first_break.kind == "receipt"
    assert "does not verify" in report.first_break.reason


def test_a_forged_snapshot_never_decides_and_is_named(store: Store) -> None:
    where: list[Any] = []
    store.sql(lambda c: where.append(edit_a_snapshot_state(store, c)))
    fresh = staffed(
        Parcours(settings=store.settings, clock=store.clock)
    )  # a cold cache, as a new process
    try:
        assert fresh.get_pilot(store.a, actor=LEAD).phase == "deployment"
        fresh.log_time(
            store.a, days=1, on=date(2025, 3, 12), actor=REFERENT_ID
        )  # "closed" would refuse
        report = fresh.verify_audit_trail(receipt=store.receipt)
    finally:
        fresh.close_connections()
    snapshot = [p for p in report.problems if p.kind == "snapshot"]
    assert {(p.pilot_id, p.version) for p in snapshot} == set(where)
    assert snapshot[0].line().startswith(f"audit trail broken at snapshot of pilot {store.a}")


def test_the_receipt_file_is_plain_json(store: Store) -> None:
    text = json.dumps(store.receipt)
    assert store.verify(text).ok
