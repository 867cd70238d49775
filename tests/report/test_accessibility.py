"""The report meets WCAG 2.1 AA as axe-core judges it in a real browser, and its HTML says
its structure (one h1, headings in order, scoped table headers, named charts)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from tests.support.browser import axe_violations

LOW_CONTRAST = '<p id="pale" style="color:#b0b0b0;background:#ffffff">texte peu lisible</p>'


def _summary(violations: list[dict[str, object]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['nodes']}" for v in violations)


def test_axe_finds_no_wcag_21_aa_violation_in_the_demo_report(demo: Path, tmp_path: Path) -> None:
    page = (demo / "report.html").read_text(encoding="utf-8")
    violations = axe_violations(page, tmp_path)
    assert violations == [], _summary(violations)


def test_axe_does_report_a_violation_when_there_is_one(demo: Path, tmp_path: Path) -> None:
    """The check above can fail: the same page with one pale paragraph (2.1:1) is refused."""
    page = (demo / "report.html").read_text(encoding="utf-8")
    violations = axe_violations(page.replace("<main>", "<main>" + LOW_CONTRAST), tmp_path)
    found = {v["id"]: v for v in violations}
    assert set(found) == {"color-contrast"}, _summary(violations)
    targets = [n["target"] for n in found["color-contrast"]["nodes"]]
    assert targets == ["#pale"]


def test_the_report_says_its_structure(demo: Path) -> None:
    page = (demo / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", page)]
    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert re.findall(r"<th(?=[\s>])(?![^>]*scope=)[^>]*>", page) == []
    assert page.count("<table") == page.count("<caption>") > 5
    for svg in re.findall(r"<svg [^>]*>", page):
        assert 'role="img"' in svg
        for ident in re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split():  # type: ignore[union-attr]
            assert f'id="{ident}"' in page
