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
from collections.abc import Sequence
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
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from parcours.store import ledger
from parcours.store.after_commit import after_commit
from parcours.store.core_recorder import CoreApplicationRecorder
from parcours.store.direct import Direct, defer
from parcours.store.log import TABLES, MerkleLog, event_entry, register

METADATA = MetaData()
GENESIS = b"\x00" * 32

chain = Table(
    "parcours_audit_chain",
    METADATA,
    Column("originator_id", String(36), primary_key=True),
    Column("originator_version", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)


_HEAD = select(chain.c.hash).where(
    chain.c.originator_id == bindparam("b_pilot"),
    chain.c.originator_version == bindparam("b_version"),
)

_INSERT = Direct(chain.insert(), ["originator_id", "originator_version", "hash"])


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
        heads: dict[tuple[str, int], bytes] = {}
        rows = []
        for stored in stored_events:
            pilot = str(stored.originator_id)
            version = stored.originator_version
            previous = heads.get((pilot, version - 1)) or self._head(session, pilot, version - 1)
            digest = link(previous, UUID(pilot), version, stored.topic, bytes(stored.state))
            heads[(pilot, version)] = digest
            rows.append({"originator_id": pilot, "originator_version": version, "hash": digest})
        # Deferred on PostgreSQL: sent in one round trip with the events' insert.
        for row in rows:
            defer(session, _INSERT, row)
        super()._insert_events(session, stored_events, **kwargs)
        after_commit(session, partial(self._remember, heads))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        # The library locks the events table first (PostgreSQL): the log's next index is ours.
        ids = self._insert_rows(session, stored_events)
        entries = [
            event_entry(UUID(str(e.originator_id)), e.originator_version, e.topic, bytes(e.state))
            for e in stored_events
        ]
        entries.extend(ledger.pending_entries(session, stored_events))
        self.log.append(session, entries)  # sent with the insert on PostgreSQL (direct.py)
        return ids()

    def _remember(self, heads: dict[tuple[str, int], bytes]) -> None:
        for (pilot, version), digest in heads.items():
            self._committed.put(pilot, (version, digest))

    def _head(self, session: Session, pilot: str, version: int) -> bytes:
        if version < 1:
            return GENESIS
        try:
            known_version, digest = self._committed.get(pilot)
        except KeyError:
            pass
        else:
            if known_version == version:
                return digest
        found = session.execute(_HEAD, {"b_pilot": pilot, "b_version": version}).scalar()
        # A missing link is recorded as a fresh start; verification reports the gap.
        return bytes(found) if found is not None else GENESIS
