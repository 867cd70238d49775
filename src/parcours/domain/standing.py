"""The standing of a pilot: what the people who run a programme ask of it — what is late, is
it over or under budget, has it attended enough experience reviews (R3–R11).

Pure: each function judges one pilot's row of the cohort read model (projections.pilots) on a
day, with the same rules the scheduler uses (domain.deadlines). The dashboard, the scheduler's
board and the report all judge through here, so a rule is judged in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from parcours.domain import deadlines as rules
from parcours.domain import indicators as reporting
from parcours.domain import work_time
from parcours.domain.phases import ACTIVE
from parcours.domain.standing_views import (
    Alert,
    BudgetLine,
    CadenceLine,
    DashboardRow,
    IndicatorLine,
    NextDeadline,
    ProgrammeSummary,
    RexLine,
    Severity,
)
from parcours.programme import Programme

ACTIVE_PHASES = frozenset(p.value for p in ACTIVE)
BEFORE_EVALUATION = frozenset({"charter_signed", "diagnostic", "framing", "deployment"})


def history_of(row: dict[str, Any]) -> rules.History:
    return rules.History(
        phase_history=[[p, date.fromisoformat(d)] for p, d in row["phase_history"]],
        follow_ups=[date.fromisoformat(d) for d in row["follow_ups"]],
        rex_dates=[date.fromisoformat(d) for d in row["rex"].values()],
    )


def _is_over(day: date, today: date) -> bool:
    return day < today


def follow_up_cadence(programme: Programme, row: dict[str, Any], today: date) -> list[CadenceLine]:
    """R5: every month of the mise en œuvre up to today's, judged as the deadlines judge it."""
    lines = []
    follow_ups = [date.fromisoformat(d) for d in row["follow_ups"]]
    minimum, maximum = programme.follow_ups.min_per_month, programme.follow_ups.max_per_month
    for first, end, covered, judged in rules.follow_up_months(programme, history_of(row), today):
        count = sum(1 for d in follow_ups if first <= d <= end)
        status: Literal["ok", "shortfall", "above", "in progress", "not judged"]
        if count > maximum:
            status = "above"
        elif not judged:
            status = "not judged"
        elif count >= minimum:
            status = "ok"
        else:
            status = "shortfall" if _is_over(end, today) else "in progress"
        lines.append(
            CadenceLine(month=f"{first:%Y-%m}", count=count, status=status, covered_days=covered)
        )
    return lines


def _budget_line(programme: Programme, period: work_time.Period, today: date) -> BudgetLine:
    if period.budget is None:
        return BudgetLine(
            period=period.name,
            start=period.start,
            end=period.end,
            budget=None,
            logged=period.logged,
            delta=None,
            status="no estimate",
        )
    budget = period.budget
    delta = round(period.logged - budget, 2)
    allowed = programme.time_budget.tolerance * budget
    status: Literal["ok", "over", "under", "in progress", "no estimate"]
    if delta > allowed:
        status = "over"
    elif not _is_over(period.end, today):
        status = "in progress"
    elif -delta > allowed:
        status = "under"
    else:
        status = "ok"
    return BudgetLine(
        period=period.name,
        start=period.start,
        end=period.end,
        budget=budget,
        logged=period.logged,
        delta=delta,
        status=status,
    )


def time_budget(programme: Programme, row: dict[str, Any], today: date) -> list[BudgetLine]:
    """R6 by the date of work: each day logged counts in the phase of its `on` date."""
    logs = [(date.fromisoformat(d), float(days)) for d, days, _typed_in in row["time_logs"]]
    found = work_time.periods(programme, row["phase_history"], logs, today)
    return [_budget_line(programme, period, today) for period in found]


def rex_line(programme: Programme, row: dict[str, Any], year: int, today: date) -> RexLine | None:
    required = programme.rex.required.get(year, 0)
    if not required:
        return None
    attended = sum(1 for d in row["rex"].values() if d.startswith(str(year)))
    status: Literal["met", "at risk", "missed"]
    if attended >= required:
        status = "met"
    else:
        status = "missed" if today > date(year, 12, 31) else "at risk"
    return RexLine(
        pilot_id=UUID(row["pilot_id"]),
        name=row["name"],
        attended=attended,
        required=required,
        status=status,
    )


