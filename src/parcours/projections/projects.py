"""Projects with their indicators against targets, solutions and funding (R1, R8), and the
cohort's REX sessions (R7): what a funder or the report asks for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from parcours.domain import events as ev
from parcours.domain.rex import RexScheduled

METADATA = MetaData()
_JSON = ("indicators", "reports", "solutions", "fundings", "reported_on")


def project_table(name: str = "parcours_rm_projects", metadata: MetaData = METADATA) -> Table:
    return Table(
        name,
        metadata,
        Column("pilot_id", String(36), primary_key=True),
        Column("project_id", String(36), primary_key=True),
        Column("title", String(200), nullable=False),
        Column("theme", String(64), nullable=False),
        Column("evaluation_protocol", Text, nullable=True),
        Column("indicators", Text, nullable=False),
        Column("reports", Text, nullable=False),
        Column("solutions", Text, nullable=False),
        Column("fundings", Text, nullable=False),
        # Round 2 (issue 19): the project owner (« maîtrise d'ouvrage », R16) and, per
        # indicator, the day of its last report (R8).
        Column("owner", String(200), nullable=True),
        Column("reported_on", Text, nullable=False, server_default=text("'{}'")),
    )


def session_table(name: str = "parcours_rm_rex_sessions", metadata: MetaData = METADATA) -> Table:
    return Table(
        name,
        metadata,
        Column("session_id", String(36), primary_key=True),
        Column("programme", String(64), nullable=False, index=True),
        Column("on", Date, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("title", String(200), nullable=False),
        # The working group it is (R7), when it is one.
        Column("theme", String(64), nullable=True),
    )


projects = project_table()
rex_sessions = session_table()


# The events that carry a project_id (checked against the event classes by a test).
_ABOUT_PROJECTS = frozenset(
    {
        ev.ProjectRecommended,
        ev.ProjectFramed,
        ev.IndicatorReported,
        ev.SolutionSourced,
        ev.FundingIdentified,
        ev.FundingDecided,
    }
)


class ProjectIndex:
    def __init__(self, table: Table = projects) -> None:
        self.table = table

    @property
    def tables(self) -> Sequence[Table]:
        return (self.table,)

    def scratch(self) -> ProjectIndex:
        return ProjectIndex(project_table(f"{self.table.name}_check", MetaData()))

    def fold(self, session: Session, events: Sequence[Any]) -> None:
        relevant = [
            (e, (str(e.originator_id), e.project_id)) for e in events if type(e) in _ABOUT_PROJECTS
        ]
        created = {key for e, key in relevant if isinstance(e, ev.ProjectRecommended)}
        rows = self._read(session, {key for _, key in relevant} - created)
        fold_rows(rows, events)
        self._write(session, rows, created)

    def _read(
        self, session: Session, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        if not keys:
            return {}
        found = session.execute(
            select(self.table).where(
                tuple_(self.table.c.pilot_id, self.table.c.project_id).in_(sorted(keys))
            )
        ).mappings()
        return {(r["pilot_id"], r["project_id"]): _decoded(r) for r in found}

    def _write(
        self,
        session: Session,
        rows: dict[tuple[str, str], dict[str, Any]],
        created: set[tuple[str, str]],
    ) -> None:
        stored = {
            key: {**row, **{c: json.dumps(row[c]) for c in _JSON}} for key, row in rows.items()
        }
        inserts = [stored[key] for key in stored if key in created]
        updates = [
            {f"b_{k}": v for k, v in stored[key].items()} for key in stored if key not in created
        ]
        if inserts:
            session.execute(self.table.insert(), inserts)
        if updates:
            columns = [
                c.name for c in self.table.columns if c.name not in ("pilot_id", "project_id")
            ]
            session.execute(
                self.table.update()
                .where(
                    self.table.c.pilot_id == bindparam("b_pilot_id"),
                    self.table.c.project_id == bindparam("b_project_id"),
                )
                .values({c: bindparam(f"b_{c}") for c in columns}),
                updates,
            )


def fold_rows(rows: dict[tuple[str, str], dict[str, Any]], events: Sequence[Any]) -> None:
    """Fold `events` into `rows` ((pilot id, project id): row, decoded), in memory: the one
    fold of the table's projector and of the as-of reads (projections/as_of.py)."""
    for event in events:
        if type(event) not in _ABOUT_PROJECTS:
            continue
        key = (str(event.originator_id), event.project_id)
        if isinstance(event, ev.ProjectRecommended):
            rows[key] = {
                "pilot_id": key[0],
                "project_id": key[1],
                "title": event.title,
                "theme": event.theme,
                "evaluation_protocol": None,
                "indicators": [],
                "reports": {},
                "solutions": {},
                "fundings": {},
                "owner": None,
                "reported_on": {},
            }
        else:
            _apply(rows[key], event)


def _apply(row: dict[str, Any], event: Any) -> None:
    if isinstance(event, ev.ProjectFramed):
        row["indicators"] = [dict(i) for i in event.indicators]
        row["evaluation_protocol"] = event.evaluation_protocol
        row["owner"] = event.owner
    elif isinstance(event, ev.IndicatorReported):
        row["reports"].setdefault(event.key, {})[event.period] = event.value
        day = (event.on or event.timestamp.date()).isoformat()
        last = row["reported_on"].get(event.key)
        row["reported_on"][event.key] = max(day, last or day)
    elif isinstance(event, ev.SolutionSourced):
        row["solutions"][event.solution_id] = {
            "name": event.name,
            "provider": event.provider,
            "regional": event.regional,
        }
    elif isinstance(event, ev.FundingIdentified):
        row["fundings"][event.funding_id] = {
            "scheme": event.scheme,
            "amount_eur": event.amount_eur,
            "rate": event.rate,
            "months": event.months,
            "priority_district": event.priority_district,
            "status": "requested",
        }
    elif isinstance(event, ev.FundingDecided):
        row["fundings"][event.funding_id]["status"] = "granted" if event.granted else "refused"


class RexSessionIndex:
    def __init__(self, table: Table = rex_sessions) -> None:
        self.table = table

    @property
    def tables(self) -> Sequence[Table]:
        return (self.table,)

    def scratch(self) -> RexSessionIndex:
        return RexSessionIndex(session_table(f"{self.table.name}_check", MetaData()))

    def fold(self, session: Session, events: Sequence[Any]) -> None:
        rows = [
            {
                "session_id": str(e.originator_id),
                "programme": e.programme,
                "on": e.on,
                "kind": e.kind,
                "title": e.title,
                "theme": e.theme,
            }
            for e in events
            if isinstance(e, RexScheduled)
        ]
        if rows:
            session.execute(self.table.insert(), rows)


def _decoded(found: Any) -> dict[str, Any]:
    row = dict(found)
    for column in _JSON:
        row[column] = json.loads(row[column])
    return row


def decode(found: Any) -> dict[str, Any]:
    return _decoded(found._mapping if hasattr(found, "_mapping") else found)
