"""Past days of the dashboard: sealed once over, then read a page at a time (issue 23).

Sealing day D writes what the as-of dashboard of D computes (`CohortQueries._dashboard_as_of`):
every pilot enrolled by the end of D, its row as recorded then, judged on D. It reads the
timeline for each pilot's version at the end of D; a row kept for D at exactly that version
(and reading of the rules) is that row already; any other pilot — changed since, held in the
dead letters, kept at another version — is folded from the log up to that version, as the
as-of dashboard folds it. So a sealed day is exact whatever the refreshes missed; only its
cost depends on them.

The refresh seals the day its kept rows are of, before it replaces them with today's, once
that day is over in the programmes' time zone (one zone: several zones are folded as before).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from parcours import dashboard_pages as pages
from parcours.domain.standing import dashboard_row
from parcours.domain.standing_views import Alert, Dashboard, DashboardRow, NextDeadline
from parcours.errors import InvalidInput
from parcours.projections import board, board_counts, board_history, readers
from parcours.projections.as_of import AsOf
from parcours.service.pipeline import RACED, Pipeline
from parcours.store import ledger

# The programme's own alerts as recorded at an instant (ProgrammeContactCommands.alerts).
ProgrammeAlerts = Callable[[str, datetime], list[Alert]]


def _zone(pipeline: Pipeline) -> Any:
    """The one time zone of every programme, or None when they differ."""
    zones = {pipeline.programme(p).zone.key for p in pipeline.programmes.known_ids()}
    return pipeline.programmes.default().zone if len(zones) == 1 else None


def seal_over_days(pipeline: Pipeline, reader: AsOf) -> list[date]:
    """Seal the day the kept rows are of, when it is over and after the last sealed day."""
    zone = _zone(pipeline)
    if zone is None:
        return []
    now = pipeline.now()
    with pipeline.reading() as session:
        days = sorted(session.execute(select(board.board.c.day).distinct()).scalars())
        last = board_history.last_sealed(session)
    done = []
    for day in days:
        over = datetime.combine(day, time.max, zone) < now
        if over and (last is None or day > last):
            # Another process sealing it at the same moment: its rows stand, ours roll back.
            with suppress(*RACED):
                seal_day(pipeline, reader, day, zone)
            done.append(day)
            last = day
    return done


def seal_day(pipeline: Pipeline, reader: AsOf, day: date, zone: Any) -> int:
    """Seal `day` in one transaction (rows, counts and the day itself, or nothing)."""
    end = datetime.combine(day, time.max, zone)
    at = datetime.combine(day, time(12), zone)
    with pipeline.writing() as session:
        versions = ledger.versions_at(session, end)
        kept = {
            r["pilot_id"]: r
            for r in session.execute(select(board.board).where(board.board.c.day == day)).mappings()
        }
        held = readers.stale_pilots(session, pipeline.projections.name)
        rows: dict[str, dict[str, Any]] = {}
        refold: dict[str, int] = {}
        for pilot_id, version in versions.items():
            row = kept.get(pilot_id)
            if (
                pilot_id in held
                or row is None
                or row["version"] != version
                or row["rules"] != board.RULES
            ):
                refold[pilot_id] = version
            else:
                rows[pilot_id] = {c: row[c] for c in board_history.CONTENT if c != "stale"}
                rows[pilot_id]["stale"] = False
        if refold:
            recorded = reader.cohort(session, refold)
            for found in recorded.rows:
                judged = dashboard_row(pipeline.programme(found["programme"]), found, at)
                rows[found["pilot_id"]] = content(judged, found["pilot_id"] in recorded.stale)
        counts: dict[str, Counter[str]] = {}
        for row in rows.values():
            counts.setdefault(row["programme"], Counter()).update(board_counts.of_stored(row))
        return board_history.seal(session, day, board.RULES, rows, counts)


def content(row: DashboardRow, stale: bool) -> dict[str, Any]:
    """What a sealed day keeps of a judged row (`board_history.CONTENT`)."""
    stored = board.stored(row, 0, date.min)
    found = {c: stored[c] for c in board_history.CONTENT if c != "stale"}
    found["stale"] = stale
    return found


def sealed_page(
    pipeline: Pipeline,
    day: date,
    wanted: pages.DashboardFilter,
    programme_alerts: ProgrammeAlerts,
) -> Dashboard | None:
    """The page `wanted` of the dashboard of a sealed past `day`, or None if not sealed."""
    assert wanted.limit is not None
    phase = None if wanted.phase is None else wanted.phase.value
    needle = None if wanted.search is None else pages.folded(wanted.search)
    with pipeline.reading() as session:
        if not board_history.is_sealed(session, day, board.RULES):
            return None
        counts = board_history.counts_of(session, day)
        after = None
        if wanted.after is not None:
            after = board_history.present(session, day, str(wanted.after))
            if after is None:
                raise InvalidInput("after", "input.after_not_shown")
        found = board_history.page_rows(
            session,
            day=day,
            phase=phase,
            rule=wanted.rule,
            needle=needle,
            after=after,
            size=wanted.limit + 1,
        )
        matched = board_counts.matched(counts, phase, wanted.rule, wanted.search)
        if matched is None:
            matched = board_history.matching(
                session, day=day, phase=phase, rule=wanted.rule, needle=needle
            )
    reader = board.Reader()
    rows = [_row(reader, r, day) for r in found]
    shown = rows[: wanted.limit]
    end = datetime.combine(day, time.max, pipeline.programmes.default().zone)
    return Dashboard.model_construct(
        today=day,
        rows=shown,
        summary=board_counts.summary(counts, day),
        programme_alerts=[a for p in sorted(counts) for a in programme_alerts(p, end)],
        next_after=shown[-1].pilot_id if len(rows) > wanted.limit else None,
        matched=matched,
    )


def _row(reader: board.Reader, r: Mapping[str, Any], day: date) -> DashboardRow:
    due = r["next_due"]
    nearest = None
    if r["next_rule"] is not None:
        nearest = NextDeadline(rule=r["next_rule"], due=due, days_left=(due - day).days)
    return DashboardRow(
        pilot_id=r["pilot_id"],
        name=r["name"],
        programme=r["programme"],
        phase=r["phase"],
        phase_since=r["phase_since"],
        next_deadline=nearest,
        alerts=reader.alerts(r["alerts"])[0],
        open_blockers=r["open_blockers"],
        regional_solutions=r["regional_solutions"],
        stale=r["stale"],
        slug=r["slug"],
    )
