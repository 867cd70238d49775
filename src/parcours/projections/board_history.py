"""The dashboard of past days, kept (issue 23): asked about a past day, a first page reads a
few rows instead of folding every pilot's events from the log (10 s at 100,000 pilots).

A day is *sealed* once it is over (`service/dashboard_past.py`): every pilot's row as recorded
at the end of that day, judged on that day — exactly what the as-of dashboard computes — is
written here as a range of days over which it stayed the same: `history` holds, per pilot,
rows valid from `from_day` until `until_day` (excluded; None: still the same on the last
sealed day). A row whose judgement did not change (the usual day) costs nothing; `days_left`
is not kept but counted from `next_due`, so the countdown alone changes no row.

`sealed` lists the days sealed, `sealed_counts` their counts (as `board_counts`). A range
answers for a day only if that day is sealed: days the scheduler missed are folded from the
log as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from parcours.projections.board_counts import counts_table, of_day
from parcours.projections.board_filters import terms
from parcours.projections.pilots import METADATA, pilots
from parcours.store import bulk, pilot_names

history = Table(
    "parcours_rm_board_history",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("from_day", Date, primary_key=True),
    Column("until_day", Date, nullable=True),
    Column("name", String(200), nullable=False),
    Column("programme", String(64), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("phase_since", Date, nullable=False),
    Column("next_rule", String(8), nullable=True),
    Column("next_due", Date, nullable=True),
    Column("alerts", Text, nullable=False),
    Column("open_blockers", Integer, nullable=False),
    Column("regional_solutions", Integer, nullable=False),
    # One of its events could not be folded by the end of the day (as the as-of fold says).
    Column("stale", Boolean, nullable=False),
    Column("search", Text, nullable=False),
    Column("alert_rules", String(200), nullable=False),
)

sealed = Table(
    "parcours_rm_board_sealed",
    METADATA,
    Column("day", Date, primary_key=True),
    # The reading of the rules its rows were judged by (board.RULES): another is not read.
    Column("rules", String(16), nullable=False),
)

sealed_counts = counts_table("parcours_rm_board_sealed_counts")

# What a row of a day is; the rest (pilot, range) says when.
CONTENT = tuple(
    c.name for c in history.columns if c.name not in ("pilot_id", "from_day", "until_day")
)


def last_sealed(session: Session) -> date | None:
    found = session.execute(select(func.max(sealed.c.day))).scalar()
    return found if found is None or isinstance(found, date) else date.fromisoformat(found)


def is_sealed(session: Session, day: date, rules: str) -> bool:
    found = select(sealed.c.day).where((sealed.c.day == day) & (sealed.c.rules == rules))
    return session.execute(found).first() is not None


def seal(
    session: Session,
    day: date,
    rules: str,
    rows: Mapping[str, Mapping[str, Any]],
    counts: Mapping[str, Counter[str]],
) -> int:
    """Write `day`'s rows (pilot id: CONTENT) and counts (by programme) as sealed; returns
    how many ranges were opened. Days are sealed in order: the open ranges are the last
    sealed day's."""
    open_rows = {
        r["pilot_id"]: r
        for r in session.execute(select(history).where(history.c.until_day.is_(None))).mappings()
    }
    closing: list[str] = []
    opening: list[dict[str, Any]] = []
    for pilot_id, content in rows.items():
        before = open_rows.get(pilot_id)
        if before is not None and all(before[c] == content[c] for c in CONTENT):
            continue
        if before is not None:
            closing.append(pilot_id)
        opening.append({"pilot_id": pilot_id, "from_day": day, "until_day": None, **content})
    if closing:
        session.execute(
            update(history)
            .where(history.c.pilot_id.in_(closing) & history.c.until_day.is_(None))
            .values(until_day=day)
        )
    if opening:
        session.execute(insert(history), opening)
    kept = [
        {"day": day, "programme": programme, "key": key, "count": n}
        for programme, counted in counts.items()
        for key, n in counted.items()
        if n
    ]
    if kept:
        session.execute(insert(sealed_counts), kept)
    session.execute(insert(sealed).values(day=day, rules=rules))
    if len(opening) >= bulk.BULK_ROWS:  # the first day sealed, or a day most rows changed
        bulk.analyse(session, history)
    return len(opening)


def counts_of(session: Session, day: date) -> dict[str, Counter[str]]:
    return of_day(session, day, sealed_counts)


def _on(day: date) -> Any:
    """The range of each pilot that holds `day`."""
    return and_(
        history.c.pilot_id == pilots.c.pilot_id,
        history.c.from_day <= day,
        or_(history.c.until_day.is_(None), history.c.until_day > day),
    )


def _filtered(query: Any, phase: str | None, rule: str | None, needle: str | None) -> Any:
    if phase is not None:
        query = query.where(history.c.phase == phase)
    return query.where(*terms(history, rule, needle))


def _joined() -> Any:
    return pilots.join(history, history.c.pilot_id == pilots.c.pilot_id).outerjoin(
        pilot_names.names, pilot_names.names.c.pilot_id == pilots.c.pilot_id
    )


def page_rows(
    session: Session,
    *,
    day: date,
    phase: str | None,
    rule: str | None,
    needle: str | None,
    after: tuple[str, str] | None,
    size: int,
) -> Sequence[Mapping[str, Any]]:
    """Up to `size` rows of `day`, in the dashboard's order (the pilots' names today, as the
    as-of dashboard orders them), after the pilot whose (name, id) today is `after`."""
    query = (
        select(history, pilot_names.names.c.slug)
        .select_from(_joined())
        .where(_on(day))
        .order_by(pilots.c.name, pilots.c.pilot_id)
    )
    query = _filtered(query, phase, rule, needle)
    if after is not None:
        query = query.where(
            tuple_(pilots.c.name, pilots.c.pilot_id) > tuple_(literal(after[0]), literal(after[1]))
        )
    return [dict(row) for row in session.execute(query.limit(size)).mappings()]


def matching(
    session: Session, *, day: date, phase: str | None, rule: str | None, needle: str | None
) -> int:
    query = select(func.count()).select_from(_joined()).where(_on(day))
    return int(session.execute(_filtered(query, phase, rule, needle)).scalar() or 0)


def present(session: Session, day: date, pilot_id: str) -> tuple[str, str] | None:
    """The (name today, id) of a pilot on the dashboard of `day`, or None."""
    found = session.execute(
        select(pilots.c.name, pilots.c.pilot_id)
        .select_from(pilots.join(history, _on(day)))
        .where(pilots.c.pilot_id == pilot_id)
    ).first()
    return None if found is None else (found[0], found[1])


def forget(session: Session) -> None:
    """Drop every sealed day (a rebuild: the days after it are sealed as they pass; those
    before are folded from the log again)."""
    session.execute(delete(history))
    session.execute(delete(sealed_counts))
    session.execute(delete(sealed))
