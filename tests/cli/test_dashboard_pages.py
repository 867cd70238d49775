"""The dashboard one page at a time from the shell (CONTRACT.md): `--limit`, `--after` (the
slug the page before ends with), `--phase`, `--rule`, `--search`; a bad filter is one line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from parcours import Parcours
from parcours.cli import cli
from tests.conftest import Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import enrolled, in_deployment

NAMES = ["CC du Pays de Bitche", "CC du Pays de Phalsbourg", "CC de la Vallée de la Bruche"]


@pytest.fixture
def db(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("PARCOURS_DATABASE_URL", url)
    monkeypatch.setenv("PARCOURS_ACTOR", LEAD)
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    monkeypatch.setattr("parcours.cli.shell.out", Console(highlight=False, width=400))
    clock.set(date(2025, 6, 20))
    app = staffed(Parcours(url, clock=clock))
    for name in NAMES:
        enrolled(app, name=name)
    in_deployment(app)
    app.close_connections()
    return url


def shell(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def rows(*args: str) -> list[dict[str, Any]]:
    result = shell("dashboard", "--json", *args)
    assert result.exit_code == 0, result.stdout
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def test_pages_follow_one_another_by_the_slug_the_shell_prints(db: str) -> None:
    everyone = [r["pilot_id"] for r in rows()]
    first = shell("dashboard", "--limit", "2")
    assert first.exit_code == 0
    hint = first.stdout.strip().splitlines()[-1]
    assert hint.startswith("4 pilotes en tout ; page suivante : --after ")
    after = hint.rsplit(" ", 1)[-1]
    assert [r["pilot_id"] for r in rows("--limit", "2", "--after", after)] == everyone[2:]


def test_filters_narrow_the_rows(db: str) -> None:
    assert {r["phase"] for r in rows("--phase", "deployment")} == {"deployment"}
    assert len(rows("--search", "PAYS DE")) == 2
    assert len(rows("--search", "vallee")) == 1  # « Vallée » without its accent


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--limit", "0"], "limit"), (["--rule", "R5x"], "rule"), (["--phase", "nowhere"], "phase")],
)
def test_a_bad_filter_is_one_line_naming_its_field(db: str, args: list[str], field: str) -> None:
    result = shell("dashboard", *args)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"erreur : {field}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_pydantic_s_own_refusals_read_in_french_too(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal pydantic words itself (a pattern, a choice) is said in the reader's language,
    for a filter as for a setting (found by hand: « String should match pattern » in French)."""
    assert shell("dashboard", "--rule", "R3' OR 1=1").stderr.strip() == (
        "erreur : rule : valeur de forme inattendue"
    )
    assert "n'est pas parmi celles attendues" in shell("dashboard", "--phase", "x").stderr
    monkeypatch.setenv("PARCOURS_PROGRAMME", "../../etc")
    assert shell("list").stderr.strip() == (
        "erreur : réglage invalide : PARCOURS_PROGRAMME : valeur de forme inattendue"
    )
