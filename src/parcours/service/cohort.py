"""The cohort's questions (R3–R11), the report, and read-model maintenance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours import cohort
from parcours import inputs as inp
from parcours.errors import InvalidInput, PilotNotFound
from parcours.programme import Programme
from parcours.projections import board, maintenance, readers
from parcours.projections.dead_letters import DeadLetter
from parcours.service.pipeline import Service
from parcours.service.programme_contacts import ProgrammeContactCommands

_REFRESH_BATCH = 500


class CohortQueries(Service):
    # -- the cohort (read models, R3–R11) ---------------------------------------------------

    def now(self) -> datetime:
        return self.pipeline.now()

    def programme(self, programme_id: str) -> Programme:
        return self.pipeline.programme(programme_id)

    def pilot_rows(self, pilot: Any = None) -> list[dict[str, Any]]:
        """The cohort's read-model rows in dashboard order (or the one row of `pilot`), as
        plain dicts: what the rules of the dashboard, budgets and cadence are judged on."""
        ident = None if pilot is None else self.pipeline.pilot_id(pilot)
        with self.pipeline.reading() as session:
            rows = readers.pilot_rows(session, ident)
        if pilot is not None and not rows:
            raise PilotNotFound(pilot)
        return rows

    def instant(self, today: date | datetime | None) -> datetime:
        if today is None:
            return self.pipeline.now()
        if isinstance(today, datetime):
            if today.tzinfo is None:
                raise InvalidInput("today", "instant.naive")
            return inp.check_instant("today", today)
        day = inp.check_date("today", today)
        return datetime.combine(day, time(12), self.pipeline.programme("grand-est-2024").zone)

    def dashboard(
        self, today: date | datetime | None = None, *, actor: str | None = None
    ) -> cohort.Dashboard:
        """One row per pilot: phase, since, next deadline, days left, alerts with rule ids.

        Rows kept for this day by `refresh_dashboard` are read as they are; the others (a
        pilot changed since, another day) are evaluated now. Either way the result is the
        same; only the time differs. No personal data: any principal holding a role (R15)."""
        self.pipeline.permit_optional("dashboard", actor)
        at = self.instant(today)
        with self.pipeline.reading() as session:  # one snapshot for kept and evaluated rows alike
            found, _, stale = self._cohort(session, at)
            evaluated = self._evaluated(session, stale, at)
            behind = readers.stale_pilots(session, self.pipeline.projections.name)
        computed = {pilot_id: row for pilot_id, (row, _) in evaluated.items()}
        rows, counted = board.Reader().assemble(found, computed)
        if behind:
            rows = [
                r.model_copy(update={"stale": True}) if str(r.pilot_id) in behind else r
                for r in rows
            ]
        day = at.astimezone(self.pipeline.programme("grand-est-2024").zone).date()
        summary = cohort.summarize(board.phases(found), counted, day)
        # The rows were validated as they were assembled; 10,000 need not be checked twice.
        # R11: a programme's own mandatory contacts, missing, are the programme's alerts.
        desk = ProgrammeContactCommands(self.pipeline)
        programme_alerts = [a for p in sorted(board.programmes(found)) for a in desk.alerts(p)]
        return cohort.Dashboard.model_construct(
            today=day, rows=rows, summary=summary, programme_alerts=programme_alerts
        )

    def refresh_dashboard(self, today: date | datetime | None = None) -> int:
        """Keep the dashboard row of the day of every pilot that has none for its current
        version; returns how many were computed (0 when all were kept already)."""
        at = self.instant(today)
        with self.pipeline.reading() as session:
            _, days, stale = self._cohort(session, at)
        for first in range(0, len(stale), _REFRESH_BATCH):
            with self.pipeline.reading() as session:
                computed = self._evaluated(session, stale[first : first + _REFRESH_BATCH], at)
            kept = [
                board.stored(row, version, date.fromisoformat(days[row.programme]))
                for row, version in computed.values()
            ]
            try:
                with self.pipeline.writing() as session:
                    board.keep(session, kept)
            except IntegrityError:
                pass  # another process kept these rows at the same moment: theirs stand
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

    def _evaluated(
        self, session: Session, pilot_ids: list[str], at: datetime
    ) -> dict[str, tuple[cohort.DashboardRow, int]]:
        """Dashboard rows computed from the cohort rows now, with the version they are of."""
        if not pilot_ids:
            return {}
        rows = readers.pilot_rows_of(session, pilot_ids)
        return {
            r["pilot_id"]: (
                cohort.dashboard_row(self.pipeline.programme(r["programme"]), r, at),
                r["version"],
            )
            for r in rows
        }

    def indicators(
        self, pilot: Any, today: date | None = None, *, actor: str | None = None
    ) -> list[cohort.IndicatorLine]:
        """R8: every framed indicator of the pilot's projects, its target and reported values,
        its last report and (in deployment) the next one due, as of `today`."""
        self.pipeline.permit_optional("indicators", actor)
        pilot_id = str(self.pipeline.load(pilot).id)
        row = self.pilot_rows(pilot_id)[0]
        programme = self.pipeline.programme(row["programme"])
        day = self.instant(today).astimezone(programme.zone).date()
        return cohort.indicator_lines(self.project_rows(pilot_id), programme, row, day)

    def published_communications(self, pilot_id: str) -> list[bool | None]:
        """R10: for each communication of the pilot published, whether the Region's graphic
        charter was respected (None: not said, or not applicable)."""
        pilot = self.pipeline.load(pilot_id)
        return [
            c.get("graphic_charter_respected")
            for c in pilot.communications.values()
            if c["status"] == "published"
        ]

    def project_rows(self, pilot_id: str) -> list[dict[str, Any]]:
        """A pilot's projects as the read model holds them (plain dicts), by title."""
        with self.pipeline.reading() as session:
            return readers.project_rows(session, pilot_id)

    def rex_sessions(
        self, programme: str | None = None, *, actor: str | None = None
    ) -> list[dict[str, Any]]:
        """R7: the cohort's scheduled sessions with the pilots that attended each."""
        self.pipeline.permit_optional("rex_sessions", actor)
        with self.pipeline.reading() as session:
            sessions = readers.rex_session_rows(session, programme)
        attendance: dict[str, list[str]] = {s["session_id"]: [] for s in sessions}
        for row in self.pilot_rows():
            for name in row["rex"]:
                if name in attendance:
                    attendance[name].append(row["name"])
        return [{**s, "attended_by": attendance[s["session_id"]]} for s in sessions]

    def time_budget(
        self, pilot: Any, today: date | None = None, *, actor: str | None = None
    ) -> list[cohort.BudgetLine]:
        """R6: budget against logged days, for the diagnostic and each deployment month."""
        self.pipeline.permit_optional("time_budget", actor)
        row = self.pilot_rows(pilot)[0]
        programme = self.pipeline.programme(row["programme"])
        day = self.instant(today).astimezone(programme.zone).date()
        return cohort.time_budget(programme, row, day)

    def follow_up_cadence(
        self, pilot: Any, today: date | None = None, *, actor: str | None = None
    ) -> list[cohort.CadenceLine]:
        """R5: follow-up meetings per month of deployment."""
        self.pipeline.permit_optional("follow_up_cadence", actor)
        row = self.pilot_rows(pilot)[0]
        programme = self.pipeline.programme(row["programme"])
        day = self.instant(today).astimezone(programme.zone).date()
        return cohort.follow_up_cadence(programme, row, day)

    def rex_attendance(
        self, year: int, today: date | None = None, *, actor: str | None = None
    ) -> list[cohort.RexLine]:
        """R7: per pilot, REX sessions attended in `year` against the programme's quota."""
        self.pipeline.permit_optional("rex_attendance", actor)
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput("year", "input.year")
        lines = []
        for row in self.pilot_rows():
            programme = self.pipeline.programme(row["programme"])
            day = self.instant(today).astimezone(programme.zone).date()
            line = cohort.rex_line(programme, row, year, day)
            # A pilot that withdrew owes no more reviews; a purged one is no longer shown.
            if line is not None and row["phase"] not in ("withdrawn", "purged"):
                lines.append(line)
        return lines

    # -- read-model maintenance --------------------------------------------------------------

    def catch_up_projections(self) -> int:
        """Fold what the read models have not seen yet (a projection worker calls this)."""
        return self.pipeline.projections.catch_up()

    def dead_letters(self) -> list[DeadLetter]:
        """Events the read models could not fold, and those held back behind them (issue 18)."""
        with self.pipeline.reading() as session:
            return readers.dead_letters(session, self.pipeline.projections.name)

    def retry_dead_letters(self, *, force: bool = True) -> tuple[int, int]:
        """Fold the held events of the stale pilots again, in order (all of them; with
        `force=False` only those whose backoff is over); returns (caught up, still stale)."""
        when = None if force else datetime.now(UTC)
        return self.pipeline.projections.retry_dead_letters(when)

    def projection_lag(self) -> int:
        """How many stored events the read models have not folded yet."""
        with self.pipeline.reading() as session:
            position = self.pipeline.projections.position(session)
        return max(0, self.pipeline.event_count() - position)

    def rebuild_projections(self, on_page: Callable[[int], None] | None = None) -> int:
        """Empty every read model and fold the whole log again; returns the events folded."""
        with self.pipeline.writing() as session:
            readers.forget_kept_board_rows(session)  # kept rows may follow rules since changed
        return maintenance.rebuild(self.pipeline.projections, on_page)

    def check_projections(
        self, on_page: Callable[[int], None] | None = None
    ) -> maintenance.CheckReport:
        """Rebuild into scratch tables and compare row by row with the live read models;
        then judge every kept dashboard row again for its own day and compare."""
        self.pipeline.projections.catch_up()
        report = maintenance.check(self.pipeline.projections, on_page)
        kept = self._kept_differences()
        return report.model_copy(update={"differences": [*report.differences, *kept]})

    def _kept_differences(self) -> list[maintenance.Difference]:
        differences = []
        with self.pipeline.reading() as session:
            kept = readers.kept_board_rows(session)
            rows = readers.pilot_rows(session)
        for row in rows:
            found = kept.get(row["pilot_id"])
            if found is None or found["version"] != row["version"]:
                continue  # not kept for this version: never read
            programme = self.pipeline.programme(row["programme"])
            at = datetime.combine(found["day"], time(12), programme.zone)
            want = board.stored(
                cohort.dashboard_row(programme, row, at), row["version"], found["day"]
            )
            have = {k: found[k] for k in want}
            if have != want:
                differences.append(
                    maintenance.Difference(
                        table=board.board.name, key=row["pilot_id"], live=have, rebuilt=want
                    )
                )
        return differences
