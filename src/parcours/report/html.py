"""The programme officer's report: one self-contained HTML file (inline CSS and SVG, no
script, no network). Every chart has a title, a description and a table alternative."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from parcours import cohort
from parcours.report.labels import words

if TYPE_CHECKING:
    from parcours.service.cohort import CohortQueries

PHASE_COLOURS = {
    "charter_signed": "#b8c4d6",
    "diagnostic": "#5b8def",
    "framing": "#9b6bd6",
    "deployment": "#2fa36b",
    "evaluation": "#e0a030",
    "closed": "#6b7280",
    "withdrawn": "#c0392b",
    "purged": "#d1d5db",
}
STATUS_COLOURS = {"met": "#2fa36b", "at risk": "#e0a030", "missed": "#c0392b"}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2937}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem}
figure{margin:0}figcaption{color:#4b5563;margin:.3rem 0 .6rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d1d5db;padding:.25rem .5rem;text-align:left}
th{background:#f3f4f6}details{margin:.4rem 0 1rem}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.breach{color:#c0392b;font-weight:600}.warning{color:#b7791f}.info{color:#4b5563}
"""
NAME_WIDTH = 300
ROW = 26


def render(app: CohortQueries, today: date, lang: str = "fr") -> str:
    w = words(lang)
    rows = app.pilot_rows()
    board = app.dashboard(today=today)
    programme = app.programme(rows[0]["programme"]) if rows else app.programme("grand-est-2024")
    sections = [
        _timeline(rows, programme, today, w),
        _budgets(app, rows, today, w),
        _rex(app, rows, today, w),
        _cadence(app, rows, today, w),
        _support(app, rows, board, w),
        _sessions(app, w),
        _alerts(board, w),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(w['title'])}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(w['title'])}</h1><p>{escape(w['generated'])} {today.isoformat()} — "
        f"{escape(programme.title)}</p>" + "".join(sections) + "</body></html>\n"
    )


def _figure(key: str, svg: str, table: str, w: dict[str, str]) -> str:
    return (
        f'<section><h2 id="{key}">{escape(w[key])}</h2><figure>{svg}'
        f"<figcaption>{escape(w[key + '_desc'])}</figcaption></figure>"
        f"<details><summary>{escape(w['table'])}</summary>{table}</details></section>"
    )


