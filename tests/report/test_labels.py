"""Every text of the report lives in report/labels.py, in French and in English."""

from __future__ import annotations

import string

from parcours import cohort
from parcours.report.labels import LABELS


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_french_and_english_say_the_same_things() -> None:
    assert set(LABELS["fr"]) == set(LABELS["en"])
    for key, french in LABELS["fr"].items():
        assert french.strip(), key
        assert _fields(french) == _fields(LABELS["en"][key]), key


def test_every_alert_of_the_rules_has_its_sentence_in_both_languages() -> None:
    """Otherwise a French report would fall back to the rules' English message."""
    for key, sentence in cohort.SENTENCES.items():
        for lang in ("fr", "en"):
            assert key in LABELS[lang], (lang, key)
            assert _fields(LABELS[lang][key]) == _fields(sentence), (lang, key)
