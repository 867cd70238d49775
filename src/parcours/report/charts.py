"""The cohort's charts: the timeline of phases, REX attendance (R7), the follow-up cadence
(R5). Each says its meaning in words or symbols as well as in colour, and has its table."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from parcours.domain import standing
from parcours.report.parts import NAME_WIDTH, ROW, Page, figure, legend, name_label, svg, table
from parcours.report_data import ReportData

# Light fills under dark text (contrast >= 4.5:1), and each bar says its phase in words.
PHASE_COLOURS = {
    "charter_signed": "#cbd5e1",
    "diagnostic": "#93c5fd",
    "framing": "#c4b5fd",
    "deployment": "#2fa36b",
    "evaluation": "#fcd34d",
    "closed": "#9ca3af",
    "withdrawn": "#fca5a5",
    "purged": "#e5e7eb",
}
INK = "#111827"
BREACH = "#b42318"
# (fill, ink) of a status cell: the symbol and the count say it, the colour repeats it.
STATUS_STYLE = {
    "met": ("#dcfce7", "#14532d"),
    "at risk": ("#fef3c7", "#713f12"),
    "missed": ("#fee2e2", "#7f1d1d"),
    "ok": ("#dcfce7", "#14532d"),
    "shortfall": ("#fee2e2", "#7f1d1d"),
    "above": ("#dbeafe", "#1e3a8a"),
    "in progress": ("#f3f4f6", "#374151"),
    "not judged": ("#ffffff", "#374151"),
}
WIDTH = 1000


def _swatch(status: str) -> str:
    fill, ink = STATUS_STYLE[status]
    return f"background:{fill};border:1px solid {ink}"


# -- the cohort timeline ---------------------------------------------------------------------


def timeline(rows: list[dict[str, Any]], programme: Any, today: date, page: Page) -> str:
    starts = [date.fromisoformat(r["phase_history"][0][1]) for r in rows] or [today]
    first = min(starts).replace(day=1)
    last = max(today, programme.retention.until) + timedelta(days=15)
    span = (last - first).days or 1
    scale = (WIDTH - NAME_WIDTH - 20) / span

    def x(day: date) -> float:
        return NAME_WIDTH + (day - first).days * scale

    height = 40 + ROW * len(rows) + 30
    parts: list[str] = []
    for year in range(first.year, last.year + 1):
        for month in (1, 7):
            tick = date(year, month, 1)
            if first <= tick <= last:
                parts.append(
                    f'<line x1="{x(tick):.1f}" y1="20" x2="{x(tick):.1f}" y2="{height - 30}" '
                    f'stroke="#d1d5db"/><text x="{x(tick) + 2:.1f}" y="14" font-size="11">'
                    f"{escape(page.short_month(tick))}</text>"
                )
    lines: list[list[Any]] = []
    for i, row in enumerate(rows):
        y = 24 + ROW * i
        parts.append(name_label(y, row["name"]))
        steps = [(p, date.fromisoformat(d)) for p, d in row["phase_history"]]
        for n, (phase, since) in enumerate(steps):
            until = steps[n + 1][1] if n + 1 < len(steps) else today
            if phase == "purged":
                until = last
            parts.append(
                _phase_bar(x(since), y, max(2.0, (until - since).days * scale), phase, since, page)
            )
            lines.append([row["name"], page.w.get(phase, phase), page.day(since)])
        for kind, rule, due in row["marks"]:
            if kind == "missed" and rule in ("R3", "R4"):
                cx, cy = x(date.fromisoformat(due)), y + ROW / 2
                parts.append(
                    f'<path class="breach" d="M{cx - 5:.1f},{cy - 5:.1f}L{cx + 5:.1f},'
                    f'{cy + 5:.1f}M{cx - 5:.1f},{cy + 5:.1f}L{cx + 5:.1f},{cy - 5:.1f}" '
                    f'stroke="{BREACH}" stroke-width="2.5"><title>{rule} '
                    f"{escape(page.w['missed'])} {escape(page.day(due))}</title></path>"
                )
    for rule, due in (
        ("R3", programme.calendar.diagnostic_due),
        ("R4", programme.calendar.deployment_start_due),
    ):
        parts.append(
            f'<line class="due" x1="{x(due):.1f}" y1="20" x2="{x(due):.1f}" y2="{height - 30}" '
            f'stroke="{BREACH}" stroke-dasharray="4 3"/><text x="{x(due) + 3:.1f}" '
            f'y="{height - 16}" font-size="11" fill="{BREACH}">{rule} {escape(page.w["due"])} '
            f"{escape(page.day(due))}</text>"
        )
    keys = [
        (f"background:{c};border:1px solid {INK}", page.w.get(p, p))
        for p, c in PHASE_COLOURS.items()
    ]
    keys.append((f"border-top:2px dashed {BREACH}", page.w["legend_due"]))
    keys.append(("", f"✖ {page.w['legend_missed']}"))
    chart = svg("timeline", WIDTH, height, "".join(parts), page)
    header = [page.w["pilot"], page.w["phase"], page.w["since"]]
    return figure("timeline", chart, legend(keys), table(header, lines, page.w["timeline"]), page)


def _phase_bar(left: float, y: int, wide: float, phase: str, since: date, page: Page) -> str:
    name = page.w.get(phase, phase)
    short = page.w.get(phase + "_short", name)
    text = ""
    if wide >= 9 * len(short):  # the phase in words, where the bar has room for it
        text = (
            f'<text x="{left + 3:.1f}" y="{y + 17}" font-size="10" fill="{INK}" '
            f'aria-hidden="true">{escape(short)}</text>'
        )
    return (
        f'<rect class="phase" x="{left:.1f}" y="{y + 4}" width="{wide:.1f}" height="{ROW - 8}" '
        f'fill="{PHASE_COLOURS.get(phase, "#999")}">'
        f"<title>{escape(name)} {escape(page.t('since_day', day=page.day(since)))}</title></rect>"
        f"{text}"
    )


# -- REX attendance (R7) ---------------------------------------------------------------------


def rex(data: ReportData, page: Page) -> str:
    rows, today = data.rows, data.today
    years = sorted({y for r in rows for y in data.programme(r["programme"]).rex.required})
    cell = 150
    parts = [
        f'<text x="{NAME_WIDTH + j * cell + 30}" y="16" font-size="12">{year}</text>'
        for j, year in enumerate(years)
    ]
    lines: list[list[Any]] = []
    for i, row in enumerate(rows):
        y = 22 + ROW * i
        parts.append(name_label(y, row["name"]))
        left = _withdrawn_on(row)
        for j, year in enumerate(years):
            line = standing.rex_line(data.programme(row["programme"]), row, year, today)
            if line is None or (left is not None and left.year < year):
                continue  # a pilot that withdrew owes no review after that year
            fill, ink = STATUS_STYLE[line.status]
            said = f"{page.w['symbol_' + line.status]} {page.w[line.status]}"
            parts.append(
                f'<rect class="rex" x="{NAME_WIDTH + j * cell}" y="{y + 2}" width="{cell - 6}" '
                f'height="{ROW - 4}" fill="{fill}" stroke="{ink}">'
                f"<title>{escape(said)}</title></rect>"
                f'<text x="{NAME_WIDTH + j * cell + 8}" y="{y + 17}" font-size="12" fill="{ink}">'
                f"{line.attended}/{line.required} {escape(said)}</text>"
            )
            lines.append([row["name"], year, line.attended, line.required, said])
    width = NAME_WIDTH + cell * max(1, len(years)) + 20
    chart = svg("rex", width, 30 + ROW * len(rows), "".join(parts), page)
    keys = [
        (_swatch(s), f"{page.w['symbol_' + s]} {page.w[s]}") for s in ("met", "at risk", "missed")
    ]
    header = [page.w[k] for k in ("pilot", "year", "attended", "required", "status")]
    return figure("rex", chart, legend(keys), table(header, lines, page.w["rex"]), page)


def _withdrawn_on(row: dict[str, Any]) -> date | None:
    found = [d for p, d in row["phase_history"] if p == "withdrawn"]
    return date.fromisoformat(found[0]) if found else None


# -- follow-up cadence (R5) ------------------------------------------------------------------


def cadence(data: ReportData, page: Page) -> str:
    rows, today = data.rows, data.today
    per_pilot = {
        r["pilot_id"]: standing.follow_up_cadence(data.programme(r["programme"]), r, today)
        for r in rows
    }
    months = sorted({c.month for lines in per_pilot.values() for c in lines})
    cell = 36
    parts = []
    for j, month in enumerate(months):
        top, bottom = page.short_month(date.fromisoformat(month + "-01")).rsplit(" ", 1)
        cx = NAME_WIDTH + j * cell + (cell - 4) / 2
        parts.append(
            f'<text x="{cx:.0f}" y="10" font-size="10" text-anchor="middle">{escape(top)}</text>'
            f'<text x="{cx:.0f}" y="21" font-size="10" text-anchor="middle">{bottom}</text>'
        )
    lines: list[list[Any]] = []
    for i, row in enumerate(rows):
        y = 26 + ROW * i
        parts.append(name_label(y, row["name"]))
        for line in per_pilot[row["pilot_id"]]:
            j = months.index(line.month)
            fill, ink = STATUS_STYLE[line.status]
            symbol = page.w["symbol_" + line.status]
            said = f"{symbol} {page.w[line.status]}"
            dash = ' stroke-dasharray="3 2"' if line.status == "not judged" else ""
            month = page.month(line.month)
            tip = page.t("cadence_cell", month=month, count=line.count, status=said)
            parts.append(
                f'<rect class="cadence" x="{NAME_WIDTH + j * cell}" y="{y + 2}" '
                f'width="{cell - 4}" height="{ROW - 4}" fill="{fill}" stroke="{ink}"{dash}>'
                f"<title>{escape(tip)}</title>"
                f'</rect><text x="{NAME_WIDTH + j * cell + (cell - 4) / 2:.0f}" y="{y + 17}" '
                f'font-size="11" text-anchor="middle" fill="{ink}">{symbol}{line.count}</text>'
            )
            lines.append([row["name"], page.month(line.month), line.count, said])
    width = NAME_WIDTH + cell * max(1, len(months)) + 20
    chart = svg("cadence", width, 30 + ROW * len(rows), "".join(parts), page)
    keys = [
        (_swatch(s), f"{page.w['symbol_' + s]} {page.w[s]}")
        for s in ("ok", "shortfall", "above", "in progress", "not judged")
    ]
    header = [page.w[k] for k in ("pilot", "month", "meetings", "status")]
    return figure("cadence", chart, legend(keys), table(header, lines, page.w["cadence"]), page)
