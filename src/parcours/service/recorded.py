"""What the cohort's questions are folded from when they ask about a past day: the cut (the
end of the day in the programme's zone, or `known_at=`), and the rows recorded by then
(`projections.as_of`). `CohortQueries` (cohort.py) asks through these; see its docstring for
what `today=` and `known_at=` mean."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from parcours import inputs as inp
from parcours.errors import InvalidInput, PilotNotFound
from parcours.programme import Programme
from parcours.projections import readers
from parcours.projections.as_of import AsOf, Recorded
from parcours.service.pipeline import Pipeline, Service


@dataclass(frozen=True)
class Cut:
    """What was recorded by when: the end of `day` in each programme's time zone, or the
    instant `at` when one was asked (`known_at=`)."""

    day: date
    at: datetime | None = None

    def end(self, programme: Programme) -> datetime:
        if self.at is not None:
            return self.at
        return datetime.combine(self.day, time.max, programme.zone)

    def said(self) -> str:
        """The cut for an error message (`PilotNotFound`'s `as_of`): the instant, or the day
        whose end it is."""
        return self.day.isoformat() if self.at is None else self.at.isoformat()


class RecordedQueries(Service):
    """The cut of a question and the cohort as recorded at it; a view pinned to one day keeps
    what it folded."""

    def __init__(
        self, pipeline: Pipeline, *, pinned: Cut | None = None, known_at: datetime | None = None
    ) -> None:
        super().__init__(pipeline)
        self.pinned = pinned
        self.known_at = known_at  # what `known_at=` means when a question does not say
        self._reader: AsOf | None = None
        self._recorded: Recorded | None = None

    def cut(self, today: date | datetime | None, known_at: datetime | None = None) -> Cut | None:
        """What the answer about `today` is folded from: None when the read models hold it
        (what was recorded by the end of `today`, or by `known_at`, is all that is recorded
        now); else the day and the instant to fold the log up to."""
        known_at = self.known_at if known_at is None else known_at
        if today is None and known_at is None:
            return self.pinned
        zone = self.pipeline.programmes.default().zone
        day = self.instant(today if today is not None else self.pinned_day()).astimezone(zone)
        now = self.pipeline.now()
        if self.pinned is not None and known_at is None and day.date() == self.pinned.day:
            return self.pinned  # a pinned view asked about its own day
        if known_at is not None:
            if not isinstance(known_at, datetime) or known_at.tzinfo is None:
                raise InvalidInput("known_at", "instant.naive")
            at = inp.check_instant("known_at", known_at)
            return Cut(day.date(), at) if at < now else None
        return Cut(day.date()) if day.date() < now.astimezone(zone).date() else None

    def pinned_day(self) -> date | None:
        return None if self.pinned is None else self.pinned.day

    def recorded(self, cut: Cut) -> Recorded:
        """The cohort's rows as recorded at `cut` (kept by a view pinned to it)."""
        if self.pinned == cut and self._recorded is not None:
            return self._recorded
        ends: dict[datetime, None] = {}
        for programme_id in self.pipeline.programmes.known_ids():
            ends.setdefault(cut.end(self.pipeline.programme(programme_id)))
        reader = self._as_of_reader()
        with self.pipeline.reading() as session:
            if len(ends) == 1:
                bounds = reader.versions(session, next(iter(ends)))
            else:  # programmes in several zones: each pilot's day ends in its own
                bounds = self._bounds_by_programme(session, reader, cut)
            found = reader.cohort(session, bounds)
        if self.pinned == cut:
            self._recorded = found
        return found

    def _bounds_by_programme(self, session: Session, reader: AsOf, cut: Cut) -> dict[str, int]:
        versions: dict[datetime, dict[str, int]] = {}
        bounds: dict[str, int] = {}
        for summary in readers.pilot_summaries(session):
            end = cut.end(self.pipeline.programme(summary.programme))
            if end not in versions:
                versions[end] = reader.versions(session, end)
            found = versions[end].get(summary.pilot_id)
            if found is not None:
                bounds[summary.pilot_id] = found
        return bounds

    def recorded_pilot(
        self, pilot: Any, cut: Cut
    ) -> tuple[dict[str, Any], list[dict[str, Any]], Programme]:
        """One pilot's row and project rows as recorded at `cut`; PilotNotFound when it was
        not enrolled by then."""
        pilot_id = self.pipeline.pilot_id(pilot)
        ident = str(pilot_id)
        if self.pinned == cut:
            recorded = self.recorded(cut)
            row = recorded.pilot(ident)
            if row is None:
                raise PilotNotFound(pilot, cut.said())
            return row, recorded.projects.get(ident, []), self.pipeline.programme(row["programme"])
        with self.pipeline.reading() as session:
            rows = readers.pilot_rows(session, pilot_id)
        if not rows:
            raise PilotNotFound(pilot)
        programme = self.pipeline.programme(rows[0]["programme"])
        reader = self._as_of_reader()
        with self.pipeline.reading() as session:
            version = reader.version(session, ident, cut.end(programme))
            if version is None:
                raise PilotNotFound(pilot, cut.said())
            found = reader.cohort(session, {ident: version})
        row = found.pilot(ident)
        if row is None:  # its enrolment itself could not be folded
            raise PilotNotFound(pilot, cut.said())
        return row, found.projects.get(ident, []), programme

    def _as_of_reader(self) -> AsOf:
        if self._reader is None:
            self._reader = AsOf(self.pipeline.store)
        return self._reader

    def instant(self, today: date | datetime | None) -> datetime:
        if today is None:
            return self.pipeline.now()
        if isinstance(today, datetime):
            if today.tzinfo is None:
                raise InvalidInput("today", "instant.naive")
            return inp.check_instant("today", today)
        day = inp.check_date("today", today)
        return datetime.combine(day, time(12), self.pipeline.programmes.default().zone)
