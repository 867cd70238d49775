"""Safe outputs (issue 18): terminal cells, CSV cells, JSON; and the one-line descriptions of
the shell's error boundary."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from types import SimpleNamespace
from uuid import uuid4

import pytest
from eventsourcing.persistence import OperationalError as StoreOperationalError
from rich.console import Console
from sqlalchemy.exc import OperationalError

from parcours.cli.errors import describe
from parcours.errors import InvalidInput
from parcours.outputs import (
    DASHBOARD_CSV,
    cell,
    csv_cell,
    dashboard_cells,
    json_ready,
    markup,
    one_line,
    visible,
    write_csv,
)


def test_control_characters_are_written_out_not_sent() -> None:
    assert visible("CC \x1b[31mrouge\x07") == "CC \\x1b[31mrouge\\x07"
    assert visible("\u202eesreveR \x85 \ud800") == "\\u202eesreveR \\x85 \\ud800"
    assert visible("deux\nlignes\tet tab") == "deux\nlignes\tet tab"


def test_a_table_cell_is_never_read_as_markup() -> None:
    screen = Console(file=io.StringIO(), width=200, color_system=None)
    screen.print(cell("Communauté [/] de Communes [bold]x[/bold]"))
    screen.print(f"[bold]{markup('[/] fin')}[/bold]")
    assert screen.file.getvalue().splitlines() == [  # type: ignore[attr-defined]
        "Communauté [/] de Communes [bold]x[/bold]",
        "[/] fin",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://example.org","x")', '\'=HYPERLINK("http://example.org","x")'),
        ("+33 3 24", "'+33 3 24"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=x", "''=x"),  # so that removing one leading quote always gives the text back
        ("Ardenne", "Ardenne"),
        (-5, "-5"),  # a late deadline: a number, not text
        (300.0, "300"),
        (0.1, "0.1"),
        (1234567.25, "1234567.25"),
        (float("nan"), ""),
        (None, ""),
        (True, "true"),
        (date(2025, 6, 30), "2025-06-30"),
    ],
)
def test_a_csv_cell_neutralises_formulas_and_keeps_numbers(value: object, shown: str) -> None:
    assert csv_cell(value) == shown


def test_a_late_dashboard_row_keeps_its_negative_days_left_a_number() -> None:
    nxt = SimpleNamespace(rule="R4", due=date(2025, 6, 30), days_left=-5)
    row = SimpleNamespace(
        pilot_id=uuid4(),
        name="-CC Ardenne",
        programme="grand-est-2024",
        phase="framing",
        phase_since=date(2024, 12, 12),
        next_deadline=nxt,
        alerts=[SimpleNamespace(rule="R4", message="=late")],
    )
    buffer = io.StringIO()
    write_csv(buffer, DASHBOARD_CSV, [dashboard_cells(row)])
    written = list(csv.reader(io.StringIO(buffer.getvalue())))[1]
    assert written[1] == "'-CC Ardenne"
    assert written[7] == "-5"
    assert written[8] == "R4 =late"  # starts with R: not a formula


def test_json_has_no_nan_or_infinity() -> None:
    data = {"value": float("nan"), "rows": [float("inf"), 1.5, {"x": -float("inf")}]}
    assert json.loads(json.dumps(json_ready(data), allow_nan=False)) == {
        "value": None,
        "rows": [None, 1.5, {"x": None}],
    }


def test_a_message_is_one_line_with_its_controls_visible() -> None:
    assert one_line("connexion refusée\n\tserveur arrêté ?\x1b[2J") == (
        "connexion refusée serveur arrêté ?\\x1b[2J"
    )


def test_the_boundary_names_what_to_fix_without_echoing_sql_parameters() -> None:
    failure = OperationalError(
        "INSERT INTO t VALUES (?)", ("camille.martin@example.org",), Exception("disk I/O error")
    )
    said = describe(failure)
    assert said.startswith("base de données inaccessible : disk I/O error")
    assert "camille" not in said
    wrapped = StoreOperationalError("wrapped")
    wrapped.__cause__ = failure
    assert describe(wrapped) == said
    assert describe(InvalidInput("name", "trop long")) == "name : trop long"
    assert describe(PermissionError(13, "Permission denied", "/etc/x.html")) == (
        "fichier /etc/x.html : permission refusée"
    )
    assert "--debug" in describe(RuntimeError("personal@example.org"))
    assert "personal" not in describe(RuntimeError("personal@example.org"))


def test_the_french_csv_reads_back_in_the_french_dialect() -> None:
    """Issue 20: BOM, `;`, decimal comma, ISO dates, VRAI/FAUX; a cell holding the delimiter,
    a quote or a line break is quoted, and a formula stays inert."""
    rows = [
        ["Communauté d'Œting ; Sœurs", 1.5, -5, 300.0, date(2024, 12, 31), True, None],
        ['=HYPERLINK("x")', -0.25, 0, 1234567.25, date(2025, 1, 2), False, "a\r\nb"],
    ]
    buffer = io.StringIO(newline="")
    write_csv(buffer, ["nom", "a", "b", "c", "d", "e", "f"], rows, "fr")
    text = buffer.getvalue()
    assert text.startswith("\ufeffnom;a;")
    back = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert back[1] == ["Communauté d'Œting ; Sœurs", "1,5", "-5", "300", "2024-12-31", "VRAI", ""]
    assert back[2] == [
        '\'=HYPERLINK("x")',
        "-0,25",
        "0",
        "1234567,25",
        "2025-01-02",
        "FAUX",
        "a\r\nb",
    ]


def test_the_rfc4180_csv_is_the_machines_and_an_unknown_dialect_is_refused() -> None:
    buffer = io.StringIO(newline="")
    write_csv(buffer, ["a", "b"], [[1.5, date(2024, 12, 31)], ["+1", True]], "rfc4180")
    assert buffer.getvalue() == "a,b\r\n1.5,2024-12-31\r\n'+1,true\r\n"
    with pytest.raises(ValueError, match="dialect"):
        write_csv(io.StringIO(), ["a"], [], "excel")  # type: ignore[arg-type]
