"""The programme officer's report: one self-contained HTML file (inline CSS and SVG, no
script, no network), French by default, printable on A4 for the committees.

Ordered to act on: what falls due in the next 30 days, then the open alerts (one row per
pilot and rule), then the cohort at a glance, the timeline and the charts. Every chart has a
title, a description, a legend in words and a table alternative."""

from __future__ import annotations

from html import escape

from parcours.report import agenda, budget, charts, overview
from parcours.report.parts import Page
from parcours.report.style import CSS
from parcours.report_data import ReportData


def render(data: ReportData, lang: str = "fr") -> str:
    """The page of `data` (gathered by `CohortQueries.report_data`): it asks nothing."""
    page = Page.of(lang)
    rows, board, today = data.rows, data.dashboard, data.today
    programme = data.title_programme()
    budgets = budget.lines_of(data)
    indicators = {
        r["pilot_id"]: {
            i["key"]: f"« {i['label']} »" if page.lang == "fr" else f"“{i['label']}”"
            for project in data.projects[r["pilot_id"]]
            for i in project["indicators"]
        }
        for r in rows
        if r["indicators"]
    }
    due = agenda.due_soon(rows, data.programmes, data.at, today, page)
    sections = [
        agenda.due_section(due, today, page),
        agenda.alerts_section(agenda.grouped_alerts(board, budgets, page, indicators), page),
        overview.overview(board, page),
        charts.timeline(rows, programme, today, page),
        budget.budget_figure(rows, budgets, today, page),
        charts.rex(data, page),
        charts.cadence(data, page),
        overview.support(data, page),
        overview.sessions(data, page),
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
