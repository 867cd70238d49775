"""Every text of the report is a key of the one catalogue (`report.<key>`), in French and in
English, as the shell's are."""

from __future__ import annotations

import string

from parcours.catalogue import keys
from parcours.domain import standing
from parcours.report.labels import KEYS, words

LABELS = {"fr": words("fr"), "en": words("en")}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_french_and_english_say_the_same_things() -> None:
    assert set(LABELS["fr"]) == set(LABELS["en"])
    for key, french in LABELS["fr"].items():
        assert french.strip(), key
        assert _fields(french) == _fields(LABELS["en"][key]), key


def test_every_alert_of_the_rules_has_its_sentence_in_both_languages() -> None:
    """Otherwise a French report would fall back to the rules' English message."""
    for key, sentence in standing.SENTENCES.items():
        for lang in ("fr", "en"):
            assert key in LABELS[lang], (lang, key)
            assert _fields(LABELS[lang][key]) == _fields(sentence), (lang, key)


def test_the_reports_words_come_from_the_shared_catalogue() -> None:
    """Issue 20: one catalogue for the shell and the report; a key missing in a language
    would show as the key itself."""
    for lang in ("fr", "en"):
        missing = [key for key in KEYS if f"report.{key}" not in keys(lang)]
        assert not missing, (lang, missing)
    assert words("fr")["title"] == "Parcours — rapport de la cohorte"
    assert words("en")["title"] != words("fr")["title"]
