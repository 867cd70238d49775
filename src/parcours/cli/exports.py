"""Spreadsheets (issue 20): `--csv` in the dialect a French spreadsheet opens (or RFC 4180 for
machines, `--csv-dialect rfc4180`), and `parcours export --xlsx FILE`, a real workbook of the
cohort: one sheet each for the dashboard, the budgets (R6), the cadence (R5), the REX (R7) and
the indicators (R8), typed cells (dates as dates, numbers as numbers), the header row frozen,
a filter on every column, French sheet and column names.

Every text cell stays inert, in the CSV (`outputs.csv_cell`) as in the workbook: a pilot named
`=HYPERLINK(…)` is a string cell, never a formula (`workbook._text`). The workbook itself is
written by workbook.py.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import typer

from parcours import formats
from parcours.cli import shell
from parcours.cli.workbook import cohort_sheets, write_xlsx
from parcours.errors import InvalidInput
from parcours.outputs import CSV_DIALECTS, CsvDialect, markup, write_csv

commands = typer.Typer()

CsvDialectOption = Annotated[
    str | None,
    typer.Option(
        "--csv-dialect",
        help="fr (défaut en français : UTF-8 avec BOM, « ; », virgule décimale) ou rfc4180 "
        "(pour les programmes : virgules, point décimal, sans BOM).",
    ),
]

# The CSV's column keys, as a French spreadsheet shows them (the rfc4180 dialect keeps the
# keys: machines read them).
HEADERS_FR = {
    "pilot_id": "identifiant",
    "name": "collectivité",
    "programme": "programme",
    "phase": "phase",
    "phase_since": "depuis",
    "next_rule": "prochaine règle",
    "next_due": "échéance",
    "days_left": "jours restants",
    "alerts": "alertes",
    "slug": "slug",
    "project": "projet",
    "key": "clé",
    "label": "libellé",
    "unit": "unité",
    "target": "cible",
    "period": "période",
    "value": "valeur",
}


def dialect(value: str | None) -> CsvDialect:
    """The dialect asked for, or the language's: French → "fr", English → "rfc4180"."""
    if value is None:
        try:
            lang = formats.language()
        except ValueError as unknown:
            raise InvalidInput("PARCOURS_LANG", str(unknown)) from None
        return "fr" if lang == "fr" else "rfc4180"
    chosen = value.strip().lower()
    if chosen not in CSV_DIALECTS:
        raise InvalidInput("csv-dialect", "input.csv_dialect", value=value)
    return "fr" if chosen == "fr" else "rfc4180"


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], chosen: CsvDialect) -> None:
    """The CSV on standard output, as bytes in UTF-8 whatever the terminal's encoding (the
    BOM of the French dialect first: `parcours dashboard --csv > tableau.csv`)."""
    titles = [HEADERS_FR.get(h, h) for h in header] if chosen == "fr" else list(header)
    text = io.StringIO(newline="")
    write_csv(text, titles, rows, chosen)
    stdout: Any = sys.stdout
    binary = getattr(stdout, "buffer", None)
    if binary is None:
        stdout.write(text.getvalue())
        return
    stdout.flush()
    binary.write(text.getvalue().encode("utf-8"))
    binary.flush()


@commands.command("export")
def export(
    xlsx: Annotated[
        str, typer.Option("--xlsx", help="Le classeur à écrire (.xlsx), une feuille par vue.")
    ],
    today: Annotated[
        str | None, typer.Option("--today", help="AAAA-MM-JJ (défaut : aujourd'hui).")
    ] = None,
) -> None:
    """Écrit le classeur de la cohorte : tableau de bord, budgets (R6), cadence (R5), REX (R7)
    et indicateurs (R8), cellules typées, en-têtes figés et filtrés."""
    sheets = shell.run(lambda: cohort_sheets(shell.app(), shell.day(today, "today")))
    shell.run(lambda: write_xlsx(xlsx, sheets))
    rows = sum(len(s.rows) for s in sheets)
    shell.out.print(f"classeur écrit : {markup(xlsx)} ({len(sheets)} feuilles, {rows} lignes)")
