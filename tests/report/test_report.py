"""The programme officer's report: self-contained, and drawn by a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from parcours.demo import REPORT_DAY
from tests.support.browser import print_to_pdf

ARTEFACTS = Path(__file__).parent.parent.parent / "test-artefacts"
DEPLOYMENT_GREEN = (0x2F, 0xA3, 0x6B)


def test_the_report_is_self_contained(demo: Path) -> None:
    page = (demo / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r'(src|href)="https?:', page)
    assert page.count('<rect class="phase"') >= 30  # eight pilots' phases
    assert page.count("<title") >= 5  # the page's and each chart's
    assert page.count("<table") >= 5  # a table alternative for each chart, and the alerts
    assert "État au 31 décembre 2025" in page
    assert "Appui au déploiement" in page  # regional solutions, funding, blockers
    assert "REX collectif — bilan des diagnostics" in page  # who attended each session
    assert "diagnostic non terminé au 31 décembre 2024" in page  # the alerts speak French too


def test_the_report_speaks_english_on_request(demo: Path) -> None:
    from parcours import Parcours

    app = Parcours(f"sqlite:///{demo}/demo.db")
    page = app.report_html(today=REPORT_DAY, lang="en")
    assert "Cohort timeline" in page
    assert "As of 31 December 2025" in page
    assert "Open alerts" in page
    assert "Pilots present" in page
    assert 'lang="en"' in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_a_real_browser_draws_the_charts(demo: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium missing in CI: .ci/run should have installed it")
        pytest.skip("chromium not installed")
    from PIL import Image

    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    url = (demo / "report.html").as_uri()
    dom = subprocess.run(
        [*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    )
    assert "<svg" in dom.stdout
    assert "CONSOLE" not in dom.stderr, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "report.png"
    subprocess.run(
        [*flags, "--window-size=1280,4000", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    # The timeline comes after what to act on (due dates, alerts, overview): the whole page.
    timeline = image.crop((0, 0, 1280, 4000))
    colours = {colour: count for count, colour in timeline.getcolors(maxcolors=1 << 20) or []}
    green = colours.get(DEPLOYMENT_GREEN, 0)
    assert green > 2000, "the timeline's deployment bars were not drawn"  # a legend swatch: 200


def test_the_report_prints_on_a4(demo: Path, tmp_path: Path) -> None:
    """For the committees: every printed page is A4 (595 × 842 pt), not the browser's
    default US Letter, and the cohort fits a handful of pages."""
    pdf = print_to_pdf(demo / "report.html", tmp_path)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert 2 <= len(boxes) <= 10, len(boxes)
    for width, height in boxes:
        assert abs(float(width) - 595.28) < 1.5
        assert abs(float(height) - 841.89) < 1.5
