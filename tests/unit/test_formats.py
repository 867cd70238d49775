"""French first: dates and numbers as a French officer reads them, English on request."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from parcours import formats


def test_a_date_reads_in_french_by_default() -> None:
    assert formats.long_date(date(2024, 12, 31)) == "31 décembre 2024"
    assert formats.short_date(date(2025, 1, 6)) == "06/01/2025"


def test_a_date_reads_in_english_on_request() -> None:
    assert formats.long_date(date(2024, 12, 31), "en") == "31 December 2024"


def test_the_first_of_a_month_is_premier_in_french() -> None:
    assert formats.long_date(date(2026, 2, 1)) == "1er février 2026"
    assert formats.long_date(date(2026, 2, 1), "en") == "1 February 2026"
    moment = datetime(2025, 1, 1, 8, tzinfo=ZoneInfo("Europe/Paris"))
    assert formats.date_time(moment) == "1er janvier 2025 à 08:00"
    assert formats.date_time(moment, "en") == "1 January 2025 at 08:00"


def test_whole_amounts_in_a_sentence_drop_the_cents() -> None:
    assert formats.amount(50_000).replace("\u202f", " ").replace("\u00a0", " ") == "50 000 €"
    assert formats.amount(30_000.01, "en") == "€30,000.01"


def test_an_instant_reads_in_its_own_time_zone() -> None:
    moment = datetime(2024, 12, 31, 23, 59, tzinfo=ZoneInfo("Europe/Paris"))
    assert formats.date_time(moment) == "31 décembre 2024 à 23:59"


def test_days_and_money_use_the_decimal_comma_in_french() -> None:
    assert formats.days(1.5) == "1,5\u00a0j"
    assert formats.days(2) == "2\u00a0j"
    assert formats.days(1.5, "en") == "1.5\u00a0d"
    assert formats.euros(50_000).replace("\u202f", " ").replace("\u00a0", " ") == "50 000,00 €"
    assert formats.percent(0.8) == "80\u202f%"


@pytest.mark.parametrize(
    ("raw", "lang"),
    [(None, "fr"), ("", "fr"), ("en", "en"), ("EN_gb.UTF-8", "en"), ("fr-FR", "fr")],
)
def test_the_language_comes_from_the_argument_or_the_environment(
    raw: str | None, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    assert formats.language(raw) == lang


def test_an_unknown_language_is_refused_in_both_languages() -> None:
    with pytest.raises(ValueError, match="langue inconnue / unknown language"):
        formats.language("de")
