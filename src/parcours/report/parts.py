"""The pieces every section of the report is built from: the page's words and formats, the
accessible table, the scalable chart, and the localised values (dates, months, numbers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from babel.dates import format_date

from parcours import formats
from parcours.formats import Lang
from parcours.report.labels import words

NAME_WIDTH = 300  # the pilots' names, left of every chart (in viewBox units)
ROW = 26
_LOCALE = {"fr": "fr_FR", "en": "en_GB"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Page:
    """The language of the page, its words and its ways of writing values."""

    lang: Lang
    w: dict[str, str]

    @classmethod
    def of(cls, lang: str) -> Page:
        table = words(lang)  # refuses a language it has no words for
        return cls("en" if lang == "en" else "fr", table)

    def t(self, key: str, **params: object) -> str:
        """The text of `key`, its `{params}` filled in (values already formatted)."""
        text = self.w.get(key, key)
        return text.format(**params) if params else text

    def day(self, value: date | str) -> str:
        """'31 décembre 2024'."""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return formats.long_date(day, self.lang)

    def month(self, value: date | str) -> str:
        """'octobre 2024' from a date or '2024-10'."""
        first = date.fromisoformat(value + "-01") if isinstance(value, str) else value
        return str(format_date(first, "LLLL y", locale=_LOCALE[self.lang]))

    def months(self, values: list[str]) -> str:
        """'octobre, novembre, décembre 2024, janvier 2025': each year said once."""
        by_year: dict[str, list[str]] = {}
        for value in sorted(set(values)):
            first = date.fromisoformat(value + "-01")
            name = str(format_date(first, "LLLL", locale=_LOCALE[self.lang]))
            by_year.setdefault(str(first.year), []).append(name)
        return ", ".join(f"{', '.join(names)} {year}" for year, names in by_year.items())

    def short_month(self, value: date) -> str:
        """'oct. 24' — a chart's axis."""
        return str(format_date(value, "LLL yy", locale=_LOCALE[self.lang]))

    def number(self, value: float | int) -> str:
        return formats.number(value, self.lang)

    def days(self, value: float | int) -> str:
        """'1,5 j'."""
        return formats.days(value, self.lang)

    def euros(self, value: float) -> str:
        return formats.euros(value, self.lang)

    def percent(self, value: float) -> str:
        return formats.percent(value, self.lang)

    def period(self, period: str) -> str:
        """A budget period (R6): 'diagnostic', 'cadrage', 'mars 2025'."""
        if _ISO_MONTH.match(period):
            return self.month(period)
        return self.w.get(period, period)

    def in_days(self, count: int) -> str:
        """'aujourd'hui', 'demain', 'dans 12 jours'."""
        if count == 0:
            return self.w["today"]
        if count == 1:
            return self.w["tomorrow"]
        return self.t("in_days", days=self.number(count))

    def value(self, name: str, raw: str) -> str:
        """An alert's parameter, as a reader reads it: dates and months in words, numbers
        with the language's decimal mark, phases and kinds by their label."""
        if name == "year":
            return raw
        if name in ("phase", "kind", "organisation"):
            return self.w.get(f"{name}_{raw}", self.w.get(raw, raw))
        if _ISO_DAY.match(raw):
            return self.day(raw)
        if _ISO_MONTH.match(raw):
            return self.month(raw)
        if _NUMBER.match(raw):
            return self.number(float(raw))
        return raw


def table(header: list[str], lines: list[list[Any]], caption: str = "", classes: str = "") -> str:
    """A table whose first column names the row (`<th scope="row">`), every header scoped.
    A cell given as a (text, class) pair is drawn with that class."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(_cell(n, c) for n, c in enumerate(line)) + "</tr>" for line in lines
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    cls = f' class="{classes}"' if classes else ""
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(n: int, value: Any) -> str:
    text, cls = value if isinstance(value, tuple) else (value, "")
    attr = f' class="{cls}"' if cls else ""
    if n == 0:
        return f'<th scope="row"{attr}>{escape(str(text))}</th>'
    return f"<td{attr}>{escape(str(text))}</td>"


def section(key: str, body: str, page: Page) -> str:
    return (
        f'<section aria-labelledby="{key}"><h2 id="{key}">{escape(page.w[key])}</h2>'
        f"{body}</section>"
    )


def figure(key: str, svg: str, legend: str, table_html: str, page: Page) -> str:
    """A chart: its SVG (titled, described), its legend in words, its table alternative."""
    return section(
        key,
        f"<figure>{svg}{legend}<figcaption>{escape(page.w[key + '_desc'])}</figcaption>"
        f"</figure><details><summary>{escape(page.w['table'])}</summary>{table_html}</details>",
        page,
    )


def svg(key: str, width: int, height: int, body: str, page: Page) -> str:
    """A chart that scales with the page: a viewBox, no fixed size (CSS `.chart`), never
    drawn larger than its natural width."""
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{key}-t {key}-d" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" style="max-width:{width}px">'
        f'<title id="{key}-t">{escape(page.w[key])}</title>'
        f'<desc id="{key}-d">{escape(page.w[key + "_desc"])}</desc>{body}</svg>'
    )


def legend(items: list[tuple[str, str]]) -> str:
    """A legend that says each meaning in words: (swatch style, text) pairs."""
    spans = "".join(
        f'<li><span class="swatch" style="{style}" aria-hidden="true"></span>{escape(text)}</li>'
        for style, text in items
    )
    return f'<ul class="legend">{spans}</ul>'


def name_label(y: float, name: str, limit: int = 40) -> str:
    short = name if len(name) <= limit else name[: limit - 1] + "…"
    return f'<text x="4" y="{y + 17}" font-size="12">{escape(short)}</text>'
