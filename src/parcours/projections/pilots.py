"""The cohort read model: one row per pilot with everything the dashboard asks (no personal
value). The dashboard of a whole cohort is then one indexed read, not a replay.

Folding is done a page at a time: the rows a page touches are read once, changed in
memory, and written once, in the transaction that also moves the projection's position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

from eventsourcing.application import LRUCache
from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    any_,
    bindparam,
    select,
    text,
)
from sqlalchemy.orm import Session

from parcours.domain import events as ev
from parcours.store.after_commit import after_commit
from parcours.store.direct import Direct
from parcours.store.pairs import array_param, array_text

METADATA = MetaData()

# JSON columns hold lists of dates and small maps; they are read whole with the row.
_JSON = (
    "phase_history",
    "follow_ups",
    "rex",
    "time_logs",
    "warnings",
    "communications",
    "marks",
    "blockers",
    "solutions",
    "indicators",
)


def pilot_table(name: str = "parcours_rm_pilots", metadata: MetaData = METADATA) -> Table:
    return Table(
        name,
        metadata,
        Column("pilot_id", String(36), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("programme", String(64), nullable=False),
        Column("phase", String(32), nullable=False),
        Column("phase_since", Date, nullable=False),
        Column("version", Integer, nullable=False),
        Column("operational_referent", Integer, nullable=False),
        Column("operational_person", String(36), nullable=True),
        Column("phase_history", Text, nullable=False),
        Column("follow_ups", Text, nullable=False),
        Column("rex", Text, nullable=False),
        Column("time_logs", Text, nullable=False),
        Column("warnings", Text, nullable=False),
        Column("communications", Text, nullable=False),
        Column("marks", Text, nullable=False),
        Column("blockers", Text, nullable=False),
        Column("solutions", Text, nullable=False),
        # Round 2 (issue 19); a database made before gets them, and its read models are
        # folded again from the log (service.bootstrap).
        Column("elected_referent", Integer, nullable=False, server_default=text("0")),
        Column("elected_person", String(36), nullable=True),
        # R8: per project, its title and, per co-defined indicator, the day of its last report.
        Column("indicators", Text, nullable=False, server_default=text("'{}'")),
        Index(f"{name}_programme_phase", "programme", "phase"),
        # Dashboard order; covering what the dashboard reads, so it never visits the table.
        Index(
            f"{name}_dashboard",
            "name",
            "pilot_id",
            "programme",
            "phase",
            "phase_since",
            "version",
        ),
    )


pilots = pilot_table()


def _new_row(event: ev.Enrolled) -> dict[str, Any]:
    return {
        "pilot_id": str(event.originator_id),
        "name": event.name,
        "programme": event.programme,
        "phase": "charter_signed",
        "phase_since": event.charter_signed_on,
        "version": event.originator_version,
        "operational_referent": 0,
        "operational_person": None,
        "phase_history": [["charter_signed", event.charter_signed_on.isoformat()]],
        "follow_ups": [],
        "rex": {},
        "time_logs": [],
        "warnings": [],
        "communications": {},
        "marks": [],
        "blockers": {},
        "solutions": {},
        "elected_referent": 0,
        "elected_person": None,
        "indicators": {},
    }


def _on(event: Any) -> str:
    day: date = event.on
    return day.isoformat()


def _phase(row: dict[str, Any], event: ev.PhaseChanged) -> None:
    row["phase"] = event.to_phase
    row["phase_since"] = event.on
    row["phase_history"].append([event.to_phase, _on(event)])
    if isinstance(event, ev.PersonalDataPurged):
        row["operational_referent"] = 0
        row["elected_referent"] = 0


def _designated(row: dict[str, Any], event: ev.ReferentDesignated) -> None:
    if event.role == "operational":
        row["operational_referent"] = 1
        row["operational_person"] = event.person_id
    elif event.role == "elected":
        row["elected_referent"] = 1
        row["elected_person"] = event.person_id


def _erased(row: dict[str, Any], event: ev.PersonErased) -> None:
    if row.get("operational_person") == event.person_id:
        row["operational_referent"] = 0
    if row.get("elected_person") == event.person_id:
        row["elected_referent"] = 0


def _recommended(row: dict[str, Any], event: ev.ProjectRecommended) -> None:
    row["indicators"][event.project_id] = {"title": event.title, "keys": {}}


def _framed(row: dict[str, Any], event: ev.ProjectFramed) -> None:
    project = row["indicators"].setdefault(event.project_id, {"title": "", "keys": {}})
    known = project["keys"]
    project["keys"] = {i["key"]: known.get(i["key"]) for i in event.indicators}


def _reported(row: dict[str, Any], event: ev.IndicatorReported) -> None:
    """R8: the day of the last report (an event of before round 2 has no `on`: the day it
    was recorded, in UTC, stands for it)."""
    day = (event.on or event.timestamp.date()).isoformat()
    project = row["indicators"].setdefault(event.project_id, {"title": "", "keys": {}})
    keys = project["keys"]
    keys[event.key] = max(day, keys.get(event.key) or day)


def _communication(status: str) -> Callable[[dict[str, Any], Any], None]:
    def fold(row: dict[str, Any], event: Any) -> None:
        row["communications"][event.communication_id] = status

    return fold


_FOLDS: dict[type, Callable[[dict[str, Any], Any], None]] = {
    ev.ReferentDesignated: _designated,
    ev.PersonErased: _erased,
    ev.FollowUpRecorded: lambda row, e: row["follow_ups"].append(_on(e)),
    ev.RexAttended: lambda row, e: row["rex"].__setitem__(e.session, _on(e)),
    ev.TimeLogged: lambda row, e: row["time_logs"].append([_on(e), e.days, e.phase]),
    ev.AlertRaised: lambda row, e: row["warnings"].append([_on(e), e.kind]),
    ev.CommunicationRequested: _communication("requested"),
    ev.CommunicationPublished: _communication("published"),
    ev.DeadlineMissed: lambda row, e: row["marks"].append(["missed", e.rule, e.due.isoformat()]),
    ev.BlockerRaised: lambda row, e: row["blockers"].__setitem__(e.blocker_id, _on(e)),
    ev.BlockerLifted: lambda row, e: row["blockers"].pop(e.blocker_id),
    ev.SolutionSourced: lambda row, e: row["solutions"].__setitem__(e.solution_id, e.regional),
    ev.ProjectRecommended: _recommended,
    ev.ProjectFramed: _framed,
    ev.IndicatorReported: _reported,
}


_FOLDED = (ev.PilotEvent, ev.Enrolled)


def fold_rows(rows: dict[str, dict[str, Any]], events: Sequence[Any]) -> set[str]:
    """Fold `events` into `rows` (pilot id: row, decoded as `decode` gives them), in memory;
    returns the pilots enrolled by these events. The table's projector and the as-of reads
    (projections/as_of.py) fold with this one function, so they cannot disagree."""
    created: set[str] = set()
    for event in events:
        if not isinstance(event, _FOLDED):
            continue
        pilot_id = str(event.originator_id)
        if type(event) is ev.Enrolled:
            rows[pilot_id] = _new_row(event)
            created.add(pilot_id)
            continue
        row = rows[pilot_id]
        row["version"] = event.originator_version
        if isinstance(event, ev.CommunicationDecided):
            status = "approved" if event.approved else "refused"
            row["communications"][event.communication_id] = status
        elif isinstance(event, ev.PhaseChanged):
            _phase(row, event)
        fold = _FOLDS.get(type(event))
        if fold is not None:
            fold(row, event)
    return created


class PilotIndex:
    def __init__(self, table: Table = pilots) -> None:
        self.table = table
        # pilot id -> the row as last committed by this process. The row of a pilot at a given
        # version is the same whoever folded it, so a hit at the version just before a
        # command's events saves the read (one round trip per command on PostgreSQL).
        self._committed: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=1000)
        self._select = select(table).where(table.c.pilot_id.in_(bindparam("b_ids", expanding=True)))
        # PostgreSQL: the ids as one array (a tick's batch reads 1,000 rows; see `one_of`)
        self._select_any = select(table).where(
            table.c.pilot_id == any_(array_param("b_ids", table.c.pilot_id.type))
        )
        # An update on the driver's cursor (store/direct.py), by the JSON columns it leaves
        # as they are (see `_write`).
        self._updates: dict[frozenset[str], Direct] = {}

    @property
    def tables(self) -> Sequence[Table]:
        return (self.table,)

    def scratch(self) -> PilotIndex:
        """The same projection on empty tables of its own (for `projections check`)."""
        return PilotIndex(pilot_table(f"{self.table.name}_check", MetaData()))

    def fold(self, session: Session, events: Sequence[Any]) -> None:
        keyed = [(str(e.originator_id), e) for e in events if isinstance(e, _FOLDED)]
        before: dict[str, int] = {}  # pilot: the version its row must be at (0: enrolled here)
        for key, e in keyed:
            before.setdefault(key, e.originator_version - 1)
        existing = {key: v for key, v in before.items() if v > 0}
        rows = self._recall(existing)
        rows.update(self._read(session, existing.keys() - rows.keys()))
        created = fold_rows(rows, events)
        self._write(session, rows, created)

    def _recall(self, versions: dict[str, int]) -> dict[str, dict[str, Any]]:
        """The rows committed by this process at exactly the versions the fold starts from."""
        rows: dict[str, dict[str, Any]] = {}
        for pilot_id, version in versions.items():
            try:
                stored = self._committed.get(pilot_id)
            except KeyError:
                continue
            if stored["version"] == version:
                rows[pilot_id] = _Read(stored)
        return rows

    def _read(self, session: Session, pilot_ids: set[str]) -> dict[str, dict[str, Any]]:
        if not pilot_ids:
            return {}
        ids = sorted(pilot_ids)
        if len(ids) > 1 and session.get_bind().dialect.name == "postgresql":
            found = session.execute(self._select_any, {"b_ids": array_text(ids)})
        else:
            found = session.execute(self._select, {"b_ids": ids})
        return {row["pilot_id"]: _Read(row) for row in found.mappings()}

    def _write(self, session: Session, rows: dict[str, dict[str, Any]], created: set[str]) -> None:
        columns = {c.name for c in self.table.columns}
        inserts: list[dict[str, Any]] = []
        # The rows updated, by the JSON columns their fold never read: those are not sent
        # back. A mass-due tick's reminders touch none of them, and the time log alone is
        # about a kilobyte a pilot (issue 23).
        unchanged: dict[frozenset[str], list[dict[str, Any]]] = {}
        for pilot_id, row in rows.items():
            stored = {k: v for k, v in row.items() if k in columns}
            kept = row.unread if isinstance(row, _Read) else {}
            stored.update({c: kept[c] if c in kept else json.dumps(row[c]) for c in _JSON})
            stored["operational_referent"] = int(row["operational_referent"])
            stored["elected_referent"] = int(row["elected_referent"])
            if pilot_id in created:
                inserts.append(stored)
                continue
            unchanged.setdefault(frozenset(kept), []).append(stored)
        if inserts:
            session.execute(self.table.insert(), inserts)
        for kept_as_read, group in unchanged.items():
            update = self._update(kept_as_read)
            bound = [
                {f"b_{k}": v for k, v in row.items() if k not in kept_as_read} for row in group
            ]
            if len(bound) == 1:
                update.execute(session, bound[0]).close()
            else:
                update.execute_many(session, bound)
        updated = [row for group in unchanged.values() for row in group]
        after_commit(session, partial(self._remember, inserts + updated))

    def _update(self, kept_as_read: frozenset[str]) -> Direct:
        """The update of every column but the pilot's id and `kept_as_read` (a command's
        fold updates one row, a batch's many: on the driver's cursor, store/direct.py)."""
        found = self._updates.get(kept_as_read)
        if found is None:
            table = self.table
            changing = [
                c.name for c in table.columns if c.name != "pilot_id" and c.name not in kept_as_read
            ]
            found = self._updates[kept_as_read] = Direct(
                table.update()
                .where(table.c.pilot_id == bindparam("b_pilot_id"))
                .values({c: bindparam(f"b_{c}") for c in changing})
            )
        return found

    def _remember(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._committed.put(row["pilot_id"], row)


class _Read(dict[str, Any]):
    """A stored row for a fold: a JSON column is parsed when the fold first reads it, and one
    it never read is written back as it was read. A scheduler's fact touches one or two of
    the ten (the time log, the biggest, almost never): a mass-due tick parsed and wrote
    them all for each pilot (issue 23)."""

    __slots__ = ("unread",)

    def __init__(self, row: Any) -> None:
        data = dict(row)
        self.unread: dict[str, str] = {c: data.pop(c) for c in _JSON}
        super().__init__(data)

    def __missing__(self, key: str) -> Any:
        value = self[key] = json.loads(self.unread.pop(key))  # KeyError: not a column
        return value


def decode(row: Any) -> dict[str, Any]:
    """A row as Python values, its JSON columns parsed (a fresh copy, safe to change)."""
    data = dict(row._mapping if hasattr(row, "_mapping") else row)
    for column in _JSON:
        data[column] = json.loads(data[column])
    return data
