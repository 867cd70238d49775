"""What the cohort's questions return (R3–R11): the dashboard and its rows, alerts, next
deadlines, budget, cadence, REX and indicator lines, as pydantic models. The rules that fill
them are in standing.py."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

Severity = Literal["info", "warning", "breach"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Alert(_Model):
    rule: str
    severity: Severity
    message: str
    # What the message says, as data: a key of SENTENCES and its values (for translations).
    key: str = ""
    params: dict[str, str] = {}


class NextDeadline(_Model):
    rule: str
    due: date
    days_left: int


class DashboardRow(_Model):
    pilot_id: UUID
    name: str
    programme: str
    phase: str
    phase_since: date
    next_deadline: NextDeadline | None
    alerts: list[Alert]
    open_blockers: int = 0
    regional_solutions: int = 0
    # The read models could not fold one of its events: what is shown may be behind
    # (`parcours projections status`).
    stale: bool = False
    # Its short name (issue 20), accepted wherever its id is: `parcours budget cc-pays-de-bitche`.
    slug: str | None = None


class IndicatorLine(_Model):
    """R8: one co-defined indicator of a project, its target and the values reported."""

    project_id: UUID
    project: str
    key: str
    label: str
    unit: str
    target: float | None
    values: dict[str, float]
    latest: float | None
    progress: float | None
    # R8: the business date of the last report, and (in deployment) when the next is due.
    last_reported_on: date | None = None
    next_due: date | None = None


class ProgrammeSummary(_Model):
    today: date
    pilots: int
    per_phase: dict[str, int]
    with_alerts_per_rule: dict[str, int]


class Dashboard(_Model):
    today: date
    rows: list[DashboardRow]
    summary: ProgrammeSummary
    # R11: alerts of the programmes themselves (their own mandatory contacts), not a pilot's.
    programme_alerts: list[Alert] = []
    # One page of it (`limit=`, filters): the pilot to pass as `after=` for the next page
    # (None on the last), and how many rows match the filters over all pages.
    next_after: UUID | None = None
    matched: int | None = None


class BudgetLine(_Model):
    """R6: the referent's estimated time for a period against the days logged, filed by the
    date of work. `budget` is None for a phase with no estimate (framing): logged only."""

    period: str
    start: date
    end: date
    budget: float | None
    logged: float
    delta: float | None
    status: Literal["ok", "over", "under", "in progress", "no estimate"]


class CadenceLine(_Model):
    """R5: follow-up meetings in a month of mise en œuvre (framing and deployment); a month
    covered for fewer than the programme's days (15) is shown, not judged."""

    month: str
    count: int
    status: Literal["ok", "shortfall", "above", "in progress", "not judged"]
    covered_days: int = 0


class RexLine(_Model):
    """R7: experience reviews attended in a year."""

    pilot_id: UUID
    name: str
    attended: int
    required: int
    status: Literal["met", "at risk", "missed"]


class RexSessionLine(_Model):
    """R7: a scheduled experience-review session of the cohort and who attended it."""

    session_id: str
    programme: str
    on: date
    kind: str
    title: str
    attended_by: list[str]
    # The working group it is (R7), when it is one.
    theme: str | None = None