def alerts(
    programme: Programme, row: dict[str, Any], at: datetime, deadlines: list[rules.Deadline]
) -> list[Alert]:
    if row["phase"] not in ACTIVE_PHASES:
        return []
    today = at.astimezone(programme.zone).date()
    found: list[Alert] = []
    for d in deadlines:
        if d.status == "missed" and d.rule in ("R3", "R4"):
            found.append(_alert(d.rule, "breach", f"{d.rule.lower()}_missed", due=d.due))
    for line in follow_up_cadence(programme, row, today):
        if line.status == "shortfall":
            found.append(
                _alert(
                    "R5",
                    "breach",
                    "r5_shortfall",
                    month=line.month,
                    minimum=programme.follow_ups.min_per_month,
                )
            )
        elif line.status == "above":
            found.append(_alert("R5", "info", "r5_above", count=line.count, month=line.month))
    off = [b for b in time_budget(programme, row, today) if b.status in ("over", "under")]
    for status in ("over", "under"):
        periods = [b for b in off if b.status == status]
        if periods:
            detail = ", ".join(f"{b.period} {b.logged:g}/{b.budget or 0:g} d" for b in periods)
            # "mobilisation estimative": a gap is information, not a breach.
            found.append(_alert("R6", "info", f"r6_{status}", detail=detail))
    for year in sorted(programme.rex.required):
        rex = rex_line(programme, row, year, today)
        if rex is not None and rex.status != "met" and year <= today.year:
            severity: Severity = "breach" if rex.status == "missed" else "warning"
            found.append(
                _alert(
                    "R7",
                    severity,
                    f"r7_{rex.status.replace(' ', '_')}",
                    attended=rex.attended,
                    required=rex.required,
                    year=year,
                )
            )
    if row["warnings"]:
        latest, kind = row["warnings"][-1]
        found.append(
            _alert("R9", "warning", "r9", count=len(row["warnings"]), latest=latest, kind=kind)
        )
    pending = sum(1 for s in row["communications"].values() if s == "requested")
    if pending:
        found.append(_alert("R10", "warning", "r10", count=pending))
    if row["blockers"]:
        oldest = min(date.fromisoformat(d) for d in row["blockers"].values())
        found.append(
            _alert(
                "R1",
                "warning",
                "r1_blockers",
                count=len(row["blockers"]),
                days=(today - oldest).days,
            )
        )
    if not row["operational_referent"]:
        found.append(_alert("R11", "warning", "r11"))
    if not row.get("elected_referent"):
        found.append(_alert("R11", "warning", "r11_elected"))
    found.extend(round_two_alerts(programme, row, today, deadlines))
    return found


def round_two_alerts(
    programme: Programme, row: dict[str, Any], today: date, deadlines: list[rules.Deadline]
) -> list[Alert]:
    """R2 (the end of the experiment approaches, or has passed, for a pilot not yet in
    evaluation) and R8 (an indicator not reported for longer than the cadence)."""
    found = []
    before_evaluation = row["phase"] in BEFORE_EVALUATION
    for d in deadlines:
        if d.rule != "R2" or not before_evaluation:
            continue
        if d.status == "approaching":
            days = (d.due - today).days
            found.append(_alert("R2", "warning", "r2_approaching", ends=d.due, days=days))
        elif d.status == "ended":
            found.append(_alert("R2", "warning", "r2_ended", ends=d.due, phase=row["phase"]))
    for line in reporting.reporting(
        programme, row["phase_history"], row.get("indicators", {}), today
    ):
        if line.overdue:
            found.append(
                _alert(
                    "R8",
                    "warning",
                    "r8_overdue",
                    indicator=line.key,
                    project=line.project,
                    due=line.next_due,
                    months=programme.indicator_reports.cadence_months,
                )
            )
    return found


# An alert's sentence, by key; the report has the French ones (report.labels).
SENTENCES = {
    "r3_missed": "diagnostic not finished by {due}",
    "r4_missed": "mise en œuvre (framing) not started by {due}",
    "r5_shortfall": "no follow-up meeting in {month} (at least {minimum} a month)",
    "r5_above": "{count} follow-up meetings in {month}",
    "r6_over": "over budget: {detail}",
    "r6_under": "under budget: {detail}",
    "r7_at_risk": "{attended} of {required} REX sessions in {year} (at risk)",
    "r7_missed": "{attended} of {required} REX sessions in {year} (missed)",
    "r9": "{count} warning(s) raised, latest on {latest} ({kind})",
    "r10": "{count} communication(s) awaiting the Region's decision",
    "r1_blockers": "{count} open blocker(s), the oldest for {days} days",
    "r11": "no operational referent designated",
    "r11_elected": "no elected referent designated",
    "r11_programme": "no {organisation} project lead designated for the programme",
    "r2_approaching": "the experiment ends on {ends} ({days} days left); not yet in evaluation",
    "r2_ended": "the experiment ended on {ends} with the pilot in {phase}: only evaluation, "
    "closing, rights requests and the purge remain",
    "r8_overdue": "indicator {indicator} of {project} not reported by {due} "
    "(every {months} months during deployment)",
}


