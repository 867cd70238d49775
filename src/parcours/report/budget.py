"""R6, the operational referent's time: each period (the diagnostic, then every month of
deployment) against its own estimate. Months never net out in one total, and a period over
its estimate is never drawn as fine, whatever the programme's tolerance for alerts."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, Literal

from parcours.domain import standing, standing_views
from parcours.report.parts import NAME_WIDTH, Page, figure, legend, name_label, svg, table
from parcours.report_data import ReportData

Verdict = Literal["ok", "over", "under", "in progress", "no estimate"]
COLOURS: dict[str, str] = {
    "ok": "#1e7a4c",
    "over": "#b42318",
    "under": "#9a5b00",
    "in progress": "#6b7280",
    "no estimate": "#6b7280",
}
CELL = 36
ROW = 50
BAR_TOP = 30  # height of the tallest bar


def verdict(line: standing_views.BudgetLine, today: date) -> Verdict:
    """How the report shows one period: anything logged beyond the estimate is over."""
    if line.budget is None:
        return "no estimate"
    if line.logged > line.budget + 1e-9:
        return "over"
    if line.end >= today:
        return "in progress"
    return "under" if line.status == "under" else "ok"


def lines_of(data: ReportData) -> dict[str, list[standing_views.BudgetLine]]:
    """Per pilot id, its budget lines up to the report's day (periods begun by then)."""
    today = data.today
    return {
        r["pilot_id"]: [
            b
            for b in standing.time_budget(data.programme(r["programme"]), r, today)
            if b.start <= today
        ]
        for r in data.rows
    }


def budget_figure(
    rows: list[dict[str, Any]],
    budgets: dict[str, list[standing_views.BudgetLine]],
    today: date,
    page: Page,
) -> str:
    estimated = {
        r["pilot_id"]: [b for b in budgets[r["pilot_id"]] if b.budget is not None] for r in rows
    }
    starts: dict[str, date] = {}
    for lines in estimated.values():
        for b in lines:
            starts[b.period] = min(b.start, starts.get(b.period, b.start))
    columns = sorted(starts, key=lambda p: (starts[p], p))
    top = max([max(b.logged, b.budget or 0.0) for ls in estimated.values() for b in ls] + [1.0])
    parts = [_header(j, p, starts[p], page) for j, p in enumerate(columns)]
    for i, row in enumerate(rows):
        y = 30 + ROW * i
        parts.append(name_label(y + 6, row["name"]))
        for b in estimated[row["pilot_id"]]:
            parts.append(_bar(NAME_WIDTH + columns.index(b.period) * CELL, y, b, top, today, page))
    width = NAME_WIDTH + CELL * max(1, len(columns)) + 10
    chart = svg("budget", width, 30 + ROW * len(rows) + 6, "".join(parts), page)
    keys = [
        ("border:2px solid #111827;background:#fff", page.w["budget_outline"]),
        *[
            (f"background:{COLOURS[v]}", f"{page.w['symbol_' + v]} {page.w['budget_' + v]}")
            for v in ("ok", "over", "under", "in progress")
        ],
    ]
    return figure("budget", chart, legend(keys), _table(rows, budgets, today, page), page)


def _header(j: int, period: str, start: date, page: Page) -> str:
    x = NAME_WIDTH + j * CELL + CELL / 2
    if period == "diagnostic":
        top, bottom = page.w["diagnostic_short"], str(start.year)
    else:
        top, bottom = page.short_month(start).rsplit(" ", 1)
    return (
        f'<text x="{x:.0f}" y="12" font-size="10" text-anchor="middle">{escape(top)}</text>'
        f'<text x="{x:.0f}" y="24" font-size="10" text-anchor="middle">{bottom}</text>'
    )


def _bar(
    x: float, y: float, b: standing_views.BudgetLine, top: float, today: date, page: Page
) -> str:
    v = verdict(b, today)
    budget = b.budget or 0.0
    base = y + BAR_TOP + 2
    estimate = BAR_TOP * budget / top
    logged = max(1.0, BAR_TOP * b.logged / top)
    words = _sentence(b, v, page)
    return (
        f'<g class="budget-cell {v.replace(" ", "-")}"><title>{escape(words)}</title>'
        f'<rect x="{x + 4}" y="{base - estimate:.1f}" width="{CELL - 8}" height="{estimate:.1f}" '
        f'fill="none" stroke="#111827" stroke-width="1.5"/>'
        f'<rect x="{x + 9}" y="{base - logged:.1f}" width="{CELL - 18}" height="{logged:.1f}" '
        f'fill="{COLOURS[v]}"/>'
        f'<text x="{x + CELL / 2}" y="{base + 14}" font-size="12" text-anchor="middle" '
        f'fill="{COLOURS[v]}">{page.w["symbol_" + v]}</text></g>'
    )


def _sentence(b: standing_views.BudgetLine, v: Verdict, page: Page) -> str:
    return page.t(
        "budget_cell",
        period=page.period(b.period),
        logged=page.days(b.logged),
        budget=page.days(b.budget or 0),
        status=f"{page.w['symbol_' + v]} {page.w['budget_' + v]}",
    )


def _table(
    rows: list[dict[str, Any]],
    budgets: dict[str, list[standing_views.BudgetLine]],
    today: date,
    page: Page,
) -> str:
    lines: list[list[Any]] = []
    for row in rows:
        for b in budgets[row["pilot_id"]]:
            v = verdict(b, today)
            gap = "—"
            if b.budget:
                delta = b.logged - b.budget
                sign = "+" if delta > 0 else ""
                gap = f"{sign}{page.days(round(delta, 2))} ({sign}{page.percent(delta / b.budget)})"
            lines.append(
                [
                    row["name"],
                    page.period(b.period),
                    "—" if b.budget is None else page.days(b.budget),
                    page.days(b.logged),
                    gap,
                    (
                        f"{page.w['symbol_' + v]} {page.w['budget_' + v]}",
                        f"v-{v.replace(' ', '-')}",
                    ),
                ]
            )
    header = [page.w[k] for k in ("pilot", "period", "budgeted", "logged", "gap", "status")]
    return table(header, lines, page.w["budget"])
