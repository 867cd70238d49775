"""The dashboard (R3–R11): one row per pilot, a page of it, as of any day; and the rows and
counts kept for it (issue 23: a page reads those, `dashboard_page` and `dashboard_past`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from parcours import dashboard_pages as pages
from parcours import inputs as inp
from parcours.domain import standing, standing_views
from parcours.projections import board, board_counts, readers
from parcours.service.dashboard_page import kept_page
from parcours.service.dashboard_past import seal_over_days, sealed_page
from parcours.service.pipeline import RACED
from parcours.service.programme_contacts import ProgrammeContactCommands
from parcours.service.recorded import Cut, RecordedQueries
from parcours.store import bulk, pilot_names

_REFRESH_BATCH = 500


class DashboardQueries(RecordedQueries):
    """The dashboard's questions; `CohortQueries` adds the cohort's others (see its
    docstring for what `today=` and `known_at=` mean)."""

    def dashboard(
        self,
        today: date | datetime | None = None,
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
        phase: str | None = None,
        rule: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        after: Any = None,
    ) -> standing_views.Dashboard:
        """One row per pilot: phase, since, next deadline, days left, alerts with rule ids.

        One page of it (`dashboard_pages`): the rows in `phase`, with an alert of `rule`, or
        whose name or slug contains `search`; at most `limit`, after the pilot `after` (id,
        slug or SIREN; the `next_after` of the page before). The summary stays the cohort's.

        Rows kept for this day by `refresh_dashboard` are read as they are; the others (a
        pilot changed since, another day) are evaluated now. Either way the result is the
        same; only the time differs. No personal data: any principal holding a role (R15).

        Of a past day: the cohort as recorded at its end (Europe/Paris), or at `known_at`,
        every row judged on that day (see the class)."""
        self.pipeline.permit_optional("dashboard", actor)
        wanted = inp.validated(
            pages.DashboardFilter,
            phase=phase,
            rule=rule,
            search=search,
            limit=limit,
            after=None if after is None else self.pipeline.pilot_id(after, actor),
        )
        if wanted.limit is not None:  # a page: from kept rows when they hold it (issue 23)
            found = self._kept_page(today, known_at, wanted)
            if found is not None:
                return found
        whole = self._whole_dashboard(today, known_at)
        if not wanted.narrows and wanted.after is None:
            return whole
        shown = pages.page(whole.rows, wanted)
        return whole.model_copy(
            update={"rows": shown.rows, "next_after": shown.next_after, "matched": shown.matched}
        )

    def _kept_page(
        self,
        today: date | datetime | None,
        known_at: datetime | None,
        wanted: pages.DashboardFilter,
    ) -> standing_views.Dashboard | None:
        cut = self.cut(today, known_at)
        if cut is None:
            at = self.instant(self.pinned_day() if today is None else today)
            return kept_page(self.pipeline, self.judged, at, wanted)
        if cut.at is None:  # a past day as recorded at its end
            desk = ProgrammeContactCommands(self.pipeline)
            return sealed_page(self.pipeline, cut.day, wanted, desk.alerts)
        return None

    def _whole_dashboard(
        self, today: date | datetime | None, known_at: datetime | None
    ) -> standing_views.Dashboard:
        at = self.instant(self.pinned_day() if today is None else today)
        cut = self.cut(today, known_at)
        if cut is not None:
            return self._dashboard_as_of(cut, at)
        with self.pipeline.reading() as session:  # one snapshot for kept and evaluated rows alike
            found, _, stale = self._cohort(session, at)
            evaluated = self.evaluated(session, stale, at)
            behind = readers.stale_pilots(session, self.pipeline.projections.name)
        computed = {pilot_id: row for pilot_id, (row, _) in evaluated.items()}
        rows, counted = board.Reader().assemble(found, computed)
        if behind:
            rows = [
                r.model_copy(update={"stale": True}) if str(r.pilot_id) in behind else r
                for r in rows
            ]
        day = at.astimezone(self.pipeline.programmes.default().zone).date()
        summary = standing.summarize(board.phases(found), counted, day)
        # The rows were validated as they were assembled; 10,000 need not be checked twice.
        # R11: a programme's own mandatory contacts, missing, are the programme's alerts.
        desk = ProgrammeContactCommands(self.pipeline)
        programme_alerts = [a for p in sorted(board.programmes(found)) for a in desk.alerts(p)]
        return standing_views.Dashboard.model_construct(
            today=day, rows=rows, summary=summary, programme_alerts=programme_alerts
        )

    def _dashboard_as_of(self, cut: Cut, at: datetime) -> standing_views.Dashboard:
        """The dashboard of a past day: every row judged at `at` over the cohort as
        recorded at `cut` (no kept row: those are of current versions)."""
        recorded = self.recorded(cut)
        day = cut.day
        with self.pipeline.reading() as session:
            slugs = pilot_names.slugs(session)  # a name is given once, at enrolment
        rows = [
            standing.dashboard_row(self.pipeline.programme(r["programme"]), r, at).model_copy(
                update={"slug": slugs.get(str(r["pilot_id"]))}
            )
            for r in recorded.rows
        ]
        if recorded.stale:
            rows = [
                r.model_copy(update={"stale": True}) if str(r.pilot_id) in recorded.stale else r
                for r in rows
            ]
        summary = standing.summary(rows, day)
        desk = ProgrammeContactCommands(self.pipeline)
        programme_alerts = [
            a
            for p in sorted({r.programme for r in rows})
            for a in desk.alerts(p, cut.end(self.pipeline.programme(p)))
        ]
        return standing_views.Dashboard.model_construct(
            today=day, rows=rows, summary=summary, programme_alerts=programme_alerts
        )

    def refresh_dashboard(self, today: date | datetime | None = None) -> int:
        """Keep the dashboard row of the day of every pilot that has none for its current
        version; returns how many were computed (0 when all were kept already)."""
        at = self.instant(today)
        seal_over_days(self.pipeline, self._as_of_reader())  # before its rows are replaced
        with self.pipeline.reading() as session:
            # Read before the cohort: whatever is folded after it is judged again by a page.
            since = self.pipeline.projections.position(session)
            _, days, stale = self._cohort(session, at)
        complete = True
        for first in range(0, len(stale), _REFRESH_BATCH):
            with self.pipeline.reading() as session:
                computed = self.evaluated(session, stale[first : first + _REFRESH_BATCH], at)
            kept = [
                board.stored(row, version, date.fromisoformat(days[row.programme]))
                for row, version in computed.values()
            ]
            try:
                with self.pipeline.writing() as session:
                    board.keep(session, kept)
            except RACED:
                complete = False  # another process kept these rows at the same moment
        if complete:
            with self.pipeline.writing() as session:
                for day in set(days.values()):
                    board_counts.mark_complete(session, date.fromisoformat(day), board.RULES, since)
                if len(stale) >= bulk.BULK_ROWS:  # a day's first refresh: every row anew
                    bulk.analyse(session, board.board)
        return len(stale)

    def _cohort(
        self, session: Session, at: datetime
    ) -> tuple[Sequence[Sequence[Any]], dict[str, str], list[str]]:
        """Every pilot in dashboard order with its kept row, the day `at` falls on in each
        programme's time zone (ISO), and the pilots with no row kept for that day."""
        found = readers.cohort_with_kept_rows(session)
        days = {
            p: at.astimezone(self.pipeline.programme(p).zone).date().isoformat()
            for p in board.programmes(found)
        }
        return found, days, board.stale(found, days)

    def judged(
        self, session: Session, pilot_ids: list[str], at: datetime
    ) -> dict[str, standing_views.DashboardRow]:
        """The dashboard rows of these pilots, judged now from their cohort rows."""
        return {
            pilot_id: row for pilot_id, (row, _) in self.evaluated(session, pilot_ids, at).items()
        }

    def evaluated(
        self, session: Session, pilot_ids: list[str], at: datetime
    ) -> dict[str, tuple[standing_views.DashboardRow, int]]:
        """Dashboard rows computed from the cohort rows now, with the version they are of."""
        if not pilot_ids:
            return {}
        rows = readers.pilot_rows_of(session, pilot_ids)
        return {
            r["pilot_id"]: (
                standing.dashboard_row(self.pipeline.programme(r["programme"]), r, at),
                r["version"],
            )
            for r in rows
        }
