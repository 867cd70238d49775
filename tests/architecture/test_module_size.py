"""Rooms a newcomer can live in (issue 21): no module of the package over 400 lines."""

from __future__ import annotations

from pathlib import Path

import parcours

LIMIT = 400


def test_no_module_is_over_400_lines() -> None:
    root = Path(parcours.__file__).parent
    sizes = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in root.rglob("*.py")
    }
    assert sizes  # the package was found
    over = {name: lines for name, lines in sizes.items() if lines > LIMIT}
    assert not over, f"split these by concern: {over}"
