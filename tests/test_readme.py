"""The README is executable: its library quick start runs, and its phase diagram is current."""

from __future__ import annotations

import re
from pathlib import Path

from parcours.domain.phases import mermaid

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _block(language: str, after: str) -> str:
    section = README[README.index(after) :]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def test_readme_opens_with_the_two_commands() -> None:
    quick = _block("sh", "## Quick start")
    assert "make demo" in quick
    assert "make test" in quick


def test_readme_library_quick_start_runs(tmp_path: Path, monkeypatch: object) -> None:
    import os

    os.chdir(tmp_path)
    code = _block("python", "## As a library")
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "parcours.db").exists()


def test_readme_phase_diagram_is_drawn_from_the_table() -> None:
    assert _block("mermaid", "## The phases").strip() == mermaid().strip()
