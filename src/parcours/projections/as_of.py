"""The cohort as recorded at an instant: the read models' rows folded from the events that
were recorded by then (issue 20: "as of, everywhere").

The timeline (`parcours_timeline`, store/ledger.py) gives every pilot's version at the
instant in one grouped read; each pilot's events up to that version are read by its id
(the events table's primary key) and folded in memory with the very functions the read
models' projectors fold with (`pilots.fold_rows`, `projects.fold_rows`), so a row as of an
instant is the row the table held then. The cost is one fold of each pilot's events up to
the instant: linear in the events recorded by then, never a replay per day or per pilot
pair. (Day-versioned rows, to spare even that fold, are another issue's.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import LargeBinary, select, type_coerce
from sqlalchemy.orm import Session

from parcours.projections import pilots, projects, readers
from parcours.projections.runner import PageDecoder, StoredRow, uuid_of
from parcours.store import ledger
from parcours.store.eventstore import PilotStore

# Ids per read of the events table (an IN list on its primary key).
_CHUNK = 500


@dataclass(frozen=True)
class Recorded:
    """The cohort's rows as recorded at an instant."""

    rows: list[dict[str, Any]]  # pilot rows, in dashboard order
    projects: dict[str, list[dict[str, Any]]]  # pilot id: its project rows, by title
    # Pilots one of whose events could not be folded: their rows stop just before it, as
    # the read models' do (their later events wait in the dead letters).
    stale: frozenset[str] = field(default_factory=frozenset)
    by_id: dict[str, dict[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {r["pilot_id"]: r for r in self.rows})

    def pilot(self, pilot_id: str) -> dict[str, Any] | None:
        return self.by_id.get(pilot_id)


class AsOf:
    """Reads the cohort, or one pilot, as recorded at an instant."""

    def __init__(self, store: PilotStore) -> None:
        self.store = store
        self._decode = PageDecoder(store.mapper)
        table = store.events_table
        self._events = table
        self._query = select(
            table.c.id,
            type_coerce(table.c.originator_id, LargeBinary),
            table.c.originator_version,
            table.c.topic,
            table.c.state,
        ).order_by(table.c.id)

    def versions(self, session: Session, at: datetime) -> dict[str, int]:
        """Every pilot's version recorded at `at` (absent: not yet enrolled)."""
        return ledger.versions_at(session, at)

    def version(self, session: Session, pilot_id: str, at: datetime) -> int | None:
        return ledger.version_at(session, pilot_id, at)

    def cohort(self, session: Session, bounds: dict[str, int]) -> Recorded:
        """The rows of the pilots of `bounds` (pilot id: version), each folded up to its
        version, in dashboard order."""
        events = self._read(session, bounds)
        rows: dict[str, dict[str, Any]] = {}
        found: dict[str, list[dict[str, Any]]] = {}
        stale: set[str] = set()
        for pilot_id, (its, undecoded) in events.items():
            row, its_projects, failed = _fold(its)
            failed = failed or undecoded
            if row is None:
                continue
            rows[pilot_id] = row
            found[pilot_id] = its_projects
            if failed:
                stale.add(pilot_id)
        # One pilot (its budget, its cadence): nothing to order, its projects read alone.
        alone = next(iter(bounds)) if len(bounds) == 1 else None
        order = list(rows) if alone else readers.pilot_order(session)
        ordered = [rows[p] for p in order if p in rows]
        # Read models behind the log (a projection worker): order the rest as SQL would.
        listed = set(order)
        ordered.extend(
            sorted(
                (r for p, r in rows.items() if p not in listed),
                key=lambda r: (r["name"], r["pilot_id"]),
            )
        )
        titled = _by_title(found, readers.project_order(session, alone))
        return Recorded(ordered, titled, frozenset(stale))

    def _read(self, session: Session, bounds: dict[str, int]) -> dict[str, tuple[list[Any], bool]]:
        """Each pilot's events up to its bound, in order (decoding only those), and whether
        one could not be decoded (the events stop just before it)."""
        table = self._events
        ids = sorted(bounds)
        # The bound by the id as the driver gives it back (bytes on SQLite, a UUID on
        # PostgreSQL, text elsewhere): no UUID made per stored row.
        raw: dict[object, int] = {}
        for ident in ids:
            uuid = UUID(ident)
            raw[uuid.bytes] = raw[uuid] = raw[ident] = bounds[ident]
        kept: dict[object, list[StoredRow]] = {}
        for first in range(0, len(ids), _CHUNK):
            chunk = [UUID(i) for i in ids[first : first + _CHUNK]]
            found: Sequence[StoredRow] = (
                session.execute(self._query.where(table.c.originator_id.in_(chunk))).tuples().all()
            )
            for row in found:
                key = bytes(row[1]) if isinstance(row[1], memoryview) else row[1]
                bound = raw.get(key)
                if bound is None:
                    bound = bounds.get(str(uuid_of(key)), 0)
                if row[2] <= bound:
                    kept.setdefault(key, []).append(row)
        events: dict[str, tuple[list[Any], bool]] = {}
        for rows in kept.values():
            rows.sort(key=lambda r: r[2])
            pilot_id = str(uuid_of(rows[0][1]))
            try:
                events[pilot_id] = ([event for _, event in self._decode(rows)], False)
            except Exception:  # an event that cannot be decoded: stop just before it
                decoded: list[Any] = []
                for row in rows:
                    try:
                        decoded.extend(event for _, event in self._decode([row]))
                    except Exception:
                        break
                events[pilot_id] = (decoded, True)
        return events


def _fold(events: list[Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]], bool]:
    """One pilot's row and project rows from its events; an event that cannot be folded
    stops the fold just before it (the flag says so), as the read models hold it back."""
    rows: dict[str, dict[str, Any]] = {}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    failed = False
    try:
        pilots.fold_rows(rows, events)
        projects.fold_rows(found, events)
    except Exception:  # a poisoned event: find it, and fold what comes before it
        failed = True
        rows, found = {}, {}
        for done, event in enumerate(events):
            try:
                pilots.fold_rows(rows, [event])
                projects.fold_rows(found, [event])
            except Exception:
                rows, found = {}, {}
                pilots.fold_rows(rows, events[:done])
                projects.fold_rows(found, events[:done])
                break
    row = next(iter(rows.values()), None)
    return (None if row is None else _stored(row), [dict(p) for p in found.values()], failed)


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    """The row as the table gives it back: its flags as integers. (Its JSON columns need no
    round trip: the events were decoded from JSON, and the folds put no other type there,
    since the table's projector writes them with `json.dumps`.)"""
    out = dict(row)
    out["operational_referent"] = int(out["operational_referent"])
    out["elected_referent"] = int(out["elected_referent"])
    return out


def _by_title(
    found: dict[str, list[dict[str, Any]]], order: list[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """Each pilot's project rows in the table's order (title, then id)."""
    rank = {key: n for n, key in enumerate(order)}
    last = len(rank)
    return {
        pilot_id: sorted(
            its,
            key=lambda p: (
                rank.get((p["pilot_id"], p["project_id"]), last),
                p["title"],
                p["project_id"],
            ),
        )
        for pilot_id, its in found.items()
    }
