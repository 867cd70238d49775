"""Spreadsheets and pilots by name from the shell (issue 20): the French CSV a French
spreadsheet opens, the RFC 4180 CSV machines read, the workbook of the cohort, the slug in
place of the id, and `scheduler tick --dry-run`."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from rich.console import Console
from typer.testing import CliRunner

from parcours import Parcours
from parcours.cli import cli
from parcours.cli.workbook import Sheet, cohort_sheets, write_xlsx
from tests.conftest import Clock
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import REFERENT, in_deployment

FORMULA_NAME = '=HYPERLINK("http://example.org","x")'
ACCENTS = "Communauté de Communes du Pays de Bitche — Œting, Lès-Sœurs"
SHEETS = ["Tableau de bord", "Budgets (R6)", "Cadence (R5)", "REX (R7)", "Indicateurs (R8)"]


@pytest.fixture
def db(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cohort with something in every sheet: a pilot in deployment (time logged, a
    follow-up, a REX, an indicator reported with a decimal), a pilot with accents and one
    named like a formula."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("PARCOURS_DATABASE_URL", url)
    monkeypatch.setenv("PARCOURS_ACTOR", LEAD)
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    monkeypatch.setattr("parcours.cli.shell.out", Console(highlight=False, width=400))
    clock.set(date(2025, 6, 20))
    app = staffed(Parcours(url, clock=clock))
    pilot, project = in_deployment(app)
    app.log_time(pilot, days=1.5, on=date(2025, 3, 10), actor=REFERENT_ID)
    app.record_follow_up(pilot, on=date(2025, 3, 20), actor=LEAD)
    app.record_rex(pilot, on=date(2024, 11, 28), session="rex-2024", actor=LEAD)
    app.report_indicator(
        pilot, project, key="people_helped", value=74.5, period="2025-Q1", actor=REFERENT_ID
    )
    for name in (ACCENTS, FORMULA_NAME):
        other = app.enroll(
            name=name, programme="grand-est-2024", charter_signed_on=date(2024, 9, 2), actor=LEAD
        )
        app.designate_referent(other, actor=LEAD, **REFERENT)
    app.close_connections()
    return url


def shell(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result


def test_the_french_csv_opens_in_a_french_spreadsheet(db: str) -> None:
    raw = shell("dashboard", "--today", "2025-06-30", "--csv").stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8 only with it
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["identifiant", "collectivité", "programme"]
    assert header[-1] == "slug"
    by_name = {r[1]: r for r in rows[1:]}
    assert ACCENTS in by_name  # the accents round-trip
    assert by_name[ACCENTS][-1] == "cc-pays-de-bitche-oeting-les-soeurs"
    assert "'" + FORMULA_NAME in by_name  # inert
    assert all(len(r) == len(header) for r in rows)
    indicators = shell("indicators", "cc-ardenne-rives-de-meuse", "--csv").stdout_bytes
    lines = list(csv.reader(io.StringIO(indicators.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["projet", "clé", "libellé", "unité", "cible", "période", "valeur"]
    assert lines[1][4:] == ["300", "2025-Q1", "74,5"]  # decimal comma


def test_the_rfc4180_csv_reads_back_with_the_default_dialect(db: str) -> None:
    raw = shell(
        "indicators", "cc-ardenne-rives-de-meuse", "--csv", "--csv-dialect", "rfc4180"
    ).stdout_bytes
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert lines[0] == ["project", "key", "label", "unit", "target", "period", "value"]
    assert lines[1][4:] == ["300", "2025-Q1", "74.5"]
    board = shell("dashboard", "--today", "2025-06-30", "--csv", "--csv-dialect", "rfc4180")
    rows = list(csv.reader(io.StringIO(board.stdout_bytes.decode("utf-8"), newline="")))
    assert rows[0][0] == "pilot_id"
    by_name = {r[1]: r for r in rows[1:]}
    assert ACCENTS in by_name
    assert "'" + FORMULA_NAME in by_name
    assert by_name[ACCENTS][4] == "2024-09-02"  # ISO date


def test_english_gives_the_machine_dialect_and_a_bad_dialect_is_one_line(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARCOURS_LANG", "en")
    raw = shell("dashboard", "--today", "2025-06-30", "--csv").stdout_bytes
    assert raw.startswith(b"pilot_id,")
    result = CliRunner().invoke(cli, ["dashboard", "--csv", "--csv-dialect", "excel"])
    assert result.exit_code == 1
    assert "csv-dialect" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_workbook_has_one_typed_sheet_per_view(db: str, tmp_path: Path) -> None:
    path = tmp_path / "cohorte.xlsx"
    shell("export", "--xlsx", str(path), "--today", "2025-06-30")
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert sheet.max_row >= 2, f"{sheet.title} is empty"
    board = book["Tableau de bord"]
    header = [c.value for c in board[1]]
    assert header[:5] == ["Collectivité", "Slug", "Programme", "Phase", "Depuis"]
    rows = {r[0].value: r for r in board.iter_rows(min_row=2)}
    ardenne = rows["Communauté de Communes Ardenne Rives de Meuse"]
    assert ardenne[1].value == "cc-ardenne-rives-de-meuse"
    assert ardenne[3].value == "déploiement"
    assert isinstance(ardenne[4].value, datetime)
    assert ardenne[4].is_date
    assert ardenne[4].value.date() == date(2025, 3, 3)
    assert ardenne[4].number_format == "dd/mm/yyyy"
    assert ACCENTS in rows
    budgets = book["Budgets (R6)"]
    logged = [r for r in budgets.iter_rows(min_row=2) if r[6].value]
    assert logged
    assert all(isinstance(r[6].value, int | float) for r in logged)
    assert all(r[3].is_date for r in budgets.iter_rows(min_row=2))
    cadence = book["Cadence (R5)"]
    march = next(r for r in cadence.iter_rows(min_row=2) if r[2].value == "2025-03")
    assert march[3].value == 1
    assert march[3].data_type == "n"
    rex = book["REX (R7)"]
    years = {(r[0].value, r[2].value): r[3].value for r in rex.iter_rows(min_row=2)}
    assert years[("Communauté de Communes Ardenne Rives de Meuse", 2024)] == 1
    indicators = book["Indicateurs (R8)"]
    [line] = list(indicators.iter_rows(min_row=2))
    assert (line[7].value, line[8].value) == ("2025-Q1", 74.5)
    assert line[6].value == 300
    assert line[6].data_type == "n"


def test_a_formula_named_pilot_stays_text_in_the_workbook(db: str, tmp_path: Path) -> None:
    path = tmp_path / "cohorte.xlsx"
    shell("export", "--xlsx", str(path), "--today", "2025-06-30")
    board = load_workbook(path)["Tableau de bord"]
    [cell] = [r[0] for r in board.iter_rows(min_row=2) if "HYPERLINK" in str(r[0].value)]
    assert cell.value == FORMULA_NAME  # the name itself, not a prefixed copy
    assert cell.data_type == "s"  # a string, never "f"
    assert cell.quotePrefix  # and still text once someone edits the cell
    with zipfile.ZipFile(path) as archive:
        xml = "".join(
            archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")
        )
    assert "<f>" not in xml
    assert "<f " not in xml


def test_write_xlsx_refuses_no_hostile_text(tmp_path: Path) -> None:
    """Control characters (which openpyxl refuses) are shown, formula triggers stay text."""
    sheet = Sheet("Essai", [("Texte", "text"), ("Nombre", "number"), ("Date", "date")])
    sheet.rows = [
        ["\x1b[31mrouge", float("nan"), date(2025, 1, 2)],
        ["+33 3 24", -1.5, None],
        ["@SUM(A1)", 3, "pas une date"],
    ]
    path = tmp_path / "essai.xlsx"
    write_xlsx(path, [sheet])
    page = load_workbook(path)["Essai"]
    assert [c.value for c in page["A"]][1:] == ["\\x1b[31mrouge", "+33 3 24", "@SUM(A1)"]
    assert all(c.data_type == "s" for c in page["A"])
    assert page["B2"].value is None
    assert page["B3"].value == -1.5
    assert page["C2"].is_date
    assert page["C4"].value == "pas une date"
    assert not list(tmp_path.glob("*.partiel"))


def test_pilots_by_slug_and_siren_from_the_shell(db: str) -> None:
    listed = shell("list").stdout
    assert "cc-ardenne-rives-de-meuse" in listed
    shown = shell("show", "cc-ardenne-rives-de-meuse").stdout
    assert "déploiement" in shown or "deployment" in shown
    assert "cc-ardenne-rives-de-meuse" in shell("dashboard", "--today", "2025-06-30").stdout
    result = CliRunner().invoke(cli, ["budget", "cc-inconnue"])
    assert result.exit_code == 1
    assert "cc-inconnue" in result.stderr


def test_scheduler_tick_dry_run_from_the_shell(db: str) -> None:
    before = Path(db.removeprefix("sqlite:///")).read_bytes()
    out = shell("scheduler", "tick", "--dry-run", "--at", "2025-08-01T08:00:00+02:00").stdout
    assert "Aucune écriture" in out
    assert "manquement" in out  # R4/R5 breaches it would record
    assert "Serait envoyé" in out
    assert Path(db.removeprefix("sqlite:///")).read_bytes() == before
    data = shell("scheduler", "tick", "--dry-run", "--at", "2025-08-01T08:00:00+02:00", "--json")
    assert '"dry_run": true' in data.stdout


def test_the_workbook_is_typed_on_both_databases(
    app: Parcours, clock: Clock, tmp_path: Path
) -> None:
    """The same sheets from SQLite and PostgreSQL: what each database hands back (dates,
    numbers) reaches the workbook typed."""
    clock.set(date(2025, 6, 20))
    pilot, project = in_deployment(app)
    app.log_time(pilot, days=1.5, on=date(2025, 3, 10), actor=REFERENT_ID)
    app.report_indicator(
        pilot, project, key="people_helped", value=74.5, period="2025-Q1", actor=REFERENT_ID
    )
    path = tmp_path / "cohorte.xlsx"
    write_xlsx(path, cohort_sheets(app, date(2025, 6, 30)))
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    [row] = list(book["Tableau de bord"].iter_rows(min_row=2))
    assert row[4].is_date
    assert row[7].data_type == "n"  # days left: a number
    budget = [r for r in book["Budgets (R6)"].iter_rows(min_row=2) if r[6].value]
    assert budget
    assert all(r[6].data_type == "n" for r in budget)
    [line] = list(book["Indicateurs (R8)"].iter_rows(min_row=2))
    assert line[8].value == 74.5
