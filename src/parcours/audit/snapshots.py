"""Snapshots folded again: each must be the pilot its events make at that version.

Commands never start from a snapshot (`store/eventstore.py`); as-of reads do, so a snapshot
edited by hand would show a wrong past. Verification folds every snapshotted pilot's events
once, in order, and compares the state at each snapshot's version with the state the
snapshot rebuilds (both through the store's transcoder, so types compare as stored).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from parcours.audit.trail import Break
from parcours.store import log_reads
from parcours.store.eventstore import PilotStore


def check(store: PilotStore) -> tuple[int, bool, list[Break]]:
    """(snapshots checked, whether the store keeps snapshots, what differs)."""
    table = store.snapshots_table
    if table is None or store.snapshots is None:
        return 0, False, []
    with store.reading() as session:
        keys = log_reads.snapshot_keys(session, table)
    by_pilot: dict[UUID, list[int]] = {}
    for pilot, version in keys:
        by_pilot.setdefault(pilot, []).append(version)
    problems: list[Break] = []
    for pilot, versions in by_pilot.items():
        problems.extend(_pilot(store, pilot, sorted(versions)))
    return len(keys), True, problems


def _pilot(store: PilotStore, pilot: UUID, versions: list[int]) -> list[Break]:
    assert store.snapshots is not None
    wanted = set(versions)
    folded: dict[int, Any] = {}
    aggregate: Any = None
    try:
        for event in store.events.get(pilot, lte=versions[-1]):
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
            if event.originator_version in wanted:
                folded[event.originator_version] = _state(store, aggregate)
    except Exception:  # an event edited into something that no longer folds: named elsewhere
        pass
    problems = []
    for version in versions:
        snapshot = _snapshot(store, pilot, version)
        reason = None
        if version not in folded:
            reason = "the snapshot has no events behind it"
        elif snapshot is None:
            reason = "the snapshot cannot be read"
        else:
            try:
                rebuilt = _state(store, snapshot.mutate(None))
            except Exception:  # a snapshot edited into anything at all
                rebuilt = None
            if rebuilt != folded[version]:
                reason = "the snapshot differs from the pilot its events make"
        if reason is not None:
            problems.append(Break(pilot_id=pilot, version=version, reason=reason, kind="snapshot"))
    return problems


def _state(store: PilotStore, aggregate: Any) -> Any:
    transcoder = store.mapper.transcoder
    state = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
    return transcoder.decode(transcoder.encode(state))


def _snapshot(store: PilotStore, pilot: UUID, version: int) -> Any:
    assert store.snapshots is not None
    try:
        found = list(store.snapshots.get(pilot, gt=version - 1, lte=version))
    except Exception:  # bytes that no longer decode
        return None
    return found[0] if found else None
