"""The cohort at a glance (phase, since when, next deadline, alerts per pilot), the deployment
support and the REX sessions: tables, in the reader's words."""

from __future__ import annotations

from html import escape
from typing import Any

from parcours.domain import standing_views
from parcours.report.parts import Page, section, table
from parcours.report_data import ReportData


def overview(board: standing_views.Dashboard, page: Page) -> str:
    lines: list[list[Any]] = []
    for row in board.rows:
        nxt = row.next_deadline
        when = "—"
        if nxt is not None:
            when = page.t(
                "next_deadline",
                rule=nxt.rule,
                day=page.day(nxt.due),
                left=page.in_days(nxt.days_left),
            )
        lines.append(
            [
                row.name,
                page.w.get(row.phase, row.phase),
                page.day(row.phase_since),
                when,
                _counts(row.alerts, page),
            ]
        )
    header = [page.w[k] for k in ("pilot", "phase", "since", "next", "alerts")]
    summary = ", ".join(
        page.t("per_phase", count=n, phase=page.w.get(p, p))
        for p, n in board.summary.per_phase.items()
        if n
    )
    said = f"{page.t('pilots_count', count=len(board.rows))} — {summary}."
    intro = f"<p>{escape(said)}</p>" if summary else ""
    return section("overview", intro + table(header, lines, page.w["overview"]), page)


def _counts(alerts: list[standing_views.Alert], page: Page) -> str:
    said = []
    for severity in ("breach", "warning", "info"):
        n = sum(1 for a in alerts if a.severity == severity)
        if n:
            said.append(f"{page.w['symbol_' + severity]} {n} {page.w[severity]}")
    return ", ".join(said) or page.w["none"]


def support(data: ReportData, page: Page) -> str:
    by_id = {str(r.pilot_id): r for r in data.dashboard.rows}
    lines: list[list[Any]] = []
    for row in data.rows:
        funded = requested = 0.0
        for project in data.projects[row["pilot_id"]]:
            for funding in project["fundings"].values():
                requested += funding["amount_eur"]
                if funding["status"] == "granted":
                    funded += funding["amount_eur"]
        dashboard = by_id[row["pilot_id"]]
        published = data.published[row["pilot_id"]]
        lines.append(
            [
                row["name"],
                f"{dashboard.regional_solutions} / {len(row['solutions'])}",
                f"{page.euros(funded)} / {page.euros(requested)}",
                dashboard.open_blockers,
                f"{sum(1 for r in published if r is True)} / {len(published)}",
            ]
        )
    header = [page.w[k] for k in ("pilot", "solutions", "funding", "blockers", "graphic_charter")]
    return section("support", table(header, lines, page.w["support"]), page)


def sessions(data: ReportData, page: Page) -> str:
    lines: list[list[Any]] = [
        [
            page.day(s.on),
            s.title,
            page.w.get(s.kind, s.kind),
            ", ".join(s.attended_by) or "—",
        ]
        for s in data.sessions
    ]
    if not lines:
        return ""
    header = [page.w[k] for k in ("date", "session", "kind", "attended_by")]
    return section("sessions", table(header, lines, page.w["sessions"]), page)