def alert(rule: str, severity: Severity, key: str, params: dict[str, object]) -> Alert:
    """An alert whose message is the sentence of `key` with `params`."""
    return _alert(rule, severity, key, **params)


def _alert(rule: str, severity: Severity, key: str, **params: object) -> Alert:
    values = {name: str(value) for name, value in params.items()}
    return Alert(
        rule=rule,
        severity=severity,
        message=SENTENCES[key].format(**values),
        key=key,
        params=values,
    )


def next_deadline(
    programme: Programme, row: dict[str, Any], at: datetime, deadlines: list[rules.Deadline]
) -> NextDeadline | None:
    if row["phase"] not in ACTIVE_PHASES:
        return None
    today = at.astimezone(programme.zone).date()
    open_ = [d for d in deadlines if d.status in ("pending", "approaching")]
    if not open_:
        return None
    first = min(open_, key=lambda d: d.due)
    return NextDeadline(rule=first.rule, due=first.due, days_left=(first.due - today).days)


def dashboard_row(programme: Programme, row: dict[str, Any], at: datetime) -> DashboardRow:
    active = row["phase"] in ACTIVE_PHASES
    deadlines = rules.deadlines(programme, history_of(row), at) if active else []
    return DashboardRow(
        pilot_id=UUID(row["pilot_id"]),
        name=row["name"],
        programme=row["programme"],
        phase=row["phase"],
        phase_since=row["phase_since"],
        next_deadline=next_deadline(programme, row, at, deadlines),
        alerts=alerts(programme, row, at, deadlines),
        open_blockers=len(row["blockers"]),
        regional_solutions=sum(1 for regional in row["solutions"].values() if regional),
    )


def counted_rules(alerts: Iterable[Alert]) -> frozenset[str]:
    """The rules a pilot counts for in the summary: those of its alerts beyond information."""
    return frozenset(a.rule for a in alerts if a.severity != "info")


def summary(rows: list[DashboardRow], today: date) -> ProgrammeSummary:
    return summarize([r.phase for r in rows], [counted_rules(r.alerts) for r in rows], today)


def summarize(
    phases: Iterable[str], rules: Iterable[frozenset[str]], today: date
) -> ProgrammeSummary:
    per_rule: Counter[str] = Counter()
    for counted, pilots in Counter(rules).items():  # a cohort has few distinct sets
        for rule in counted:
            per_rule[rule] += pilots
    per_phase = Counter(phases)
    return ProgrammeSummary(
        today=today,
        pilots=sum(per_phase.values()),
        per_phase=dict(per_phase),
        with_alerts_per_rule=dict(sorted(per_rule.items())),
    )


def indicator_lines(
    rows: list[dict[str, Any]],
    programme: Programme | None = None,
    pilot: dict[str, Any] | None = None,
    today: date | None = None,
) -> list[IndicatorLine]:
    """R8: each framed indicator, its target and values; with the programme, the pilot's
    cohort row and a day, also its last report and the next one due."""
    due: dict[tuple[str, str], reporting.Reporting] = {}
    if programme is not None and pilot is not None and today is not None:
        for line in reporting.reporting(
            programme, pilot["phase_history"], pilot.get("indicators", {}), today
        ):
            due[(line.project_id, line.key)] = line
    lines = []
    for row in rows:
        for indicator in row["indicators"]:
            values = dict(sorted(row["reports"].get(indicator["key"], {}).items()))
            latest = values[max(values)] if values else None
            target = indicator.get("target")
            lines.append(
                IndicatorLine(
                    project_id=UUID(row["project_id"]),
                    project=row["title"],
                    key=indicator["key"],
                    label=indicator["label"],
                    unit=indicator["unit"],
                    target=target,
                    values=values,
                    latest=latest,
                    progress=None if latest is None or not target else round(latest / target, 3),
                    last_reported_on=_last(row, indicator["key"], due),
                    next_due=_due(row, indicator["key"], due),
                )
            )
    return lines


def _last(
    row: dict[str, Any], key: str, due: dict[tuple[str, str], reporting.Reporting]
) -> date | None:
    found = due.get((row["project_id"], key))
    if found is not None:
        return found.last_reported_on
    day = row.get("reported_on", {}).get(key)
    return None if day is None else date.fromisoformat(day)


def _due(
    row: dict[str, Any], key: str, due: dict[tuple[str, str], reporting.Reporting]
) -> date | None:
    found = due.get((row["project_id"], key))
    return None if found is None else found.next_due
