"""What the cohort report shows, gathered by the service (`CohortQueries.report_data`) and
rendered by `parcours.report`, which asks nothing itself: the report renders what it is given
(issue 21). The rows are the cohort read model's, as recorded at the report's day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from parcours.domain.standing_views import Dashboard, RexSessionLine
from parcours.programme import Programme


class ReportData(BaseModel):
    model_config = ConfigDict(frozen=True)

    today: date
    # The instant the rules judge `today` at (noon of that day in the programme's zone).
    at: datetime
    # The cohort's read-model rows (plain dicts, as the pure rules of `cohort` take them).
    rows: list[dict[str, Any]]
    dashboard: Dashboard
    # Every programme a row names, and the default one (the title when the cohort is empty).
    programmes: dict[str, Programme]
    default_programme: str
    # Per pilot id: its projects' rows, and for each communication it published whether the
    # Region's graphic charter was respected (R10).
    projects: dict[str, list[dict[str, Any]]]
    published: dict[str, list[bool | None]]
    # R7: the scheduled REX sessions, with the pilots that attended each.
    sessions: list[RexSessionLine]

    def programme(self, programme_id: str) -> Programme:
        return self.programmes[programme_id]

    def title_programme(self) -> Programme:
        first = self.rows[0]["programme"] if self.rows else self.default_programme
        return self.programmes[first]
