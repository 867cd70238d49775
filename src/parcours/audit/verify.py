"""Verifying the audit trail, against a receipt or not.

1. the per-pilot hash chain and checkpoints (`trail.verify_audit_trail`, as before);
2. every leaf of the audit log recomputed from the stored rows, in index order: an event's
   leaf from its row (missing, rewritten, out of order or duplicated: named by pilot and
   version), a ledger row's, a programme's and a checkpoint's from theirs; a gap in the
   indexes; rows that no leaf covers (events, ledger rows, checkpoints, programmes written
   outside the log); every ledger row pointing at events that carry its command id;
3. the stored tree (its node rows) against the tree recomputed from the leaves;
4. with a receipt: its Ed25519 signature with this log's public key, the recomputed root at
   the receipt's size against the receipt's root (anything rewritten, removed or reordered
   before it was issued shows here), and the consistency proof from the receipt to the
   stored tree, as an outsider holding only the receipt would check it;
5. every snapshot against the pilot folded again from its events (`snapshots`).

The first finding is `first_break`; receipt findings come first, then the chain's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from parcours.audit import snapshots as snapshot_check
from parcours.audit.consistency import against, tree_rows
from parcours.audit.keys import PublicKey
from parcours.audit.receipts import Receipt
from parcours.audit.trail import AuditReport, Break, verify_audit_trail
from parcours.store import ledger, log, log_reads, merkle, records
from parcours.store.eventstore import PilotStore

MISSING = merkle.leaf_hash(b"parcours: no row behind this leaf")
MAX_PROBLEMS = 200


class _Scan:
    """One pass over the leaves: the tree they make, and what does not match."""

    def __init__(self, store: PilotStore, page: int) -> None:
        self.store = store
        self.page = page
        self.tree = merkle.MemoryTree()
        self.problems: list[Break] = []
        self.events: set[tuple[UUID, int]] = set()
        self.commands: set[str] = set()
        self.checkpoints: set[str] = set()
        self.programmes: dict[str, tuple[int, bytes]] = {}
        self.snapshots: dict[tuple[UUID, int], tuple[int, bool]] = {}  # leaf, row found
        self.deleted: set[tuple[UUID, int]] = set()
        self.versions: dict[UUID, int] = {}
        self.last_id = 0

    def problem(self, reason: str, **where: Any) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Break(
                    pilot_id=where.pop("pilot_id", None),
                    version=where.pop("version", None),
                    reason=reason,
                    **where,
                )
            )

    def run(self) -> None:
        position = 0
        table = self.store.events_table
        while True:
            with self.store.reading() as session:
                rows = log.leaf_rows(session, position, self.page)
                if not rows:
                    break
                keys = [(UUID(r.ref), int(r.version)) for r in rows if r.kind == "event"]
                events = log_reads.events_at(session, table, keys)
                snaps = self._snapshot_rows(session, rows)
                commands = ledger.rows(session, [r.ref for r in rows if r.kind == "command"])
                checkpoints = records.current(
                    session, "checkpoint", [r.ref for r in rows if r.kind == "checkpoint"]
                )
                pointers: list[tuple[str, UUID, int, int, int]] = []
                for row in rows:
                    while self.tree.size < row.leaf_index:
                        gap = self.tree.size
                        self.problem(f"leaf {gap} is missing from the log", kind="log", leaf=gap)
                        self.tree.append(MISSING)
                    if row.kind == "event":
                        digest = self._event(row, events)
                    elif row.kind == "snapshot":
                        digest = self._snapshot(row, snaps)
                    else:
                        digest = self._record(row, commands, checkpoints, pointers)
                    self.tree.append(digest)
                self._pointers(session, pointers)
            position = rows[-1].leaf_index + 1

    def _event(self, row: Any, events: dict[tuple[UUID, int], Any]) -> bytes:
        pilot, version, index = UUID(row.ref), int(row.version), int(row.leaf_index)
        where = {"pilot_id": pilot, "version": version, "leaf": index}
        last = self.versions.get(pilot, 0)
        if version <= last:
            self.problem(f"leaf {index} repeats or reorders version {version}", **where)
        elif version != last + 1:
            self.problem(f"leaf {index} comes after version {last}: reordered", **where)
        self.versions[pilot] = max(last, version)
        stored = events.get((pilot, version))
        if stored is None:
            self.problem(f"the event of leaf {index} is missing", **where)
            return MISSING
        self.events.add((pilot, version))
        covered = log.event_bytes(pilot, version, stored.topic, log.as_bytes(stored.state))
        digest = merkle.leaf_hash(covered)
        if digest != log.as_bytes(row.hash):
            self.problem(f"its stored bytes do not match leaf {index} (rewritten)", **where)
        if stored.id <= self.last_id:
            self.problem(f"stored out of the log's order (leaf {index})", **where)
        self.last_id = max(self.last_id, int(stored.id))
        return digest

    def _snapshot_rows(self, session: Any, rows: Sequence[Any]) -> dict[tuple[UUID, int], Any]:
        table = self.store.snapshots_table
        keys = [(UUID(r.ref), int(r.version)) for r in rows if r.kind == "snapshot"]
        if table is None or not keys:
            return {}
        return log_reads.snapshots_at(session, table, keys)

    def _snapshot(self, row: Any, snaps: dict[tuple[UUID, int], Any]) -> bytes:
        """A snapshot's leaf: its row may be gone (the purge deletes snapshots and says so in
        a later note); the tree then keeps the stored hash."""
        pilot, version, index = UUID(row.ref), int(row.version), int(row.leaf_index)
        stored = snaps.get((pilot, version))
        self.snapshots[(pilot, version)] = (index, stored is not None)
        if stored is None:
            return log.as_bytes(row.hash)
        digest = merkle.leaf_hash(
            log.snapshot_bytes(pilot, version, stored.topic, log.as_bytes(stored.state))
        )
        if digest != log.as_bytes(row.hash):
            self.problem(
                f"the snapshot does not match leaf {index} (rewritten)",
                pilot_id=pilot,
                version=version,
                kind="snapshot",
                leaf=index,
            )
        return digest

    def _record(
        self,
        row: Any,
        commands: dict[str, Any],
        checkpoints: dict[str, log.Entry],
        pointers: list[tuple[str, UUID, int, int, int]],
    ) -> bytes:
        index, kind, ref = int(row.leaf_index), str(row.kind), str(row.ref)
        data = log.as_bytes(row.data)
        digest = merkle.leaf_hash(log.record_bytes(kind, data))
        where: dict[str, Any] = {
            "kind": kind if kind != "note" else "log",
            "ref": ref,
            "leaf": index,
        }
        if digest != log.as_bytes(row.hash):
            self.problem(f"leaf {index} ({kind} {ref}) does not match what it covers", **where)
        if kind == "command":
            self.commands.add(ref)
            found = commands.get(ref)
            if found is None:
                self.problem(f"ledger row {ref} was deleted (leaf {index})", **where)
            elif ledger.covered(dict(found._mapping)) != data:
                self.problem(f"ledger row {ref} was changed since leaf {index}", **where)
            else:
                self._pointer(found, index, pointers, where)
        elif kind == "checkpoint":
            self.checkpoints.add(ref)
            entry = checkpoints.get(ref)
            if entry is None:
                self.problem(f"checkpoint {ref} was deleted (leaf {index})", **where)
            elif entry.data != data:
                self.problem(f"checkpoint {ref} was rewritten since leaf {index}", **where)
        elif kind == "programme":
            self.programmes[ref] = (index, data)
        elif kind == "note" and ref == "snapshots-deleted":
            note = json.loads(data)
            pilot = UUID(note["snapshots_deleted"])
            self.deleted.update((pilot, int(v)) for v in note["versions"])
        elif kind != "note":
            self.problem(f"leaf {index} is of an unknown kind {kind!r}", **where)
        return digest

    def _pointer(
        self, row: Any, index: int, pointers: list[tuple[str, UUID, int, int, int]], where: Any
    ) -> None:
        if row.first_version is None or row.last_version is None:
            self.problem(f"ledger row {row.command_id} has no event behind it", **where)
            return
        pilot = UUID(row.pilot_id)
        pointers.append(
            (row.command_id, pilot, int(row.first_version), int(row.last_version), index)
        )

    def _pointers(self, session: Any, pointers: Sequence[tuple[str, UUID, int, int, int]]) -> None:
        keys = [(p, v) for _, p, first, last, _ in pointers for v in range(first, last + 1)]
        events = log_reads.events_at(session, self.store.events_table, keys)
        for command_id, pilot, first, last, index in pointers:
            for version in range(first, last + 1):
                stored = events.get((pilot, version))
                carried = None if stored is None else _command_id(log.as_bytes(stored.state))
                if carried != command_id:
                    self.problem(
                        f"ledger row {command_id} points at an event that is not its own",
                        pilot_id=pilot,
                        version=version,
                        kind="command",
                        ref=command_id,
                        leaf=index,
                    )

    def finish(self) -> None:
        """What no leaf covers, and programmes whose row is not their last leaf."""
        table = self.store.events_table
        after = 0
        while True:
            with self.store.reading() as session:
                keys = log_reads.event_keys(session, table, after, 5000)
            if not keys:
                break
            after = int(keys[-1].id)
            for key in keys:
                pilot, version = UUID(str(key.originator_id)), int(key.originator_version)
                if (pilot, version) not in self.events:
                    self.problem(
                        "the event is not in the audit log (written outside it)",
                        pilot_id=pilot,
                        version=version,
                    )
        snapshots = self.store.snapshots_table
        if snapshots is not None:
            with self.store.reading() as session:
                present = set(log_reads.snapshot_keys(session, snapshots))
            for pilot, version in sorted(present - self.snapshots.keys(), key=str):
                self.problem(
                    "the snapshot is not in the audit log (written outside it)",
                    pilot_id=pilot,
                    version=version,
                    kind="snapshot",
                )
            for (pilot, version), (index, found) in self.snapshots.items():
                if not found and (pilot, version) not in self.deleted:
                    self.problem(
                        f"the snapshot of leaf {index} was deleted",
                        pilot_id=pilot,
                        version=version,
                        kind="snapshot",
                        leaf=index,
                    )
        with self.store.reading() as session:
            for command_id in sorted(set(log_reads.command_ids(session)) - self.commands):
                self.problem(
                    f"ledger row {command_id} is not in the audit log (forged?)",
                    kind="command",
                    ref=command_id,
                )
            for ref in sorted(set(records.all_refs(session, "checkpoint")) - self.checkpoints):
                self.problem(
                    f"checkpoint {ref} is not in the audit log", kind="checkpoint", ref=ref
                )
            current = records.current(session, "programme", sorted(self.programmes))
            rows = set(records.all_refs(session, "programme"))
        for ref in sorted(rows | set(self.programmes)):
            index, data = self.programmes.get(ref, (-1, b""))
            entry = current.get(ref)
            if index < 0:
                self.problem(f"programme {ref} is not in the audit log", kind="programme", ref=ref)
            elif entry is None or entry.data != data:
                self.problem(
                    f"programme {ref} was changed or deleted since leaf {index}",
                    kind="programme",
                    ref=ref,
                    leaf=index,
                )


def verify(
    store: PilotStore,
    *,
    receipt: Receipt | None = None,
    public: PublicKey | None = None,
    page: int = 1000,
) -> AuditReport:
    chain = verify_audit_trail(store, page)
    scan = _Scan(store, page)
    scan.run()
    scan.finish()
    problems = list(scan.problems)
    with store.reading() as session:
        stored_size = log.size(session)
        problems.extend(tree_rows(session, scan.tree, stored_size))
    checked, counted, snapshot_problems = snapshot_check.check(store)
    problems.extend(snapshot_problems)
    first: list[Break] = []
    receipt_check = None
    if receipt is not None:
        receipt_check, first = against(store, receipt, public, scan.tree, problems, stored_size)
    if chain.first_break is not None:
        first.append(chain.first_break)
    ordered = first + problems
    root = scan.tree.root().hex()
    return AuditReport(
        ok=not ordered,
        pilots=chain.pilots,
        events=chain.events,
        first_break=ordered[0] if ordered else None,
        leaves=scan.tree.size,
        root=root,
        receipt=receipt_check,
        snapshots=checked if counted else 0,
        problems=ordered[:MAX_PROBLEMS],
    )


def _command_id(state: bytes) -> str | None:
    try:
        found = json.loads(state).get("command_id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None
