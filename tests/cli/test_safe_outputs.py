"""What the shell prints of data is data, never an instruction (issue 18): a pilot named
like a spreadsheet formula with rich markup opens safely in list, dashboard, the CSV, the JSON
and the HTML report; data stored before the input policy shows its control characters."""

from __future__ import annotations

import csv
import html
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from parcours import clock as clocks
from parcours.cli import cli

FORMULA_NAME = '=HYPERLINK("http://example.org","x") [/]'


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PARCOURS_ACTOR", "agency:project-lead")
    # A wide terminal, so that a table shows whole names (80 columns would cut them).
    monkeypatch.setattr("parcours.cli.shell.out", Console(highlight=False, width=400))
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        assert "Traceback" not in result.stdout + result.stderr
        return result.stdout

    invoke("grant", "agency:project-lead", "agency")  # a store is closed by default (R15)
    return invoke


def test_a_formula_named_pilot_opens_safely_everywhere(shell, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # --today is as recorded at the end of that day (issue 20): the shell's clock stands
    # on that day, so what is recorded here was recorded by then.
    monkeypatch.setattr(clocks, "system_clock", lambda: datetime(2025, 1, 6, 12, tzinfo=UTC))
    pilot = shell("enroll", FORMULA_NAME, "--charter-signed-on", "2024-09-02").strip()
    # The markup [/] neither crashes the table nor vanishes from the name.
    assert FORMULA_NAME in shell("list")
    assert FORMULA_NAME in shell("dashboard", "--today", "2025-01-06")
    assert FORMULA_NAME in shell("show", pilot)
    french = shell("dashboard", "--today", "2025-01-06", "--csv")  # French dialect (issue 20)
    rows = list(csv.reader(io.StringIO(french.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1][1] == "'" + FORMULA_NAME  # a spreadsheet shows it, never evaluates it
    assert int(rows[1][7]) == 175  # days_left stays a number
    assert json.loads(shell("dashboard", "--today", "2025-01-06", "--json"))[0]["name"] == (
        FORMULA_NAME
    )
    assert json.loads(shell("list", "--json"))[0]["name"] == FORMULA_NAME
    report = tmp_path / "report.html"
    shell("report", "--html", str(report), "--today", "2025-01-06")
    page = report.read_text(encoding="utf-8")
    assert html.escape(FORMULA_NAME) in page
    assert FORMULA_NAME not in page  # its quotes are escaped: no attribute can be closed


def test_markup_in_an_output_path_is_printed_as_it_is(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "rapport[red].html"  # read as markup, "[red]" would vanish
    assert "rapport[red].html" in shell("report", "--html", str(target))


def test_control_characters_stored_before_the_policy_are_shown_not_sent(
    shell,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    shell("enroll", "CC Ardenne", "--charter-signed-on", "2024-09-02")
    with sqlite3.connect(tmp_path / "cli.db") as db:  # as an earlier version could store it
        db.execute("UPDATE parcours_rm_pilots SET name = 'CC \x1b[31mrouge\x1b]8;;http://x\x07'")
    shown = shell("list")
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\\x1b[31mrouge" in shown
