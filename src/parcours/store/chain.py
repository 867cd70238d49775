"""Tamper evidence: each stored event is chained to the previous one of its pilot, and is a
leaf of the audit log (`store/log.py`, a Merkle tree that signed receipts vouch for).

hash(v) = SHA-256(hash(v-1) ‖ pilot id ‖ version ‖ topic ‖ stored bytes). The stored bytes
hold ciphertext for personal fields, so destroying a key (erasure, purge) never breaks the
chain. The hashes are written by the recorder in the transaction that inserts the events;
the leaves right after the events, under the lock that orders the inserts, followed by the
leaves of the command-ledger rows written in the same transaction (`store/ledger.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import LRUCache
from eventsourcing.persistence import StoredEvent
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from parcours.store import ledger
from parcours.store.after_commit import after_commit
from parcours.store.core_recorder import CoreApplicationRecorder
from parcours.store.direct import Direct, write_rows
from parcours.store.log import TABLES, MerkleLog, event_entry, register
from parcours.store.pairs import array_of, given_rows

METADATA = MetaData()
GENESIS = b"\x00" * 32
# pilots whose previous link one statement reads (bounded: SQLite's and PostgreSQL's limits
# on bound parameters)
_HEADS_PER_READ = 400

chain = Table(
    "parcours_audit_chain",
    METADATA,
    Column("originator_id", String(36), primary_key=True),
    Column("originator_version", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)


_LINK_COLUMNS = (chain.c.originator_id, chain.c.originator_version, chain.c.hash)
_HEAD = select(chain.c.hash).where(
    chain.c.originator_id == bindparam("b_pilot"),
    chain.c.originator_version == bindparam("b_version"),
)

_INSERT = Direct(chain.insert(), ["originator_id", "originator_version", "hash"], copy=True)


def _links_at(session: Session, wanted: dict[str, int]) -> Iterable[Any]:
    """(pilot, version, hash) of each pilot's link at the version wanted (none where there
    is none), a primary-key lookup a pilot."""
    if session.get_bind().dialect.name == "postgresql":
        # the pairs joined to the primary key: PostgreSQL ran the correlated `max` once per
        # link of every pilot (30 ms per 400 pilots, PROFILE.md); this is a lookup a pilot
        given = given_rows(
            pilot=array_of(wanted, String()), version=array_of(wanted.values(), BigInteger())
        )
        same = and_(
            chain.c.originator_id == given.c.pilot,
            chain.c.originator_version == given.c.version,
        )
        return session.execute(select(*_LINK_COLUMNS).join_from(given, chain, same))
    # SQLite: the pairs as a VALUES list joined to the primary key, on the driver (compiled
    # by SQLAlchemy, a statement of 400 pairs cost more than it saved). The correlated
    # `max` read every link of every pilot: 5 ms per 400 pilots, against 1.
    rows = ",".join(["(?, ?)"] * len(wanted))
    statement = (
        f"SELECT c.originator_id, c.originator_version, c.hash FROM (VALUES {rows}) AS g "
        f"JOIN {chain.name} AS c ON c.originator_id = g.column1 "
        "AND c.originator_version = g.column2"
    )
    values = tuple(item for pair in wanted.items() for item in pair)
    return session.connection().exec_driver_sql(statement, values)


def _named(stored_events: Sequence[StoredEvent]) -> list[tuple[UUID, str]]:
    """Each event's pilot as a UUID and as text, each pilot converted once: a batch saves a
    pilot's events together, and a UUID's text is made in Python at each `str`."""
    known: dict[object, tuple[UUID, str]] = {}
    named = []
    for stored in stored_events:
        raw = stored.originator_id
        found = known.get(raw)
        if found is None:
            ident = raw if isinstance(raw, UUID) else UUID(str(raw))
            found = known[raw] = (ident, str(ident))
        named.append(found)
    return named


def link(previous: bytes, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    digest = hashlib.sha256(previous)
    digest.update(originator_id.bytes)
    digest.update(version.to_bytes(8, "big"))
    digest.update(topic.encode())
    digest.update(state)
    return digest.digest()


class ChainedApplicationRecorder(CoreApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables.append(chain)
        self.tables.extend(TABLES)
        table = self.events_table_name
        if self.schema_name is not None:
            table = f"{self.schema_name}.{table}"
        assert self.datastore.engine is not None
        self.log = MerkleLog(table, self.datastore.engine.dialect.name)
        register(self.datastore.engine, self.log)
        # pilot id -> (version, hash) of the last link this process saw committed. A link
        # never changes once written, so a hit is exact even if other processes wrote since.
        self._committed: LRUCache[str, tuple[int, bytes]] = LRUCache(maxsize=10_000)

    def _insert_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        heads = self._heads(session, stored_events)
        rows = []
        for stored, (ident, pilot) in zip(stored_events, _named(stored_events), strict=True):
            version = stored.originator_version
            previous = heads.get((pilot, version - 1)) or self._head(session, pilot, version - 1)
            digest = link(previous, ident, version, stored.topic, bytes(stored.state))
            heads[(pilot, version)] = digest
            rows.append({"originator_id": pilot, "originator_version": version, "hash": digest})
        # a command's link: deferred, sent with the events' insert on PostgreSQL
        write_rows(session, _INSERT, rows)
        super()._insert_events(session, stored_events, **kwargs)
        after_commit(session, partial(self._remember, heads))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        # The library locks the events table first (PostgreSQL): the log's next index is ours.
        ids = self._insert_rows(session, stored_events)
        entries = [
            event_entry(ident, e.originator_version, e.topic, bytes(e.state), pilot)
            for e, (ident, pilot) in zip(stored_events, _named(stored_events), strict=True)
        ]
        entries.extend(ledger.pending_entries(session, stored_events))
        self.log.append(session, entries)  # sent with the insert on PostgreSQL (direct.py)
        return ids()

    def _remember(self, heads: dict[tuple[str, int], bytes]) -> None:
        last: dict[str, tuple[int, bytes]] = {}
        for (pilot, version), digest in heads.items():
            if version > last.get(pilot, (0, b""))[0]:
                last[pilot] = (version, digest)
        for pilot, head in last.items():
            self._committed.put(pilot, head)

    def _heads(
        self, session: Session, stored_events: Sequence[StoredEvent]
    ) -> dict[tuple[str, int], bytes]:
        """The link the first new event of each pilot follows. Those this process has not
        seen committed are read a few hundred pilots a query: a mass-due tick saves hundreds
        of pilots at once, and a read each was a tenth of it on PostgreSQL (PROFILE.md)."""
        wanted: dict[str, int] = {}
        for stored, (_, pilot) in zip(stored_events, _named(stored_events), strict=True):
            wanted.setdefault(pilot, stored.originator_version - 1)
        heads: dict[tuple[str, int], bytes] = {}
        unknown = []
        for pilot, version in wanted.items():
            try:
                known_version, digest = self._committed.get(pilot)
            except KeyError:
                known_version = None
            if known_version == version:
                heads[(pilot, version)] = digest
            elif version >= 1:
                unknown.append((pilot, version))
        for start in range(0, len(unknown), _HEADS_PER_READ):
            some = dict(unknown[start : start + _HEADS_PER_READ])
            # a pilot without a link at that version (deleted by hand) is left to `_head`;
            # one that another writer extended since keeps its link: the insert then fails
            # on its version
            heads.update(
                ((pilot, version), bytes(digest))
                for pilot, version, digest in _links_at(session, some)
            )
        return heads

    def _head(self, session: Session, pilot: str, version: int) -> bytes:
        """The link at exactly `version`, where `_heads` had none (its cache and its bulk
        read both looked)."""
        if version < 1:
            return GENESIS
        found = session.execute(_HEAD, {"b_pilot": pilot, "b_version": version}).scalar()
        # A missing link is recorded as a fresh start; verification reports the gap.
        return bytes(found) if found is not None else GENESIS
