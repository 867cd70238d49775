"""A real browser for the report's tests: headless Chromium, and axe-core run inside it.

axe-core (4.x) comes from the `axe-playwright-python` wheel of the dev extras, which ships
`axe.min.js`; Playwright itself is not used (no browser download). The page is copied with
axe and a small runner appended; `chromium --headless --dump-dom` loads it, the virtual-time
budget lets `axe.run()` settle, and the runner writes the violations as JSON into the DOM,
which the test reads back from the dumped DOM.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

# WCAG 2.1 levels A and AA (axe's tags), nothing beyond.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_RUNNER = """<script>
document.querySelectorAll("details").forEach(function (d) { d.open = true; });
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(function (result) { report(result.violations.map(function (v) {
      return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) {
        return {target: n.target.join(" "), summary: n.failureSummary}; })}; })); })
  .catch(function (error) { report({error: String(error)}); });
function report(value) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(value);
  document.body.appendChild(out);
}
</script>"""
_RESULT = re.compile(r'<pre id="axe-result">(.*?)</pre>', re.S)


def chromium() -> str:
    """The browser, or a skip (a failure on CI, where .ci/run installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium missing in CI: .ci/run should have installed it")
        pytest.skip("chromium not installed")
    return found


def flags(browser: str, profile: Path) -> list[str]:
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]


def axe_source() -> str:
    try:
        script = resources.files("axe_playwright_python") / "axe.min.js"
    except ModuleNotFoundError:
        if os.environ.get("CI") == "true":
            pytest.fail("axe-playwright-python missing: it is in the dev extras")
        pytest.skip("axe-playwright-python not installed (pip install -e '.[dev]')")
    return script.read_text(encoding="utf-8")


def axe_violations(page: str, folder: Path) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds in `page` (an HTML document), drawn by
    headless Chromium with every <details> opened (the tables behind the charts count)."""
    browser = chromium()
    source = axe_source()
    assert "</body>" in page
    runner = _RUNNER % json.dumps(WCAG_21_AA)
    copy = folder / "axe-page.html"
    copy.write_text(
        page.replace("</body>", f"<script>{source}</script>{runner}</body>"), encoding="utf-8"
    )
    dom = subprocess.run(
        [
            *flags(browser, folder / "axe-profile"),
            "--virtual-time-budget=30000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    found = _RESULT.search(dom.stdout)
    assert found, f"axe wrote no result: {dom.stderr[-2000:]}"
    result = json.loads(html.unescape(found.group(1)))
    assert isinstance(result, list), result  # {"error": …} when axe itself failed
    return result


def print_to_pdf(page: Path, folder: Path) -> bytes:
    """`page` printed by headless Chromium, as its print dialog would (the page's own
    `@page` size; Chromium's default paper is US Letter)."""
    pdf = folder / "printed.pdf"
    subprocess.run(
        [
            *flags(chromium(), folder / "print-profile"),
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return pdf.read_bytes()
