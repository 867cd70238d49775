"""What to act on, first: the deadlines of the next 30 days, then the open alerts, one row per
pilot and rule (a pilot three months short of R5 is one row naming the three months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from parcours.domain import deadlines as rules
from parcours.domain import standing, standing_views
from parcours.report.parts import Page, section, table

if TYPE_CHECKING:
    from parcours.programme import Programme

HORIZON_DAYS = 30
SEVERITY_ORDER = {"breach": 0, "warning": 1, "info": 2}
OPEN = ("pending", "approaching")


# -- due in the next 30 days -----------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    day: date
    pilot: str
    rule: str
    what: str


def due_soon(
    rows: list[dict[str, Any]],
    programmes: dict[str, Programme],
    at: datetime,
    today: date,
    page: Page,
) -> list[Due]:
    """Every open deadline of an active pilot falling in [today, today + 30 days], soonest
    first (then by pilot): the same deadlines the scheduler records (domain.deadlines)."""
    last = today + timedelta(days=HORIZON_DAYS)
    found = []
    for row in rows:
        if row["phase"] not in standing.ACTIVE_PHASES:
            continue
        programme = programmes[row["programme"]]
        for d in rules.deadlines(programme, standing.history_of(row), at):
            if d.status in OPEN and today <= d.due <= last:
                found.append(Due(d.due, row["name"], d.rule, _what(d, programme, row, page)))
    return sorted(found, key=lambda d: (d.day, d.pilot, _rule_number(d.rule)))


def _what(d: rules.Deadline, programme: Programme, row: dict[str, Any], page: Page) -> str:
    if d.rule == "R5":
        minimum = programme.follow_ups.min_per_month
        return page.t("due_R5", minimum=page.number(minimum), month=page.month(d.due))
    if d.rule == "R7":
        year = d.due.year
        attended = sum(1 for v in row["rex"].values() if v.startswith(str(year)))
        return page.t(
            "due_R7",
            required=page.number(programme.rex.required.get(year, 0)),
            year=year,
            attended=page.number(attended),
        )
    return page.t(f"due_{d.rule}")


def due_section(found: list[Due], today: date, page: Page) -> str:
    if not found:
        body = f"<p>{page.t('no_due', days=HORIZON_DAYS)}</p>"
    else:
        lines: list[list[Any]] = [
            [page.day(d.day), page.in_days((d.day - today).days), d.pilot, d.rule, d.what]
            for d in found
        ]
        header = [page.w[k] for k in ("due_on", "due_in", "pilot", "rule", "due_what")]
        body = table(header, lines, page.t("due_caption", days=HORIZON_DAYS))
    return section("due_soon", body, page)


# -- open alerts, grouped -------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    pilot: str
    rule: str
    severity: str
    text: str


def grouped_alerts(
    board: standing_views.Dashboard,
    budgets: dict[str, list[standing_views.BudgetLine]],
    page: Page,
    indicators: dict[str, dict[str, str]] | None = None,
) -> list[AlertRow]:
    """One row per pilot and rule. Alerts of one sentence that differ only by their month are
    said once, with their months listed; the worst severity of the row is its severity. An
    indicator (R8) is named by its label (`indicators`: pilot id -> key -> label)."""
    found = []
    by_pilot = [(row.name, str(row.pilot_id), row.alerts) for row in board.rows]
    if board.programme_alerts:
        by_pilot.append((page.w["programme"], "", board.programme_alerts))
    for name, pilot_id, alerts in by_pilot:
        per_rule: dict[str, list[standing_views.Alert]] = {}
        for alert in alerts:
            per_rule.setdefault(alert.rule, []).append(alert)
        for rule, group in per_rule.items():
            severity = min((a.severity for a in group), key=SEVERITY_ORDER.__getitem__)
            labels = (indicators or {}).get(pilot_id, {})
            text = " ; ".join(_sentences(group, budgets.get(pilot_id, []), labels, page))
            found.append(AlertRow(name, rule, severity, text))
    worst: dict[str, int] = {}
    for row in found:
        worst[row.pilot] = min(worst.get(row.pilot, 9), SEVERITY_ORDER[row.severity])
    return sorted(
        found,
        key=lambda r: (worst[r.pilot], r.pilot, SEVERITY_ORDER[r.severity], _rule_number(r.rule)),
    )


def _sentences(
    group: list[standing_views.Alert],
    budget: list[standing_views.BudgetLine],
    labels: dict[str, str],
    page: Page,
) -> list[str]:
    merged: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for alert in group:
        rest = tuple(sorted((k, v) for k, v in alert.params.items() if k != "month"))
        merged.setdefault((alert.key, rest), []).extend(
            [alert.params["month"]] if "month" in alert.params else []
        )
    out: list[str] = []
    for (key, rest), months in merged.items():
        if key not in page.w:  # a sentence the report has no words for: the domain's own
            out.extend(a.message for a in group if a.key == key)
            continue
        values = {k: page.value(k, v) for k, v in rest}
        if key in ("r6_over", "r6_under"):
            values["detail"] = _budget_detail(budget, key[3:], page)
        if months:
            values["month"] = page.months(months)
        if "indicator" in values:
            values["indicator"] = labels.get(values["indicator"], values["indicator"])
        out.append(page.t(key, **values))
    return out


def _budget_detail(budget: list[standing_views.BudgetLine], status: str, page: Page) -> str:
    return ", ".join(
        page.t(
            "r6_period",
            period=page.period(b.period),
            logged=page.days(b.logged),
            budget=page.days(b.budget or 0),
        )
        for b in budget
        if b.status == status
    )


def alerts_section(found: list[AlertRow], page: Page) -> str:
    if not found:
        return section("alerts", f"<p>{page.w['no_alert']}</p>", page)
    lines: list[list[Any]] = [
        [
            r.pilot,
            r.rule,
            (f"{page.w['symbol_' + r.severity]} {page.w[r.severity]}", r.severity),
            r.text,
        ]
        for r in found
    ]
    header = [page.w[k] for k in ("pilot", "rule", "severity", "message")]
    return section("alerts", table(header, lines, page.w["alerts_caption"], "alerts"), page)


def _rule_number(rule: str) -> int:
    digits = rule.lstrip("R")
    return int(digits) if digits.isdigit() else 99
