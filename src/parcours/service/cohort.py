"""The cohort's questions (R3–R11) and the report's; the read models' upkeep is in
read_models.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from parcours.domain import standing, standing_views
from parcours.errors import InvalidInput, PilotNotFound
from parcours.programme import Programme
from parcours.projections import readers
from parcours.report_data import ReportData
from parcours.service.dashboard import DashboardQueries
from parcours.service.recorded import Cut


class CohortQueries(DashboardQueries):
    """The cohort's questions. Every one that takes `today=` answers **as recorded at the end
    of that day** in the programme's time zone (issue 20, CONTRACT.md):

    - `today` None, or the clock's own day: the read models, as they stand (the fast path);
    - a day before the clock's: the rows folded from the events recorded by the end of that
      day (`projections.as_of`; "recorded" is the instant the injected clock gave the act,
      the timeline's, not a business date typed with it): a pilot enrolled later is absent,
      a phase started later is not shown, time typed later is not counted;
    - a day after the clock's: nothing is recorded in the future, so the state as it stands
      now, with the rules judged on that day (a projection, e.g. "what falls due by then").

    `known_at=` (an aware date-time) separates the two times: the rules judged on `today`
    over what was recorded by `known_at`. At or after the clock's now (`known_at=app.now()`
    under a clock that stands still): a past day as we know it now, time typed late
    included, from the read models; earlier: folded from the log as above.

    The fast path trusts the clock to move forward: an act recorded "in the future" of the
    clock (a simulation that set it back) is in the read models, so today shows it.

    `as_of(day)` gives these queries pinned to one past day (the report reads through it)."""

    # -- the cohort (read models, R3–R11) ---------------------------------------------------

    def now(self) -> datetime:
        return self.pipeline.now()

    def programme(self, programme_id: str) -> Programme:
        return self.pipeline.programme(programme_id)

    def default_programme(self) -> Programme:
        """The programme of what names none (settings.programme, PARCOURS_PROGRAMME)."""
        return self.pipeline.programmes.default()

    def as_of(
        self, today: date | datetime | None, known_at: datetime | None = None
    ) -> CohortQueries:
        """These queries as recorded at the end of `today` (or at `known_at`): this object
        itself when that is all that is recorded now (the read models answer)."""
        cut = self.cut(today, known_at)
        if cut is None and known_at is None:
            return self
        pinned = CohortQueries(self.pipeline, pinned=cut, known_at=known_at)
        pinned._reader = self._as_of_reader()
        return pinned

    def pilot_rows(self, pilot: Any = None) -> list[dict[str, Any]]:
        """The cohort's read-model rows in dashboard order (or the one row of `pilot`), as
        plain dicts: what the rules of the dashboard, budgets and cadence are judged on.
        Pinned to a past day (`as_of`): the rows as recorded at its end."""
        if self.pinned is not None:
            if pilot is None:
                return list(self.recorded(self.pinned).rows)
            return [self.recorded_pilot(pilot, self.pinned)[0]]
        ident = None if pilot is None else self.pipeline.pilot_id(pilot)
        with self.pipeline.reading() as session:
            rows = readers.pilot_rows(session, ident)
        if pilot is not None and not rows:
            raise PilotNotFound(pilot)
        return rows

    def indicators(
        self,
        pilot: Any,
        today: date | None = None,
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
    ) -> list[standing_views.IndicatorLine]:
        """R8: every framed indicator of the pilot's projects, its target and reported values,
        its last report and (in deployment) the next one due, as of `today`."""
        self.pipeline.permit_optional("indicators", actor)
        pilot_id = str(self.pipeline.load(pilot).id)
        cut = self.cut(today, known_at)
        if cut is not None:
            row, projects, programme = self.recorded_pilot(pilot_id, cut)
            return standing.indicator_lines(projects, programme, row, cut.day)
        row = self.pilot_rows(pilot_id)[0]
        programme = self.pipeline.programme(row["programme"])
        day = self.instant(today).astimezone(programme.zone).date()
        return standing.indicator_lines(self.project_rows(pilot_id), programme, row, day)

    def published_communications(self, pilot_id: str) -> list[bool | None]:
        """R10: for each communication of the pilot published, whether the Region's graphic
        charter was respected (None: not said, or not applicable)."""
        pilot = self.pipeline.load(pilot_id)
        if self.pinned is not None:
            programme = self.programme(pilot.programme)
            with self.pipeline.reading() as session:
                version = self._as_of_reader().version(
                    session, str(pilot.id), self.pinned.end(programme)
                )
            if version is None:
                raise PilotNotFound(pilot_id, self.pinned.said())
            pilot = self.pipeline.replay(pilot.id, version)
        return [
            c.get("graphic_charter_respected")
            for c in pilot.communications.values()
            if c["status"] == "published"
        ]

    def project_rows(self, pilot_id: str) -> list[dict[str, Any]]:
        """A pilot's projects as the read model holds them (plain dicts), by title; pinned
        to a past day (`as_of`), as recorded at its end."""
        if self.pinned is not None:
            return self.recorded_pilot(pilot_id, self.pinned)[1]
        with self.pipeline.reading() as session:
            return readers.project_rows(session, pilot_id)

    def report_data(self, today: date) -> ReportData:
        """Everything the cohort report of `today` shows (as these queries see the cohort:
        pinned to that day by `as_of` for a past one); the report renders it."""
        rows = self.pilot_rows()
        wanted = {r["programme"] for r in rows} | {self.pipeline.programmes.default_id}
        return ReportData(
            today=today,
            at=self.instant(today),
            rows=rows,
            dashboard=self.dashboard(today=today),
            programmes={p: self.pipeline.programme(p) for p in sorted(wanted)},
            default_programme=self.pipeline.programmes.default_id,
            projects={r["pilot_id"]: self.project_rows(r["pilot_id"]) for r in rows},
            published={r["pilot_id"]: self.published_communications(r["pilot_id"]) for r in rows},
            sessions=self._sessions(rows),  # the rows read once for the whole report
        )

    def report_day(self, today: date | None) -> date:
        """The report's day: `today`, else the clock's day in the default programme's zone."""
        if today is not None:
            return today
        return self.pipeline.now().astimezone(self.pipeline.programmes.default().zone).date()

    def rex_sessions(
        self, programme: str | None = None, *, actor: str | None = None
    ) -> list[standing_views.RexSessionLine]:
        """R7: the cohort's scheduled sessions with the pilots that attended each."""
        self.pipeline.permit_optional("rex_sessions", actor)
        return self._sessions(self.pilot_rows(), programme)

    def _sessions(
        self, rows: list[dict[str, Any]], programme: str | None = None
    ) -> list[standing_views.RexSessionLine]:
        """The scheduled sessions and, from the cohort's `rows`, who attended each."""
        with self.pipeline.reading() as session:
            sessions = readers.rex_session_rows(session, programme)
        if self.pinned is not None:  # the sessions scheduled by the end of the day
            sessions = [s for s in sessions if self._scheduled_by(s, self.pinned)]
        attendance: dict[str, list[str]] = {s["session_id"]: [] for s in sessions}
        for row in rows:
            for name in row["rex"]:
                if name in attendance:
                    attendance[name].append(row["name"])
        return [
            standing_views.RexSessionLine(**s, attended_by=attendance[s["session_id"]])
            for s in sessions
        ]

    def _scheduled_by(self, found: dict[str, Any], cut: Cut) -> bool:
        session = self.pipeline.rex_session(UUID(found["session_id"]))
        end = cut.end(self.programme(found["programme"]))
        return session is not None and session.created_on <= end

    def _row_on(
        self, pilot: Any, today: date | datetime | None, known_at: datetime | None
    ) -> tuple[dict[str, Any], Programme, date]:
        """The pilot's row, its programme and the day asked: as recorded at the end of a past
        day (or at `known_at`), else as the read model holds it."""
        cut = self.cut(today, known_at)
        if cut is not None:
            row, _, programme = self.recorded_pilot(pilot, cut)
            return row, programme, cut.day
        row = self.pilot_rows(pilot)[0]
        programme = self.pipeline.programme(row["programme"])
        return row, programme, self.instant(today).astimezone(programme.zone).date()

    def time_budget(
        self,
        pilot: Any,
        today: date | None = None,
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
    ) -> list[standing_views.BudgetLine]:
        """R6: budget against logged days, for the diagnostic and each deployment month, as
        recorded at the end of `today`."""
        self.pipeline.permit_optional("time_budget", actor)
        row, programme, day = self._row_on(pilot, today, known_at)
        return standing.time_budget(programme, row, day)

    def follow_up_cadence(
        self,
        pilot: Any,
        today: date | None = None,
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
    ) -> list[standing_views.CadenceLine]:
        """R5: follow-up meetings per month of deployment, as recorded at the end of `today`."""
        self.pipeline.permit_optional("follow_up_cadence", actor)
        row, programme, day = self._row_on(pilot, today, known_at)
        return standing.follow_up_cadence(programme, row, day)

    def rex_attendance(
        self,
        year: int,
        today: date | None = None,
        *,
        known_at: datetime | None = None,
        actor: str | None = None,
    ) -> list[standing_views.RexLine]:
        """R7: per pilot, REX sessions attended in `year` against the programme's quota."""
        self.pipeline.permit_optional("rex_attendance", actor)
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput("year", "input.year")
        cut = self.cut(today, known_at)
        rows = self.pilot_rows() if cut is None else self.recorded(cut).rows
        lines = []
        for row in rows:
            programme = self.pipeline.programme(row["programme"])
            day = cut.day if cut else self.instant(today).astimezone(programme.zone).date()
            line = standing.rex_line(programme, row, year, day)
            # A pilot that withdrew owes no more reviews; a purged one is no longer shown.
            if line is not None and row["phase"] not in ("withdrawn", "purged"):
                lines.append(line)
        return lines
