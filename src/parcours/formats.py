"""Dates, numbers and day counts as a French (or English) reader expects them.

The officers read French: "31 décembre 2024", "1,5 j", "12 500,00 €". English is there on
request (`PARCOURS_LANG=en`, `--lang en`). Every text a user reads formats its values here,
through `babel`, so that the CLI, the report and the exports agree. Nothing here reads the
environment except `language()`, and only when it is asked.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT: Lang = "fr"
# babel's locales for our two languages: France's French, and British English (day before
# month, which an English-reading officer of a French region expects more than US dates).
_LOCALE: dict[Lang, str] = {"fr": "fr_FR", "en": "en_GB"}


def language(value: str | None = None) -> Lang:
    """`value` if given, else `PARCOURS_LANG`, else French; "fr_FR.UTF-8" counts as "fr"."""
    raw = value if value is not None else os.environ.get("PARCOURS_LANG", "")
    short = raw.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    if not short:
        return DEFAULT
    if short not in LANGUAGES:
        # The message is bilingual on purpose: the language is what failed to be chosen.
        raise ValueError(f"langue inconnue / unknown language {raw!r} : {', '.join(LANGUAGES)}")
    return "en" if short == "en" else "fr"


def long_date(day: date, lang: Lang = DEFAULT) -> str:
    """'31 décembre 2024' / '31 December 2024'; the first of a month is '1er' in French."""
    if lang == "fr" and day.day == 1:
        return str(_babel_date(day, format="d'er' MMMM y", locale=_LOCALE[lang]))
    return str(_babel_date(day, format="long", locale=_LOCALE[lang]))


def short_date(day: date, lang: Lang = DEFAULT) -> str:
    """'31/12/2024' — for tables, where a long date takes too much room."""
    return str(_babel_date(day, format="dd/MM/yyyy", locale=_LOCALE[lang]))


def date_time(moment: datetime, lang: Lang = DEFAULT) -> str:
    """'31 décembre 2024 à 23:59' in the moment's own time zone."""
    pattern = "d MMMM y 'à' HH:mm" if lang == "fr" else "d MMMM y 'at' HH:mm"
    if lang == "fr" and moment.day == 1:
        pattern = "d'er' MMMM y 'à' HH:mm"
    return str(_babel_datetime(moment, format=pattern, locale=_LOCALE[lang], tzinfo=moment.tzinfo))


def number(value: float | int | Decimal, lang: Lang = DEFAULT, digits: int = 2) -> str:
    """'1,5' / '12 500' / '1.5' — at most `digits` decimals, none written when zero."""
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return str(format_decimal(value, format=pattern, locale=_LOCALE[lang]))


def days(value: float | int | Decimal, lang: Lang = DEFAULT) -> str:
    """'1,5 j' / '1.5 d' — a time budget (R6) in days."""
    return f"{number(value, lang)}\u00a0{'j' if lang == 'fr' else 'd'}"


def percent(value: float, lang: Lang = DEFAULT) -> str:
    """'80 %' / '80%' — a ratio 0.8 as a percentage."""
    text = number(value * 100, lang, digits=1)
    return f"{text}\u202f%" if lang == "fr" else f"{text}%"


def euros(value: float | int | Decimal, lang: Lang = DEFAULT) -> str:
    """'12 500,00 €' / '€12,500.00' (R16)."""
    return str(format_currency(value, "EUR", locale=_LOCALE[lang]))


def amount(value: float | int | Decimal, lang: Lang = DEFAULT) -> str:
    """'50 000 €' for a whole amount, '30 000,01 €' otherwise: a figure in a sentence, where
    ',00' is noise (R16's refusals)."""
    if float(value).is_integer():
        pattern = Locale.parse(_LOCALE[lang]).currency_formats["standard"].pattern
        whole = pattern.replace("0.00", "0")
        return str(
            format_currency(value, "EUR", format=whole, locale=_LOCALE[lang], currency_digits=False)
        )
    return euros(value, lang)
