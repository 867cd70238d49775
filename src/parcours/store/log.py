"""The audit log: an append-only Merkle tree (RFC 6962) over what the store records.

Every stored event is a leaf, and so is every row that decides what the engine does or what
an auditor is told: a command-ledger row, a registered programme definition, a checkpoint,
the note of a backfill. Leaves get a **dense index of their own**, 0, 1, 2… (not the
notification id: a sequence leaves gaps when a transaction rolls back), assigned in the
transaction that writes them, under the lock that serialises the inserts of events
(store/insert_lock.py; SQLite: `BEGIN IMMEDIATE`, one connection in memory).

An event's leaf covers its originator, version, topic and stored bytes, which hold the
ciphertext of personal fields: destroying a key (erasure, purge) never changes a leaf.

Tables: `parcours_audit_leaves` (one row per leaf: what it is, its hash, and for leaves that
are not events the bytes it covers) and `parcours_audit_nodes` (every perfect subtree above
the leaves, written as the leaf that completes it arrives, so a root or a proof for any size
reads O(log n) rows). Appending a leaf writes the leaf and on average one node.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from parcours.store import merkle
from parcours.store.after_commit import after_commit
from parcours.store.direct import Direct, write_rows
from parcours.store.insert_lock import insert_lock
from parcours.store.pairs import pairs_in

METADATA = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")

leaves = Table(
    "parcours_audit_leaves",
    METADATA,
    Column("leaf_index", _ID, primary_key=True, autoincrement=False),
    # event | snapshot | command | programme | checkpoint | note
    Column("kind", String(16), nullable=False),
    # the pilot (event), the command id, the programme id, the checkpoint id
    Column("ref", String(100), nullable=False),
    # the event's version; for a command, the last version of the events it produced
    Column("version", _ID, nullable=True),
    # what the leaf covers, for leaves that are not events (an event's leaf is its row)
    Column("data", LargeBinary, nullable=True),
    Column("hash", LargeBinary(32), nullable=False),
    Index("parcours_audit_leaves_ref", "ref", "version"),
)

nodes = Table(
    "parcours_audit_nodes",
    METADATA,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", _ID, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Signed tree heads this store issued (a copy; the auditor keeps the one that counts).
receipts = Table(
    "parcours_audit_receipts",
    METADATA,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("size", _ID, nullable=False),
    Column("issued_at", DateTime(timezone=False), nullable=False),
    Column("document", Text, nullable=False),
)

TABLES = (leaves, nodes, receipts)


@dataclass(frozen=True)
class Entry:
    """One leaf to append: `covered` is what its hash covers."""

    kind: str
    ref: str
    version: int | None
    covered: bytes
    data: bytes | None = None  # kept in the leaf row (leaves that are not events)


def event_bytes(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """What an event's leaf covers: unambiguous, the state last (its length is the rest)."""
    name = topic.encode()
    return b"".join(
        (
            b"event\x00",
            originator_id.bytes,
            version.to_bytes(8, "big"),
            len(name).to_bytes(4, "big"),
            name,
            state,
        )
    )


def record_bytes(kind: str, data: bytes) -> bytes:
    """What the leaf of a row that is not an event covers."""
    return kind.encode() + b"\x00" + data


def as_bytes(value: Any) -> bytes:
    """A stored blob as bytes, whatever a hand edit made of it (SQLite's replace() on a BLOB
    returns TEXT)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return b"" if value is None else bytes(value)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_entry(
    originator_id: UUID, version: int, topic: str, state: bytes, ref: str | None = None
) -> Entry:
    """`ref`: the pilot's id as text, when the caller has it (a batch names each pilot once)."""
    ref = str(originator_id) if ref is None else ref
    return Entry("event", ref, version, event_bytes(originator_id, version, topic, state))


def record_entry(kind: str, ref: str, data: bytes, version: int | None = None) -> Entry:
    return Entry(kind, ref, version, record_bytes(kind, data), data)


