"""Issue 20, item 3: a report to act on. Due dates first, alerts grouped per pilot and rule,
R6 month by month (over is never green), French values, a page for A4 paper."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from parcours import Parcours
from tests.support.scenarios import LEAD, REFERENT, REFERENT_ID, enrolled, in_deployment, staffed

PARIS = ZoneInfo("Europe/Paris")
A = "Communauté de Communes Ardenne Rives de Meuse"  # in deployment from 3 March 2025
B = "Communauté d'Agglomération Ardenne Métropole"  # sorts before A; stays in diagnostic


def _app(day: date) -> Parcours:
    return staffed(Parcours(clock=lambda: datetime.combine(day, time(12), PARIS)))


def _in_diagnostic(app: Parcours, name: str) -> None:
    pilot = enrolled(app, name)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)


@pytest.fixture(scope="module")
def july() -> str:
    """15 July 2025: A has had no follow-up meeting since its deployment began (R5 short in
    March, April, May and June), logged 2.2 days in April (10 % over, inside the 25 %
    tolerance of the alerts) and 3 days in May; B never finished its diagnostic (R3)."""
    app = _app(date(2025, 7, 15))
    pilot, _ = in_deployment(app)
    for on, days in ((date(2024, 10, 8), 1.5), (date(2025, 4, 10), 2.2), (date(2025, 5, 12), 3)):
        app.log_time(pilot, days=days, on=on, actor=REFERENT_ID)
    _in_diagnostic(app, B)
    return app.report_html(today=date(2025, 7, 15))


class _Text(HTMLParser):
    """The text a reader sees (tooltips of the charts included), without the stylesheet;
    the headings with their level, the tables' rows as lists of cells."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.rows: list[list[str]] = []
        self.cell_classes: list[list[str]] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack.append(tag)
        if tag == "tr":
            self.rows.append([])
            self.cell_classes.append([])
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
            self.cell_classes[-1].append(dict(attrs).get("class") or "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), ""))

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if "style" in self._stack:
            return
        self.text.append(data)
        if self._stack and self._stack[-1] in ("td", "th") and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data
        if self._stack and re.fullmatch(r"h[1-6]", self._stack[-1]):
            level, words = self.headings[-1]
            self.headings[-1] = (level, words + data)


def _read(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def _section(page: str, heading: str) -> str:
    start = page.index(f">{heading}</h2>")
    end = page.find("<h2", start)
    return page[start : end if end != -1 else len(page)]


def test_what_to_act_on_comes_first(july: str) -> None:
    headings = [words for level, words in _read(july).headings if level == 2]
    expected = [
        "À échéance dans les 30 prochains jours",
        "Alertes ouvertes",
        "Vue d'ensemble de la cohorte",
        "Calendrier de la cohorte",
        "Temps du référent opérationnel (R6)",
        "Participation aux retours d'expérience (R7)",
        "Réunions de suivi par mois de mise en œuvre (R5)",
    ]
    assert headings[: len(expected)] == expected


def test_a_pilot_months_short_of_r5_is_one_row_naming_the_months(july: str) -> None:
    rows = _read(_section(july, "Alertes ouvertes")).rows
    r5 = [r for r in rows if r[:2] == [A, "R5"]]
    assert len(r5) == 1, rows
    assert "aucune réunion de suivi en mars, avril, mai, juin 2025" in r5[0][3]
    assert "✖ manquement" in r5[0][2]
    # One row per pilot and rule, whatever the rule.
    pairs = [(r[0], r[1]) for r in rows[1:]]
    assert len(pairs) == len(set(pairs)) > 1
    # The most serious first: B's missed diagnostic (R3) and A's R5 before any vigilance.
    severities = [r[2] for r in rows[1:]]
    assert severities.index("✖ manquement") < severities.index("⚠ vigilance")


def test_r6_shows_each_month_and_over_its_estimate_is_never_green(july: str) -> None:
    part = _section(july, "Temps du référent opérationnel (R6)")
    text = _read(part)
    lines = {(r[0], r[1]): r for r in text.rows}
    april, may = lines[(A, "avril 2025")], lines[(A, "mai 2025")]
    # 2.2 days for 2: within the alerts' 25 % tolerance, still shown over, not "dans le budget".
    assert april[2:] == ["2\u00a0j", "2,2\u00a0j", "+0,2\u00a0j (+10\u202f%)", "⚠ dépassement"]
    assert may[5] == "⚠ dépassement"
    assert lines[(A, "juin 2025")][5] == "▽ en dessous du temps estimé"  # nothing logged
    assert lines[(A, "juillet 2025")][5] == "… période en cours, dans le budget"
    assert lines[(A, "diagnostic")][5] == "✓ dans le budget"  # 1.5 days for 2, within 25 %
    classes = {(r[0], r[1]): c for r, c in zip(text.rows, text.cell_classes, strict=True)}
    assert classes[(A, "avril 2025")][5] == "v-over"
    # In the chart: April's cell is drawn over (red, with ⚠), not in the green of "ok".
    cell = re.search(
        r'<g class="budget-cell (\S+)"><title>avril 2025 : [^<]*</title>(.*?)</g>', part
    )
    assert cell, part[:500]
    assert cell.group(1) == "over"
    assert "#1e7a4c" not in cell.group(2)
    assert "⚠" in cell.group(2)
    # Months never net out: each deployment month up to July has its own line.
    months = [r[1] for r in text.rows if r and r[0] == A]
    assert months == [
        "diagnostic",
        "cadrage",
        "mars 2025",
        "avril 2025",
        "mai 2025",
        "juin 2025",
        "juillet 2025",
    ]


def test_the_alerts_name_the_months_over_budget_in_french(july: str) -> None:
    rows = _read(_section(july, "Alertes ouvertes")).rows
    (r6,) = [r for r in rows if r[:2] == [A, "R6"]]
    # Over and under, one row: April (10 % over) raises no alert, as the tolerance says.
    assert r6[3] == (
        "au-dessus du temps estimé : mai 2025 (3\u00a0j saisis pour 2\u00a0j estimés) ; "
        "en dessous du temps estimé : mars 2025 (0\u00a0j saisis pour 1,87\u00a0j estimés), "
        "juin 2025 (0\u00a0j saisis pour 2\u00a0j estimés)"
    )


def test_no_iso_date_nor_decimal_point_in_what_a_reader_sees(july: str, demo: Path) -> None:
    demo_seen = " ".join(_read((demo / "report.html").read_text(encoding="utf-8")).text)
    assert not re.search(r"\b\d{4}-\d{2}\b|\d\.\d", demo_seen)
    seen = " ".join(_read(july).text)
    assert not re.search(r"\b\d{4}-\d{2}\b", seen), re.findall(r".{30}\d{4}-\d{2}.{20}", seen)
    assert not re.search(r"\d\.\d", seen), re.findall(r".{30}\d\.\d.{20}", seen)
    assert "15 juillet 2025" in seen
    assert "31 décembre 2024" in seen


def test_due_dates_of_the_next_30_days_soonest_first() -> None:
    """31 May 2025: A owes a follow-up meeting in May today (R5); B must start framing by
    30 June (R4, in 30 days). B sorts first by name, A first by date."""
    app = _app(date(2025, 5, 31))
    in_deployment(app)
    _in_diagnostic(app, B)
    page = app.report_html(today=date(2025, 5, 31))
    rows = _read(_section(page, "À échéance dans les 30 prochains jours")).rows
    assert rows[1:] == [
        ["31 mai 2025", "aujourd'hui", A, "R5", "au moins 1 réunion(s) de suivi en mai 2025"],
        ["30 juin 2025", "dans 30 jours", B, "R4", "mise en œuvre (cadrage) démarrée"],
    ]


def test_charts_scale_with_the_page_and_print_on_a4(july: str) -> None:
    assert 'width="1000"' not in july
    charts = re.findall(r"<svg [^>]*>", july)
    assert len(charts) == 4
    for svg in charts:
        assert 'class="chart"' in svg
        assert "viewBox=" in svg
        assert 'role="img"' in svg
        assert not re.search(r'\swidth="', svg)
    assert "svg.chart{display:block;width:100%;height:auto;max-width:100%}" in july
    style = july[july.index("<style>") : july.index("</style>")]
    assert "@page{size:A4" in style
    printed = style[style.index("@media print{") :]
    assert "tr,th,td" in printed
    assert "break-inside:avoid" in printed
    assert "svg.chart{width:100%!important;max-width:100%!important" in printed


def test_the_english_report_keeps_the_same_order_and_formats() -> None:
    app = _app(date(2025, 5, 31))
    in_deployment(app)
    page = app.report_html(today=date(2025, 5, 31), lang="en")
    headings = [w for level, w in _read(page).headings if level == 2]
    assert headings[:3] == ["Due in the next 30 days", "Open alerts", "Cohort overview"]
    assert "31 May 2025" in page


def test_an_unreported_indicator_is_named_by_its_label(july: str) -> None:
    rows = _read(_section(july, "Alertes ouvertes")).rows
    (r8,) = [r for r in rows if r[:2] == [A, "R8"]]
    assert r8[3] == (
        "indicateur « People helped » de Guichet numérique itinérant non remonté au "
        "3 juin 2025 (tous les 3 mois en déploiement)"
    )
