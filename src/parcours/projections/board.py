"""The dashboard's rows, kept for a day: the cohort dashboard is then one read, not an
evaluation of the rules for every pilot (benchmark Q: about 100 µs a pilot, a second at
10,000 pilots).

A kept row is the `DashboardRow` of one pilot, at one version of its cohort row, for one day
in its programme's time zone. The rules (R3–R11) change their verdict only at day boundaries
in that zone, so a kept row is exact for as long as the pilot's version and the day are the
same; anything else is computed on the spot. Rows are kept by `refresh` (the scheduler's
periodic job, the projection worker, `parcours dashboard --refresh`), never by a query.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from parcours.dashboard_pages import folded
from parcours.domain.standing import alert, counted_rules
from parcours.domain.standing_views import Alert, DashboardRow, NextDeadline
from parcours.projections import board_counts as counted
from parcours.projections import board_history
from parcours.projections.pilots import METADATA, pilots
from parcours.store import pilot_names
from parcours.store.bulk import paused_collector

board = Table(
    "parcours_rm_board",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("next_rule", String(8), nullable=True),
    Column("next_due", Date, nullable=True),
    Column("next_days_left", Integer, nullable=True),
    Column("alerts", Text, nullable=False),
    Column("open_blockers", Integer, nullable=False),
    Column("regional_solutions", Integer, nullable=False),
    # The reading of the rules a row was judged by: a row of another reading is never read.
    Column("rules", String(16), nullable=True),
    # What a page and the day's counts filter on without judging the pilot again (issue 23):
    # its phase and programme at `version`, its name folded for `search=`, and the rules
    # of all its alerts as "|R3|R9|" for `rule=`.
    Column("phase", String(32), nullable=True),
    Column("programme", String(64), nullable=True),
    Column("search", Text, nullable=True),
    Column("alert_rules", String(200), nullable=True),
    # With its name and phase date at `version`, a row of a past day is whole without the
    # cohort row (which may have moved on): what sealing a day reads (board_history).
    Column("name", String(200), nullable=True),
    Column("phase_since", Date, nullable=True),
    Index("parcours_rm_board_day", "day"),
)

# Round 2 of the charter (issue 19) changed R2, R4–R6, R8 and R11: rows kept before are stale.
# ";rows-3": rows kept before the columns a page filters on (issue 23) are stale as well.
RULES = "charter-2;rows-3"


def _text(column: Any) -> Any:
    """Dates as the database gives them (ISO text on SQLite): pydantic parses them faster
    than SQLAlchemy's per-value processing."""
    return type_coerce(column, String)


# What the dashboard reads of a pilot: its cohort row's head, its kept row (or nulls), its slug.
COLUMNS = (
    pilots.c.pilot_id,
    pilots.c.name,
    pilots.c.programme,
    pilots.c.phase,
    _text(pilots.c.phase_since),
    pilots.c.version,
    board.c.version,
    _text(board.c.day),
    board.c.next_rule,
    _text(board.c.next_due),
    board.c.next_days_left,
    board.c.alerts,
    board.c.open_blockers,
    board.c.regional_solutions,
    board.c.rules,
    # Its slug (issue 20), on its primary key: the dashboard shows what PILOT accepts.
    pilot_names.names.c.slug,
)
ORDER = (pilots.c.name, pilots.c.pilot_id)

# Every pilot in dashboard order, with its kept row when there is one.
COHORT = (
    select(*COLUMNS)
    .select_from(
        pilots.outerjoin(board, board.c.pilot_id == pilots.c.pilot_id).outerjoin(
            pilot_names.names, pilot_names.names.c.pilot_id == pilots.c.pilot_id
        )
    )
    .order_by(*ORDER)
)

_ROWS: TypeAdapter[list[DashboardRow]] = TypeAdapter(list[DashboardRow])


def programmes(found: Sequence[Sequence[Any]]) -> set[str]:
    """The programmes of the pilots COHORT found."""
    return {f[2] for f in found}


def phases(found: Sequence[Sequence[Any]]) -> list[str]:
    return [f[3] for f in found]


def stale(found: Sequence[Sequence[Any]], days: dict[str, str]) -> list[str]:
    """The pilots of COHORT with no kept row for their version and the day (days: ISO dates
    by programme)."""
    return [
        f[0]
        for f in found
        if not (f[6] == f[5] and f[7] is not None and str(f[7]) == days[f[2]] and f[14] == RULES)
    ]