def snapshot_bytes(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """What a snapshot's leaf covers: its stored row (the leaf keeps no copy of it)."""
    return record_bytes("snapshot", event_bytes(originator_id, version, topic, state))


def snapshot_entry(stored: Any) -> Entry:
    pilot = UUID(str(stored.originator_id))
    version = int(stored.originator_version)
    covered = snapshot_bytes(pilot, version, stored.topic, bytes(stored.state))
    return Entry("snapshot", str(pilot), version, covered)


def snapshots_deleted(pilot: UUID, versions: list[int]) -> Entry:
    """The note that a pilot's snapshots were deleted (by the purge)."""
    data = canonical({"snapshots_deleted": str(pilot), "versions": sorted(versions)})
    return record_entry("note", "snapshots-deleted", data)


class StoredTree:
    """The log's perfect subtrees, read from the tables (a `merkle.Nodes`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def nodes(self, wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        wanted = set(wanted)
        found: dict[merkle.Node, bytes] = {}
        at_leaves = [index for level, index in wanted if level == 0]
        above = [(level, index) for level, index in wanted if level > 0]
        for chunk in _chunks(at_leaves, 500):
            rows = self.session.execute(
                select(leaves.c.leaf_index, leaves.c.hash).where(leaves.c.leaf_index.in_(chunk))
            )
            found.update({(0, int(i)): bytes(h) for i, h in rows})
        for pairs in _chunks(above, 500):
            rows = self.session.execute(
                select(nodes.c.level, nodes.c.idx, nodes.c.hash).where(
                    pairs_in(nodes.c.level, nodes.c.idx, pairs)
                )
            )
            found.update({(int(lv), int(i)): bytes(h) for lv, i, h in rows})
        missing = wanted - found.keys()
        if missing:
            raise MissingNode(min(missing))
        return found


class MissingNode(LookupError):
    def __init__(self, node: merkle.Node) -> None:
        super().__init__(f"the log's tree has no row for level {node[0]}, index {node[1]}")
        self.node = node


def size(session: Session) -> int:
    """How many leaves the log holds (its largest index + 1)."""
    last = session.execute(select(func.max(leaves.c.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


# A leaf inserted only where it extends the log by one: the last index is the one before it
# (none for the first leaf). No row returned: another process appended meanwhile.
_NEXT_LEAF = Direct(
    leaves.insert()
    .from_select(
        ["leaf_index", "kind", "ref", "version", "data", "hash"],
        select(
            bindparam("leaf_index", type_=_ID),
            bindparam("kind", type_=String(16)),
            bindparam("ref", type_=String(100)),
            bindparam("version", type_=_ID),
            bindparam("data", type_=LargeBinary),
            bindparam("hash", type_=LargeBinary(32)),
        ).where(
            select(func.coalesce(func.max(leaves.c.leaf_index), -1)).scalar_subquery()
            == bindparam("leaf_index", type_=_ID) - 1
        ),
    )
    .returning(leaves.c.leaf_index)
)  # what was inserted (psycopg reports no rowcount here); on the cursor, see store/direct.py
_NODE = Direct(nodes.insert(), ["level", "idx", "hash"], copy=True)
_LEAF = Direct(leaves.insert(), ["leaf_index", "kind", "ref", "version", "data", "hash"], copy=True)


def _rows(
    edge: merkle.Frontier, entries: Sequence[Entry]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The leaf rows and the node rows the entries make, appended to `edge` (moved along)."""
    leaf_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for entry in entries:
        digest = merkle.leaf_hash(entry.covered)
        index = edge.size
        made = edge.append(digest)
        leaf_rows.append(
            {
                "leaf_index": index,
                "kind": entry.kind,
                "ref": entry.ref,
                "version": entry.version,
                # b"" rather than NULL for events and snapshots (their rows are elsewhere)
                "data": b"" if entry.data is None else entry.data,
                "hash": digest,
            }
        )
        node_rows.extend({"level": lv, "idx": ix, "hash": h} for lv, ix, h in made[1:])
    return leaf_rows, node_rows


class MerkleLog:
    """Appends leaves in the caller's transaction; remembers the tree's right edge between
    transactions, so an append reads one row (the size) instead of O(log n) nodes."""

    def __init__(self, events_table: str, dialect: str) -> None:
        self.events_table = events_table
        self.dialect = dialect
        self._edge: merkle.Frontier | None = None

    def lock(self, session: Session) -> None:
        """The lock under which events are inserted: appends are serialised with them."""
        for statement in insert_lock(self.events_table) if self.dialect == "postgresql" else ():
            session.execute(text(statement))

    def append(self, session: Session, entries: Sequence[Entry]) -> list[int]:
        """Append the entries as leaves (the caller holds `lock`); returns their indexes."""
        if not entries:
            return []
        known = self._edge
        if known is not None:
            # The right edge this process last committed is the tree's, unless another
            # process appended since: the first leaf goes in only if the log's last index is
            # the one before it, checked in the insert itself (one round trip, not two).
            edge = known.copy()
            leaf_rows, node_rows = _rows(edge, entries)
            if _NEXT_LEAF.first(session, leaf_rows[0]) is not None:
                return self._write(session, edge, leaf_rows, node_rows, first_written=True)
        edge = self._frontier(session)
        leaf_rows, node_rows = _rows(edge, entries)
        return self._write(session, edge, leaf_rows, node_rows, first_written=False)

    def _write(
        self,
        session: Session,
        edge: merkle.Frontier,
        leaf_rows: list[dict[str, Any]],
        node_rows: list[dict[str, Any]],
        *,
        first_written: bool,
    ) -> list[int]:
        rest = leaf_rows[1:] if first_written else leaf_rows
        write_rows(session, _LEAF, rest)  # deferred, or all at once (store/direct.py)
        write_rows(session, _NODE, node_rows)
        after_commit(session, partial(self._remember, edge))
        return [row["leaf_index"] for row in leaf_rows]

    def append_records(self, session: Session, entries: Sequence[Entry]) -> list[int]:
        """Append leaves outside an insert of events: takes the lock first."""
        self.lock(session)
        return self.append(session, entries)

    def _remember(self, edge: merkle.Frontier) -> None:
        self._edge = edge

    def forget(self) -> None:
        """Drop the remembered right edge (the log was started over)."""
        self._edge = None

    def _frontier(self, session: Session) -> merkle.Frontier:
        count = size(session)
        known = self._edge
        if known is not None and known.size == count:
            return known.copy()
        wanted = merkle.Frontier.wanted(count)
        found = StoredTree(session).nodes(wanted)
        return merkle.Frontier(count, [(lv, ix, found[(lv, ix)]) for lv, ix in wanted])


_LOGS: weakref.WeakKeyDictionary[Any, MerkleLog] = weakref.WeakKeyDictionary()


def register(engine: Any, log: MerkleLog) -> None:
    """The log of the event store on `engine` (set by the recorder that owns it)."""
    _LOGS[engine] = log


def append_records(session: Session, entries: Sequence[Entry]) -> list[int]:
    """Append leaves for rows written in `session` outside an insert of events (a programme
    definition, a checkpoint): under the events' lock, to the log of the session's store."""
    return _LOGS[session.get_bind()].append_records(session, entries)


def root(session: Session, tree_size: int) -> bytes:
    return merkle.root(StoredTree(session), tree_size)


def leaf_rows(session: Session, start: int, limit: int) -> list[Any]:
    """Leaves from index `start` on, in order."""
    return list(
        session.execute(
            select(leaves)
            .where(leaves.c.leaf_index >= start)
            .order_by(leaves.c.leaf_index)
            .limit(limit)
        )
    )


def node_rows(session: Session, after: tuple[int, int], limit: int) -> list[Any]:
    """Stored nodes above the leaves, by (level, index), after `after`."""
    level, index = after
    return list(
        session.execute(
            select(nodes)
            .where(tuple_(nodes.c.level, nodes.c.idx) > tuple_(literal(level), literal(index)))
            .order_by(nodes.c.level, nodes.c.idx)
            .limit(limit)
        )
    )


def leaves_of(session: Session, ref: str) -> list[Any]:
    """The leaves that name `ref` (a pilot's events, in version order)."""
    return list(
        session.execute(
            select(leaves)
            .where(leaves.c.ref == ref)
            .order_by(leaves.c.version, leaves.c.leaf_index)
        )
    )


def keep_receipt(session: Session, tree_size: int, issued_at: Any, document: str) -> None:
    session.execute(
        receipts.insert().values(size=tree_size, issued_at=issued_at, document=document)
    )


def last_receipt(session: Session) -> str | None:
    row = session.execute(
        select(receipts.c.document).order_by(receipts.c.id.desc()).limit(1)
    ).first()
    return None if row is None else str(row.document)


def last_receipt_at(session: Session) -> Any:
    return session.execute(select(func.max(receipts.c.issued_at))).scalar()


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), n):
        yield items[start : start + n]
