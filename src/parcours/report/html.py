"""The programme officer's report: one self-contained HTML file (inline CSS and SVG, no
script, no network), French by default, printable on A4 for the committees.

Ordered to act on: what falls due in the next 30 days, then the open alerts (one row per
pilot and rule), then the cohort at a glance, the timeline and the charts. Every chart has a
title, a description, a legend in words and a table alternative."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING

from parcours.report import agenda, budget, charts, overview
from parcours.report.parts import Page
from parcours.report.style import CSS

if TYPE_CHECKING:
    from parcours.service.cohort import CohortQueries


def render(app: CohortQueries, today: date, lang: str = "fr") -> str:
    page = Page.of(lang)
    rows = app.pilot_rows()
    board = app.dashboard(today=today)
    programme = app.programme(rows[0]["programme"]) if rows else app.default_programme()
    programmes = {r["programme"]: app.programme(r["programme"]) for r in rows}
    budgets = budget.lines_of(app, rows, today)
    indicators = {
        r["pilot_id"]: {
            i["key"]: f"« {i['label']} »" if page.lang == "fr" else f"“{i['label']}”"
            for project in app.project_rows(r["pilot_id"])
            for i in project["indicators"]
        }
        for r in rows
        if r["indicators"]
    }
    due = agenda.due_soon(rows, programmes, app.instant(today), today, page)
    sections = [
        agenda.due_section(due, today, page),
        agenda.alerts_section(agenda.grouped_alerts(board, budgets, page, indicators), page),
        overview.overview(board, page),
        charts.timeline(rows, programme, today, page),
        budget.budget_figure(rows, budgets, today, page),
        charts.rex(app, rows, today, page),
        charts.cadence(app, rows, today, page),
        overview.support(app, rows, board, page),
        overview.sessions(app, page),
    ]
    title = escape(page.w["title"])
    return (
        f'<!DOCTYPE html>\n<html lang="{page.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body><header><h1>{title}</h1>"
        f"<p>{escape(page.w['generated'])} {escape(page.day(today))} — "
        f"{escape(programme.title)}</p></header><main>"
        + "".join(sections)
        + "</main></body></html>\n"
    )


def today_of(app: CohortQueries, today: date | None) -> date:
    if today is not None:
        return today
    now: datetime = app.now()
    return now.astimezone(app.default_programme().zone).date()
