"""The demo cohort, played once for the report's tests (its report as of REPORT_DAY)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from parcours.demo import play


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    play(str(folder / "demo.db"), Console(quiet=True), str(folder / "report.html"))
    return folder
