"""R6, the operational referent's estimated time, by the date of work.

"Mobilisation estimative : en phase de diagnostic de 2 jours entre septembre 2024 et décembre
2024, puis de 2 jours par mois en phase de déploiement de projet." A day logged counts in the
phase the pilot was in on the day it was worked (its `on` date), whenever it was typed:

- the diagnostic: one line, its budget and expected window from the programme;
- each calendar month of deployment: a budget of `deployment_days_per_month`, prorated by the
  days of deployment in that month (deployment from the 16th of a 30-day month: 15/30);
- framing, and any other phase a day was worked in: logged, no budget.

A late entry changes only the figure of its own period. The estimate is information: a gap
is shown, not judged a breach.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from parcours.domain import calendar_rules as cal
from parcours.domain.phases import Phase
from parcours.programme import Programme


@dataclass(frozen=True)
class Period:
    """One line of the budget: `budget` None for a phase the charter gives no estimate."""

    name: str
    start: date
    end: date
    budget: float | None
    logged: float


def _sum(days: Iterable[float]) -> float:
    return round(sum(days), 2)


def periods(
    programme: Programme,
    phase_history: Sequence[Sequence[object]],
    logs: Sequence[tuple[date, float]],
    today: date,
) -> list[Period]:
    """The budget lines of a pilot, as of `today`, from its phase history and its time logs
    ((day worked, days) pairs, in any order)."""
    plan = programme.time_budget
    by_phase: dict[str | None, list[tuple[date, float]]] = {}
    for day, amount in logs:
        by_phase.setdefault(cal.phase_on(phase_history, day), []).append((day, amount))
    lines = [
        Period(
            "diagnostic",
            plan.diagnostic_window_start,
            plan.diagnostic_window_end,
            plan.diagnostic_days,
            _sum(d for _, d in by_phase.get(Phase.DIAGNOSTIC.value, [])),
        )
    ]
    framing = cal.entered(phase_history, Phase.FRAMING.value)
    deployment = cal.entered(phase_history, Phase.DEPLOYMENT.value)
    framed = by_phase.get(Phase.FRAMING.value, [])
    if framing is not None or framed:
        start = framing or min(d for d, _ in framed)
        last = today if deployment is None else deployment - cal.ONE_DAY
        end = max([last, *(d for d, _ in framed)])
        lines.append(Period("framing", start, end, None, _sum(d for _, d in framed)))
    if deployment is not None:
        lines.extend(_deployment_months(programme, phase_history, deployment, by_phase, today))
    for phase in (Phase.CHARTER_SIGNED.value, Phase.EVALUATION.value, None):
        worked = by_phase.get(phase, [])
        if worked:
            name = phase or "before the charter"
            first, last = min(d for d, _ in worked), max(d for d, _ in worked)
            lines.append(Period(name, first, last, None, _sum(d for _, d in worked)))
    return lines


def _deployment_months(
    programme: Programme,
    phase_history: Sequence[Sequence[object]],
    started: date,
    by_phase: dict[str | None, list[tuple[date, float]]],
    today: date,
) -> list[Period]:
    per_month = programme.time_budget.deployment_days_per_month
    stop = programme.experiment_ends + cal.ONE_DAY  # R2: no estimate after the end
    for phase in cal.LEAVING:
        left = cal.entered(phase_history, phase)
        if left is not None:
            stop = min(stop, left)
            break
    worked = by_phase.get(Phase.DEPLOYMENT.value, [])
    last = max([min(today, stop - cal.ONE_DAY), *(d for d, _ in worked)])
    lines = []
    for first, end in cal.months(started, last):
        days = cal.overlap(first, end, started, stop)
        if days == 0:
            continue
        share = days / calendar.monthrange(first.year, first.month)[1]
        lines.append(
            Period(
                f"{first:%Y-%m}",
                max(first, started),
                min(end, stop - cal.ONE_DAY),
                round(per_month * share, 2),
                _sum(d for day, d in worked if first <= day <= end),
            )
        )
    return lines
