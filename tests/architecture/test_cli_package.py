"""The shell is a package of modules around `parcours.cli.shell` (issue 21): the command
modules read its consoles, its application and its error boundary through the module, so
that replacing `shell.out` (as the tests do) reaches every command; and the modules of the
package make no circle (import-linter's `acyclic_siblings` contract, proved to fail)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from parcours.cli import shell
from tests.architecture.test_layers import ROOT, _lint

PACKAGE = ROOT / "src" / "parcours" / "cli"
# What changes at run time (or is replaced by a test): never bound to another name.
SHARED_STATE = {"out", "err", "state", "app", "run", "day", "instant", "emit_json", "print_id"}


def test_no_command_module_binds_the_shells_consoles_or_application_by_name() -> None:
    bound: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "parcours.cli.shell":
                bound += [f"{path.name}: {a.name}" for a in node.names if a.name in SHARED_STATE]
    assert bound == []
    assert set(vars(shell)) >= SHARED_STATE


def test_a_circle_between_the_shells_modules_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "parcours", tmp_path / "parcours")
    target = tmp_path / "parcours" / "cli" / "shell.py"
    target.write_text(target.read_text() + "\nfrom parcours.cli import views  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "No cycles are allowed in parcours.cli" in result.stdout
