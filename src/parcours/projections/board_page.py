"""One page of the dashboard read from the kept rows (issue 23): the filters and the order in
SQL, so a first page of 50 reads about 50 rows whatever the size of the cohort.

The order is the database's (`pilots.name`, then `pilot_id`, as `board.COHORT` sorts): the
pilots a query must judge again (changed since the kept rows) come back in that order too,
whatever their kept row says, and are filtered in Python once judged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from parcours.projections.board import COLUMNS, ORDER, board
from parcours.projections.board_filters import terms
from parcours.projections.pilots import pilots
from parcours.store import pilot_names

# The kept row of the day, at the pilot's current version and reading of the rules; a pilot
# without one (or judged again) is read with nulls in its place.
_KEPT = and_(
    board.c.pilot_id == pilots.c.pilot_id,
    board.c.version == pilots.c.version,
)


def _kept_on(day: date, rules: str) -> Any:
    return and_(_KEPT, board.c.day == day, board.c.rules == rules)


def _filtered(
    query: Select[Any],
    *,
    day: date,
    rules: str,
    phase: str | None,
    rule: str | None,
    needle: str | None,
    again: Collection[str],
) -> Select[Any]:
    """`query` narrowed to the pilots a filter may show: those whose kept row matches, and
    every pilot in `again` (judged again: its kept row says nothing of today's)."""
    if phase is not None:
        query = query.where(pilots.c.phase == phase)  # the read model's phase is today's
    if rule is None and needle is None:
        return query
    kept_match = [board.c.day == day, board.c.rules == rules, *terms(board, rule, needle)]
    matches = and_(*kept_match)
    if again:
        matches = or_(matches, pilots.c.pilot_id.in_(sorted(again)))
    return query.where(matches)


def page_rows(
    session: Session,
    *,
    day: date,
    rules: str,
    phase: str | None,
    rule: str | None,
    needle: str | None,
    after: tuple[str, str] | None,
    again: Collection[str],
    size: int,
) -> Sequence[Sequence[Any]]:
    """Up to `size` rows in `board.COLUMNS`, in dashboard order, after the pilot whose
    (name, id) is `after`."""
    query = (
        select(*COLUMNS)
        .select_from(
            pilots.outerjoin(board, _kept_on(day, rules)).outerjoin(
                pilot_names.names, pilot_names.names.c.pilot_id == pilots.c.pilot_id
            )
        )
        .order_by(*ORDER)
    )
    query = _filtered(
        query, day=day, rules=rules, phase=phase, rule=rule, needle=needle, again=again
    )
    if after is not None:
        query = query.where(
            tuple_(pilots.c.name, pilots.c.pilot_id) > tuple_(literal(after[0]), literal(after[1]))
        )
    return session.execute(query.limit(size)).tuples().all()


def matching(
    session: Session,
    *,
    day: date,
    rules: str,
    phase: str | None,
    rule: str | None,
    needle: str | None,
    leaving_out: Collection[str],
) -> int:
    """How many pilots outside `leaving_out` have a kept row of `day` that the filters match."""
    query = select(func.count()).select_from(
        pilots.join(board, _kept_on(day, rules)).outerjoin(
            pilot_names.names, pilot_names.names.c.pilot_id == pilots.c.pilot_id
        )
    )
    query = _filtered(query, day=day, rules=rules, phase=phase, rule=rule, needle=needle, again=())
    if leaving_out:
        query = query.where(pilots.c.pilot_id.not_in(sorted(leaving_out)))
    return int(session.execute(query).scalar() or 0)


def place(session: Session, pilot_id: str) -> tuple[str, str] | None:
    """The (name, id) a page resumes after, or None for a pilot not in the cohort."""
    found = session.execute(
        select(pilots.c.name, pilots.c.pilot_id).where(pilots.c.pilot_id == pilot_id)
    ).first()
    return None if found is None else (found[0], found[1])


def kept_rows_of(session: Session, pilot_ids: Collection[str]) -> list[dict[str, Any]]:
    """The kept rows of these pilots, whatever their day or version (to take their share
    out of the day's counts)."""
    if not pilot_ids:
        return []
    found = session.execute(select(board).where(board.c.pilot_id.in_(sorted(pilot_ids))))
    return [dict(r) for r in found.mappings()]


def slugs_of(session: Session, pilot_ids: Collection[str]) -> dict[str, str]:
    if not pilot_ids:
        return {}
    names = pilot_names.names
    found = session.execute(
        select(names.c.pilot_id, names.c.slug).where(names.c.pilot_id.in_(sorted(pilot_ids)))
    )
    return dict(found.tuples().all())