def _svg(key: str, width: int, height: int, body: str, w: dict[str, str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{key}-t {key}-d" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<title id="{key}-t">{escape(w[key])}</title>'
        f'<desc id="{key}-d">{escape(w[key + "_desc"])}</desc>{body}</svg>'
    )


def _table(header: list[str], lines: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in line) + "</tr>" for line in lines
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _label(y: int, name: str) -> str:
    short = name if len(name) <= 40 else name[:39] + "…"
    return f'<text x="4" y="{y + 17}" font-size="12">{escape(short)}</text>'


# -- the cohort timeline ---------------------------------------------------------------------


def _timeline(rows: list[dict[str, Any]], programme: Any, today: date, w: dict[str, str]) -> str:
    starts = [date.fromisoformat(r["phase_history"][0][1]) for r in rows] or [today]
    first = min(starts).replace(day=1)
    last = max(today, programme.retention.until) + timedelta(days=15)
    span = (last - first).days or 1
    width = 1000
    scale = (width - NAME_WIDTH - 20) / span

    def x(day: date) -> float:
        return NAME_WIDTH + (day - first).days * scale

    height = 40 + ROW * len(rows) + 30
    parts: list[str] = []
    year = first.year
    while date(year, 1, 1) <= last:
        for month in (1, 7):
            tick = date(year, month, 1)
            if first <= tick <= last:
                parts.append(
                    f'<line x1="{x(tick):.1f}" y1="20" x2="{x(tick):.1f}" '
                    f'y2="{height - 30}" stroke="#e5e7eb"/>'
                    f'<text x="{x(tick) + 2:.1f}" y="14" font-size="11">'
                    f"{tick:%m/%Y}</text>"
                )
        year += 1
    lines: list[list[Any]] = []
    for i, row in enumerate(rows):
        y = 24 + ROW * i
        parts.append(_label(y, row["name"]))
        steps = [(p, date.fromisoformat(d)) for p, d in row["phase_history"]]
        for n, (phase, since) in enumerate(steps):
            until = steps[n + 1][1] if n + 1 < len(steps) else today
            if phase == "purged":
                until = last
            wide = max(2.0, (until - since).days * scale)
            parts.append(
                f'<rect class="phase" x="{x(since):.1f}" y="{y + 4}" width="{wide:.1f}" '
                f'height="{ROW - 8}" fill="{PHASE_COLOURS.get(phase, "#999")}">'
                f"<title>{escape(w.get(phase, phase))} {since.isoformat()}</title></rect>"
            )
            lines.append([row["name"], w.get(phase, phase), since.isoformat()])
        for kind, rule, due in row["marks"]:
            if kind == "missed" and rule in ("R3", "R4"):
                cx, cy = x(date.fromisoformat(due)), y + ROW / 2
                parts.append(
                    f'<path class="breach" d="M{cx - 5:.1f},{cy - 5:.1f}L{cx + 5:.1f},'
                    f'{cy + 5:.1f}M{cx - 5:.1f},{cy + 5:.1f}L{cx + 5:.1f},{cy - 5:.1f}" '
                    f'stroke="#c0392b" stroke-width="2.5"><title>{rule} {escape(w["missed"])} '
                    f"{due}</title></path>"
                )
    for rule, due in (
        ("R3", programme.calendar.diagnostic_due),
        ("R4", programme.calendar.deployment_start_due),
    ):
        parts.append(
            f'<line class="due" x1="{x(due):.1f}" y1="20" x2="{x(due):.1f}" y2="{height - 30}" '
            f'stroke="#c0392b" stroke-dasharray="4 3"/><text x="{x(due) + 3:.1f}" '
            f'y="{height - 16}" font-size="11" fill="#c0392b">{rule} {escape(w["due"])} '
            f"{due:%d/%m/%Y}</text>"
        )
    legend = "".join(
        f'<span><i style="background:{c}"></i>{escape(w.get(p, p))}</span>'
        for p, c in PHASE_COLOURS.items()
    )
    svg = _svg("timeline", width, height, "".join(parts), w) + f'<p class="legend">{legend}</p>'
    return _figure("timeline", svg, _table([w["pilot"], w["phase"], w["since"]], lines), w)


# -- time budgets (R6) -----------------------------------------------------------------------


def _budgets(app: CohortQueries, rows: list[dict[str, Any]], today: date, w: dict[str, str]) -> str:
    totals = []
    for row in rows:
        lines = cohort.time_budget(app.programme(row["programme"]), row, today)
        # Against the estimate: the periods that have one (framing is logged, no budget).
        estimated = [b for b in lines if b.start <= today and b.budget is not None]
        budget = sum(b.budget or 0.0 for b in estimated)
        logged = sum(b.logged for b in estimated)
        totals.append((row["name"], budget, logged))
    top = max([max(b, lg) for _, b, lg in totals] + [1.0])
    width, bar = 1000, 1000 - NAME_WIDTH - 80
    parts = []
    table = []
    tolerance = app.programme("grand-est-2024").time_budget.tolerance
    for i, (name, budget, logged) in enumerate(totals):
        y = 10 + ROW * i
        ratio = logged / budget if budget else 1.0
        colour = (
            "#2fa36b" if abs(ratio - 1) <= tolerance else ("#c0392b" if ratio > 1 else "#e0a030")
        )
        parts.append(_label(y, name))
        parts.append(
            f'<rect class="budget" x="{NAME_WIDTH}" y="{y + 3}" width="{bar * budget / top:.1f}" '
            f'height="{ROW - 6}" fill="none" stroke="#6b7280"/>'
            f'<rect class="logged" x="{NAME_WIDTH}" y="{y + 7}" '
            f'width="{max(1.0, bar * logged / top):.1f}" height="{ROW - 14}" fill="{colour}">'
            f"<title>{logged:g} / {budget:g}</title></rect>"
            f'<text x="{NAME_WIDTH + bar + 8}" y="{y + 17}" font-size="12">{logged:g} / '
            f"{budget:g}</text>"
        )
        table.append([name, f"{budget:g}", f"{logged:g}"])
    svg = _svg("budget", width, 20 + ROW * len(rows), "".join(parts), w)
    return _figure("budget", svg, _table([w["pilot"], w["budgeted"], w["logged"]], table), w)


# -- REX attendance (R7) ---------------------------------------------------------------------


def _rex(app: CohortQueries, rows: list[dict[str, Any]], today: date, w: dict[str, str]) -> str:
    years = sorted({y for r in rows for y in app.programme(r["programme"]).rex.required})
    cell = 110
    parts, table = [], []
    for j, year in enumerate(years):
        parts.append(f'<text x="{NAME_WIDTH + j * cell + 30}" y="16" font-size="12">{year}</text>')
    for i, row in enumerate(rows):
        y = 22 + ROW * i
        parts.append(_label(y, row["name"]))
        left = _withdrawn_on(row)
        for j, year in enumerate(years):
            line = cohort.rex_line(app.programme(row["programme"]), row, year, today)
            if line is None or (left is not None and left.year < year):
                continue  # a pilot that withdrew owes no review after that year
            status = "at risk" if line.status == "at risk" else line.status
            parts.append(
                f'<rect class="rex" x="{NAME_WIDTH + j * cell}" y="{y + 2}" width="{cell - 6}" '
                f'height="{ROW - 4}" fill="{STATUS_COLOURS[status]}" opacity="0.85">'
                f"<title>{escape(w[status])}</title></rect>"
                f'<text x="{NAME_WIDTH + j * cell + 8}" y="{y + 17}" font-size="12" fill="#fff">'
                f"{line.attended}/{line.required} {escape(w[status])}</text>"
            )
            table.append([row["name"], year, line.attended, line.required, w[status]])
    svg = _svg(
        "rex", NAME_WIDTH + cell * max(1, len(years)) + 20, 30 + ROW * len(rows), "".join(parts), w
    )
    header = [w["pilot"], w["year"], w["attended"], w["required"], w["status"]]
    return _figure("rex", svg, _table(header, table), w)


def _withdrawn_on(row: dict[str, Any]) -> date | None:
    found = [d for p, d in row["phase_history"] if p == "withdrawn"]
    return date.fromisoformat(found[0]) if found else None


# -- follow-up cadence (R5) ------------------------------------------------------------------


def _cadence(app: CohortQueries, rows: list[dict[str, Any]], today: date, w: dict[str, str]) -> str:
    per_pilot = {
        r["pilot_id"]: cohort.follow_up_cadence(app.programme(r["programme"]), r, today)
        for r in rows
    }
    months = sorted({c.month for lines in per_pilot.values() for c in lines})
    cell = 34
    parts, table = [], []
    for j, month in enumerate(months):
        parts.append(
            f'<text x="{NAME_WIDTH + j * cell + 2}" y="16" font-size="10">'
            f"{month[5:]}/{month[2:4]}</text>"
        )
    colours = {
        "shortfall": "#c0392b",
        "ok": "#2fa36b",
        "above": "#2b6cb0",
        "in progress": "#d1d5db",
        "not judged": "#9ca3af",
    }
    for i, row in enumerate(rows):
        y = 22 + ROW * i
        parts.append(_label(y, row["name"]))
        for line in per_pilot[row["pilot_id"]]:
            j = months.index(line.month)
            parts.append(
                f'<rect class="cadence" x="{NAME_WIDTH + j * cell}" y="{y + 2}" '
                f'width="{cell - 4}" height="{ROW - 4}" fill="{colours[line.status]}">'
                f"<title>{line.month}: {line.count}</title></rect>"
                f'<text x="{NAME_WIDTH + j * cell + 11}" y="{y + 17}" font-size="12" '
                f'fill="#fff">{line.count}</text>'
            )
            table.append([row["name"], line.month, line.count, w.get(line.status, line.status)])
    svg = _svg(
        "cadence",
        NAME_WIDTH + cell * max(1, len(months)) + 20,
        30 + ROW * len(rows),
        "".join(parts),
        w,
    )
    header = [w["pilot"], w["month"], w["meetings"], w["status"]]
    return _figure("cadence", svg, _table(header, table), w)


# -- deployment support and REX sessions --------------------------------------------------------


def _support(
    app: CohortQueries, rows: list[dict[str, Any]], board: cohort.Dashboard, w: dict[str, str]
) -> str:
    by_id = {str(r.pilot_id): r for r in board.rows}
    lines = []
    for row in rows:
        funded = requested = 0.0
        for project in app.project_rows(row["pilot_id"]):
            for funding in project["fundings"].values():
                requested += funding["amount_eur"]
                if funding["status"] == "granted":
                    funded += funding["amount_eur"]
        solutions = len(row["solutions"])
        dashboard = by_id[row["pilot_id"]]
        published = app.published_communications(row["pilot_id"])
        lines.append(
            [
                row["name"],
                f"{dashboard.regional_solutions} / {solutions}",
                f"{funded:,.0f} / {requested:,.0f}".replace(",", " "),
                dashboard.open_blockers,
                f"{sum(1 for r in published if r is True)} / {len(published)}",
            ]
        )
    header = [w["pilot"], w["solutions"], w["funding"], w["blockers"], w["graphic_charter"]]
    return f"<section><h2>{escape(w['support'])}</h2>{_table(header, lines)}</section>"


def _sessions(app: CohortQueries, w: dict[str, str]) -> str:
    lines = [
        [
            s["on"].isoformat(),
            s["title"],
            w.get(s["kind"], s["kind"]),
            ", ".join(s["attended_by"]) or "-",
        ]
        for s in app.rex_sessions()
    ]
    if not lines:
        return ""
    header = [w["date"], w["session"], w["kind"], w["attended_by"]]
    return f"<section><h2>{escape(w['sessions'])}</h2>{_table(header, lines)}</section>"


# -- alerts ------------------------------------------------------------------------------------


def _alerts(board: cohort.Dashboard, w: dict[str, str]) -> str:
    lines = [
        f"<tr><td>{escape(row.name)}</td><td>{escape(alert.rule)}</td>"
        f'<td class="{alert.severity}">{escape(w[alert.severity])}</td>'
        f"<td>{escape(_sentence(alert, w))}</td></tr>"
        for row in board.rows
        for alert in row.alerts
    ]
    if not lines:
        return f"<section><h2>{escape(w['alerts'])}</h2><p>{escape(w['no_alert'])}</p></section>"
    head = "".join(f"<th>{escape(w[k])}</th>" for k in ("pilot", "rule", "severity", "message"))
    return (
        f"<section><h2>{escape(w['alerts'])}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table></section>"
    )


def _sentence(alert: cohort.Alert, w: dict[str, str]) -> str:
    template = w.get(alert.key)
    return template.format(**alert.params) if template else alert.message


def today_of(app: CohortQueries, today: date | None) -> date:
    if today is not None:
        return today
    now: datetime = app.now()
    return now.astimezone(app.programme("grand-est-2024").zone).date()
