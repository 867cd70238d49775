"""A project people can pick up (issue 20 item 8): its version from the package's metadata,
on the command line too, and one licence said the same way everywhere."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import metadata
from pathlib import Path

from typer.testing import CliRunner

import parcours
from parcours.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_is_the_distribution_s() -> None:
    assert parcours.__version__ == PYPROJECT["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", parcours.__version__)


def test_parcours_version_prints_it_and_exits() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"parcours {parcours.__version__}\n"


def test_the_licence_is_mit_in_the_file_pyproject_and_the_metadata() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2024-2026 Les auteurs de parcours" in text
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert "License :: OSI Approved :: MIT License" in PYPROJECT["project"]["classifiers"]
    installed = metadata("parcours")
    assert installed["License"] == "MIT"