def stored(row: DashboardRow, version: int, day: date) -> dict[str, Any]:
    nearest = row.next_deadline
    rules = sorted({a.rule for a in row.alerts})
    return {
        "pilot_id": str(row.pilot_id),
        "version": version,
        "day": day,
        "next_rule": nearest.rule if nearest else None,
        "next_due": nearest.due if nearest else None,
        "next_days_left": nearest.days_left if nearest else None,
        # What rebuilds each alert (its sentence is the key's, formatted again on reading).
        "alerts": json.dumps(
            [[a.rule, a.severity, a.key, a.params] for a in row.alerts], ensure_ascii=False
        ),
        "open_blockers": row.open_blockers,
        "regional_solutions": row.regional_solutions,
        "rules": RULES,
        "phase": row.phase,
        "programme": row.programme,
        "search": folded(row.name),
        "alert_rules": "|" + "|".join(rules) + "|" if rules else "",
        "name": row.name,
        "phase_since": row.phase_since,
    }


def keep(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace the pilots' kept rows by `rows`, and their share of the day's counts."""
    if not rows:
        return
    ids = [r["pilot_id"] for r in rows]
    replaced = session.execute(
        select(board.c.day, board.c.programme, board.c.phase, board.c.alerts).where(
            board.c.pilot_id.in_(ids) & board.c.phase.is_not(None)
        )
    ).mappings()
    changes: dict[tuple[date, str], Counter[str]] = {}
    for old in replaced:
        changes.setdefault((old["day"], old["programme"]), Counter()).subtract(
            counted.of_stored(dict(old))
        )
    for new in rows:
        changes.setdefault((new["day"], new["programme"]), Counter()).update(counted.of_stored(new))
    session.execute(delete(board).where(board.c.pilot_id.in_(ids)))
    session.execute(insert(board), rows)
    counted.adjust(session, changes)
    # A day whose rows these replace is no longer complete (a refresh of another day).
    counted.unmark_other_days(session, {r["day"] for r in rows})


def forget(session: Session) -> None:
    """Drop every kept row, with the counts kept with them and the sealed past days: what
    they were judged by (the rules, the read models) may have changed. Nothing else deletes
    kept rows, so the counts never outlive the rows they count."""
    session.execute(delete(board))
    counted.forget(session)
    board_history.forget(session)


class Reader:
    """Kept rows back into `DashboardRow`s: plain values assembled in Python, then validated
    by pydantic in one call. Alert lists and next deadlines repeat across a cohort (one
    calendar), so each distinct one is built once."""

    def __init__(self) -> None:
        self._alerts: dict[str, tuple[list[Alert], frozenset[str]]] = {}
        self._deadlines: dict[tuple[str, Any, int], NextDeadline] = {}

    def alerts(self, text: str) -> tuple[list[Alert], frozenset[str]]:
        """The alerts, and the rules they count for in the summary (info does not count)."""
        known = self._alerts.get(text)
        if known is None:
            alerts = [alert(*fields) for fields in json.loads(text)]
            known = self._alerts[text] = (alerts, counted_rules(alerts))
        return known

    def deadline(self, rule: str | None, due: Any, days_left: int) -> NextDeadline | None:
        if rule is None:
            return None
        key = (rule, due, days_left)
        known = self._deadlines.get(key)
        if known is None:
            known = self._deadlines[key] = NextDeadline(rule=rule, due=due, days_left=days_left)
        return known

    def assemble(
        self, found: Sequence[Sequence[Any]], computed: dict[str, DashboardRow]
    ) -> tuple[list[DashboardRow], list[frozenset[str]]]:
        """The dashboard's rows in `found`'s order, kept or `computed`, and the rules each
        counts for."""
        rows: list[dict[str, Any] | DashboardRow] = []
        counted: list[frozenset[str]] = []
        with paused_collector():
            for f in found:
                done = computed.get(f[0])
                if done is not None:
                    rows.append(done if f[15] is None else done.model_copy(update={"slug": f[15]}))
                    counted.append(counted_rules(done.alerts))
                    continue
                alerts, rules = self.alerts(f[11])
                rows.append(
                    {
                        "pilot_id": UUID(f[0]),
                        "name": f[1],
                        "programme": f[2],
                        "phase": f[3],
                        "phase_since": f[4],
                        "next_deadline": self.deadline(f[8], f[9], f[10]),
                        "alerts": alerts,
                        "open_blockers": f[12],
                        "regional_solutions": f[13],
                        "slug": f[15],
                    }
                )
                counted.append(rules)
            return _ROWS.validate_python(rows), counted
