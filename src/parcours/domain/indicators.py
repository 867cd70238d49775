"""R8, indicators that must come back: « Faire remonter les indicateurs liés au(x) projet(s)
déployé(s) et co-définis en phase de cadrage ».

During deployment each co-defined indicator is reported at the programme's cadence
(`indicator_reports.cadence_months`, quarterly unless the programme says otherwise). The
clock of an indicator starts at its last report (the report's business date), or at the
start of deployment when it has none; the next report is due one cadence later, that day
included; an indicator not reported by then is overdue from the next day. Judged while the
pilot is in deployment, up to the end of the experiment (R2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from parcours.domain import calendar_rules as cal
from parcours.domain.phases import Phase
from parcours.programme import Programme


@dataclass(frozen=True)
class Reporting:
    project_id: str
    project: str
    key: str
    last_reported_on: date | None
    next_due: date | None  # None: not due (the pilot is not in deployment)
    overdue: bool


def next_due(programme: Programme, deployed: date, last: date | None) -> date:
    """The day the next report of an indicator is due (inclusive)."""
    since = deployed if last is None else max(deployed, last)
    return cal.add_months(since, programme.indicator_reports.cadence_months)


def reporting(
    programme: Programme,
    phase_history: Sequence[Sequence[object]],
    projects: Mapping[str, Mapping[str, Any]],
    today: date,
) -> list[Reporting]:
    """Every co-defined indicator of the pilot's framed projects, with its last report and,
    while the pilot is in deployment, its next due day. `projects`: project id -> {"title",
    "keys": {indicator key: ISO day of its last report, or None}} (the cohort row's)."""
    deployed = cal.entered(phase_history, Phase.DEPLOYMENT.value)
    judged = (
        deployed is not None
        and cal.phase_on(phase_history, today) == Phase.DEPLOYMENT.value
        and today <= programme.experiment_ends
    )
    found = []
    for project_id, project in projects.items():
        for key, last_iso in project["keys"].items():
            last = None if last_iso is None else date.fromisoformat(last_iso)
            due = next_due(programme, deployed, last) if judged and deployed else None
            found.append(
                Reporting(
                    project_id=project_id,
                    project=project["title"],
                    key=key,
                    last_reported_on=last,
                    next_due=due,
                    overdue=due is not None and today > due,
                )
            )
    return found
