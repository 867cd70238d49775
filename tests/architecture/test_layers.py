"""The house's arrows point down (issue 14): import-linter's contracts in pyproject.toml.

`make check` runs them; these tests run them too, and prove they can fail: a copy of the
package with one arrow pointing up (a type named under TYPE_CHECKING, which counts) breaks
the contract and the message names the import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layers_of_the_package_point_down() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_type_named_from_a_room_above_breaks_the_layers(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "parcours", tmp_path / "parcours")
    cohort = tmp_path / "parcours" / "service" / "cohort.py"
    cohort.write_text(
        cohort.read_text()
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from parcours.application import Parcours\n"
    )
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "parcours.service is not allowed to import parcours.application" in result.stdout


def test_a_circle_inside_a_room_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "parcours", tmp_path / "parcours")
    phases = tmp_path / "parcours" / "domain" / "phases.py"
    phases.write_text(phases.read_text() + "\nfrom parcours.domain import pilot  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "No cycles are allowed in parcours.domain" in result.stdout


def test_the_report_asking_the_service_breaks_the_contract(tmp_path: Path) -> None:
    """Issue 21: the report renders what it is given (`ReportData`); a type named from the
    service, even under TYPE_CHECKING, is refused."""
    shutil.copytree(ROOT / "src" / "parcours", tmp_path / "parcours")
    html = tmp_path / "parcours" / "report" / "html.py"
    html.write_text(
        html.read_text()
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from parcours.service.cohort import CohortQueries\n"
    )
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "The report renders what it is given (issue 21) BROKEN" in result.stdout
