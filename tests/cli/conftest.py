"""The shell's tests' fixture: a store on a temporary SQLite file where the agency granted
itself and the Region (R15), and `run(*args, ok=True)` that invokes `parcours` on it and
returns (exit code, stdout, stderr)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from parcours.cli import cli
from tests.support.roles import REGION


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PARCOURS_ACTOR", "agency:project-lead")
    runner = CliRunner()
    # R15: the deployment's first act, then the Region (the agency grants it).
    for grant in (["grant", "agency:project-lead", "agency"], ["grant", REGION, "region"]):
        assert runner.invoke(cli, grant).exit_code == 0

    def invoke(*args: str, ok: bool = True) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.exit_code, result.stdout, result.stderr

    return invoke
