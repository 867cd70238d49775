"""The read side's queries: every line of SQL the service's queries need from the read models.

The service asks in words ("the cohort's rows", "this pilot's projects"); the tables, their
columns and their decoding stay here, beside the projectors that fill them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.projections import board
from parcours.projections import dead_letters as dead
from parcours.projections.pilots import decode as decode_pilot
from parcours.projections.pilots import pilots
from parcours.projections.projects import decode as decode_project
from parcours.projections.projects import projects, rex_sessions

# Past this many ids, reading the whole table beats a long IN list.
_IN_LIST_LIMIT = 500


def pilot_rows(session: Session, pilot_id: UUID | None = None) -> list[dict[str, Any]]:
    """The cohort's rows in dashboard order (name, then id), or the one row of a pilot."""
    query = select(pilots).order_by(pilots.c.name, pilots.c.pilot_id)
    if pilot_id is not None:
        query = query.where(pilots.c.pilot_id == str(pilot_id))
    return [decode_pilot(r) for r in session.execute(query)]


def pilot_order(session: Session) -> list[str]:
    """Every pilot id in dashboard order (name, then id), as the database sorts them."""
    query = select(pilots.c.pilot_id).order_by(pilots.c.name, pilots.c.pilot_id)
    return list(session.execute(query).scalars())


def project_order(session: Session, pilot_id: str | None = None) -> list[tuple[str, str]]:
    """Every (pilot id, project id) (or those of one pilot), each pilot's projects by title,
    as the database sorts them (the order of `project_rows`)."""
    query = select(projects.c.pilot_id, projects.c.project_id).order_by(
        projects.c.title, projects.c.project_id
    )
    if pilot_id is not None:
        query = query.where(projects.c.pilot_id == pilot_id)
    return [(r.pilot_id, r.project_id) for r in session.execute(query)]


def pilot_rows_of(session: Session, pilot_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of these pilots, in no particular order."""
    if not pilot_ids:
        return []
    query = select(pilots)
    if len(pilot_ids) <= _IN_LIST_LIMIT:
        query = query.where(pilots.c.pilot_id.in_(pilot_ids))
    wanted = set(pilot_ids)
    return [decode_pilot(r) for r in session.execute(query) if r.pilot_id in wanted]


def pilot_summaries(session: Session, programme: str | None = None) -> list[Any]:
    """Id, name, programme, phase and its start of every pilot, by name."""
    query = select(
        pilots.c.pilot_id, pilots.c.name, pilots.c.programme, pilots.c.phase, pilots.c.phase_since
    ).order_by(pilots.c.name)
    if programme is not None:
        query = query.where(pilots.c.programme == programme)
    return list(session.execute(query).all())


def pilots_in_phase(session: Session, phase: str, *, negate: bool = False) -> list[tuple[str, str]]:
    """(pilot id, programme) of the pilots in `phase` (or, with `negate`, in any other)."""
    condition = pilots.c.phase != phase if negate else pilots.c.phase == phase
    rows = session.execute(select(pilots.c.pilot_id, pilots.c.programme).where(condition))
    return [(r.pilot_id, r.programme) for r in rows]


def project_rows(session: Session, pilot_id: str) -> list[dict[str, Any]]:
    """A pilot's projects, by title (then id)."""
    query = (
        select(projects)
        .where(projects.c.pilot_id == pilot_id)
        .order_by(projects.c.title, projects.c.project_id)
    )
    return [decode_project(r) for r in session.execute(query)]


def rex_session_rows(session: Session, programme: str | None = None) -> list[dict[str, Any]]:
    """The scheduled REX sessions, by date."""
    query = select(rex_sessions).order_by(rex_sessions.c.on)
    if programme is not None:
        query = query.where(rex_sessions.c.programme == programme)
    return [dict(r) for r in session.execute(query).mappings()]


def cohort_with_kept_rows(session: Session) -> Sequence[Sequence[Any]]:
    """Every pilot in dashboard order with its kept dashboard row, when there is one."""
    return session.execute(board.COHORT).tuples().all()


def kept_board_rows(session: Session) -> dict[str, Any]:
    """Every kept dashboard row, by pilot id."""
    return {r.pilot_id: r for r in session.execute(select(board.board)).mappings()}


def forget_kept_board_rows(session: Session) -> None:
    """Drop every kept dashboard row (the rules they were judged by may have changed), and
    the counts kept with them."""
    board.forget(session)


def stale_pilots(session: Session, projection: str) -> set[str]:
    """Pilots whose events wait in the dead letters (the read models may be behind)."""
    return dead.held_pilots(session, projection)


def dead_letters(session: Session, projection: str) -> list[dead.DeadLetter]:
    return dead.listed(session, projection)
