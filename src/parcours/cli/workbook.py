"""The cohort's workbook (issue 20), behind `parcours export --xlsx FILE`: one sheet each for
the dashboard, the budgets (R6), the cadence (R5), the REX (R7) and the indicators (R8), typed
cells (dates as dates, numbers as numbers), the header row frozen, a filter on every column,
French sheet and column names. Every text cell stays inert: a pilot named `=HYPERLINK(…)` is
a string cell, never a formula (`_text`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from parcours.outputs import CSV_TRIGGERS, visible

Kind = Literal["text", "date", "int", "number"]


@dataclass
class Sheet:
    """One sheet: its title, its columns (French header, kind of cell) and its rows."""

    title: str
    columns: list[tuple[str, Kind]]
    rows: list[list[Any]] = field(default_factory=list)


def _text(cell: Any, value: Any) -> None:
    """A string cell, never a formula: openpyxl reads a string starting with "=" as one, so
    the cell is typed back to a string, and a cell that a spreadsheet would take for a
    formula once edited (=, +, -, @) carries the quote prefix (Excel's leading apostrophe)."""
    text = visible(str(value))
    cell.value = text
    cell.data_type = "s"
    if text.startswith(CSV_TRIGGERS):
        cell.quotePrefix = True


def _typed(cell: Any, value: Any, kind: Kind) -> None:
    if value is None:
        return
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            cell.value = value
            cell.number_format = "dd/mm/yyyy"
            return
    if kind in ("int", "number") and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and value != value:  # NaN: no number to show
            return
        cell.value = value
        cell.number_format = "0" if kind == "int" else "0.##"
        return
    _text(cell, value)


def write_xlsx(path: str | Path, sheets: Sequence[Sheet]) -> None:
    """A workbook with one sheet per `Sheet`: typed cells, the header row frozen and in bold,
    an automatic filter over the header and the rows, columns wide enough to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.title)
        for column, (title, _) in enumerate(sheet.columns, start=1):
            header = page.cell(row=1, column=column)
            _text(header, title)
            header.font = Font(bold=True)
        for number, row in enumerate(sheet.rows, start=2):
            for column, (value, (_, kind)) in enumerate(zip(row, sheet.columns, strict=True), 1):
                _typed(page.cell(row=number, column=column), value, kind)
        last = get_column_letter(len(sheet.columns))
        page.freeze_panes = "A2"
        page.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
        for column, (title, kind) in enumerate(sheet.columns, start=1):
            widest = max(
                [len(title) + 4, 12 if kind == "date" else 8]
                + [len(str(r[column - 1])) for r in sheet.rows[:200] if r[column - 1] is not None]
            )
            page.column_dimensions[get_column_letter(column)].width = min(widest + 2, 60)
    target = Path(path)
    partial = target.with_name(target.name + ".partiel")
    book.save(partial)  # whole or not at all: a reader never opens half a workbook
    partial.replace(target)


def _label(labels: dict[str, str], value: Any) -> Any:
    return labels.get(value, value) if isinstance(value, str) else value


def cohort_sheets(app: Any, today: date | None) -> list[Sheet]:
    """The cohort as five sheets, as of `today` (default: the clock's day)."""
    from parcours.report.labels import words as report_words

    words = report_words("fr")
    board = app.dashboard(today=today)
    day = board.today
    dashboard = Sheet(
        "Tableau de bord",
        [
            ("Collectivité", "text"),
            ("Slug", "text"),
            ("Programme", "text"),
            ("Phase", "text"),
            ("Depuis", "date"),
            ("Prochaine règle", "text"),
            ("Échéance", "date"),
            ("Jours restants", "int"),
            ("Alertes", "text"),
            ("Freins ouverts", "int"),
            ("Solutions régionales", "int"),
            ("Identifiant", "text"),
        ],
    )
    budgets = Sheet(
        "Budgets (R6)",
        [
            ("Collectivité", "text"),
            ("Slug", "text"),
            ("Période", "text"),
            ("Début", "date"),
            ("Fin", "date"),
            ("Estimé (jours)", "number"),
            ("Saisi (jours)", "number"),
            ("Écart (jours)", "number"),
            ("Statut", "text"),
        ],
    )
    cadence = Sheet(
        "Cadence (R5)",
        [
            ("Collectivité", "text"),
            ("Slug", "text"),
            ("Mois", "text"),
            ("Réunions", "int"),
            ("Jours couverts", "int"),
            ("Statut", "text"),
        ],
    )
    rex = Sheet(
        "REX (R7)",
        [
            ("Collectivité", "text"),
            ("Slug", "text"),
            ("Année", "int"),
            ("Suivies", "int"),
            ("Requises", "int"),
            ("Statut", "text"),
        ],
    )
    indicators = Sheet(
        "Indicateurs (R8)",
        [
            ("Collectivité", "text"),
            ("Slug", "text"),
            ("Projet", "text"),
            ("Indicateur", "text"),
            ("Clé", "text"),
            ("Unité", "text"),
            ("Cible", "number"),
            ("Période", "text"),
            ("Valeur", "number"),
            ("Dernier relevé", "date"),
            ("Prochain relevé dû", "date"),
        ],
    )
    years: set[int] = set()
    slugs = {r.pilot_id: r.slug for r in board.rows}
    for row in board.rows:
        nxt = row.next_deadline
        dashboard.rows.append(
            [
                row.name,
                row.slug,
                row.programme,
                _label(words, row.phase),
                row.phase_since,
                nxt.rule if nxt else None,
                nxt.due if nxt else None,
                nxt.days_left if nxt else None,
                "\n".join(
                    f"{a.rule} {_label(words, a.severity)} : {a.message}" for a in row.alerts
                ),
                row.open_blockers,
                row.regional_solutions,
                str(row.pilot_id),
            ]
        )
        years.update(app.programme(row.programme).rex.required)
        for b in app.time_budget(row.pilot_id, today=day):
            budgets.rows.append(
                [
                    row.name,
                    row.slug,
                    b.period,
                    b.start,
                    b.end,
                    b.budget,
                    b.logged,
                    b.delta,
                    _label(words, b.status),
                ]
            )
        for c in app.follow_up_cadence(row.pilot_id, today=day):
            cadence.rows.append(
                [row.name, row.slug, c.month, c.count, c.covered_days, _label(words, c.status)]
            )
        for line in app.indicators(row.pilot_id, today=day):
            reported = sorted(line.values.items()) or [(None, None)]
            for period, value in reported:
                indicators.rows.append(
                    [
                        row.name,
                        row.slug,
                        line.project,
                        line.label,
                        line.key,
                        line.unit,
                        line.target,
                        period,
                        value,
                        line.last_reported_on,
                        line.next_due,
                    ]
                )
    for year in sorted(years):
        for r in app.rex_attendance(year, today=day):
            rex.rows.append(
                [
                    r.name,
                    slugs.get(r.pilot_id),
                    year,
                    r.attended,
                    r.required,
                    _label(words, r.status),
                ]
            )
    return [dashboard, budgets, cadence, rex, indicators]
