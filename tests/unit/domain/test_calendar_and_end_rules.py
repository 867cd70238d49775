"""The calendar arithmetic the corrected rules share, and R2's refusals word for word (issue
22: tests that would catch a wrong rule)."""

from __future__ import annotations

from datetime import date

import pytest

from parcours import RuleViolation
from parcours.domain import calendar_rules as cal
from parcours.domain import experiment

HISTORY = [
    ["charter_signed", date(2024, 9, 2)],
    ["diagnostic", "2024-09-16"],  # the read model's ISO text reads the same
    ["framing", date(2024, 12, 12)],
    ["deployment", date(2025, 3, 3)],
    ["evaluation", date(2025, 11, 3)],
]


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (date(2024, 9, 1), None),
        (date(2024, 9, 2), "charter_signed"),
        (date(2024, 9, 15), "charter_signed"),
        (date(2024, 9, 16), "diagnostic"),
        (date(2024, 12, 11), "diagnostic"),
        (date(2024, 12, 12), "framing"),
        (date(2025, 3, 2), "framing"),
        (date(2025, 3, 3), "deployment"),
        (date(2025, 11, 3), "evaluation"),
    ],
)
def test_a_day_belongs_to_the_phase_entered_on_or_before_it(day: date, phase: str | None) -> None:
    assert cal.phase_on(HISTORY, day) == phase


def test_entered_and_left() -> None:
    assert cal.entered(HISTORY, "diagnostic") == date(2024, 9, 16)
    assert cal.entered(HISTORY, "closed") is None
    assert cal.left_mise_en_oeuvre(HISTORY) == date(2025, 11, 3)
    assert cal.left_mise_en_oeuvre(HISTORY[:2]) is None  # never framed
    assert cal.left_mise_en_oeuvre(HISTORY[:4]) is None  # still in deployment
    withdrawn = [*HISTORY[:3], ["withdrawn", date(2025, 1, 5)]]
    assert cal.left_mise_en_oeuvre(withdrawn) == date(2025, 1, 5)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2025, 3, 3), 3, date(2025, 6, 3)),
        (date(2025, 10, 15), 3, date(2026, 1, 15)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 1, 31), 12, date(2026, 1, 31)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_s_last(
    day: date, count: int, expected: date
) -> None:
    assert cal.add_months(day, count) == expected


def test_months_and_overlap() -> None:
    assert list(cal.months(date(2024, 12, 12), date(2025, 2, 1))) == [
        (date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
    ]
    april = (date(2025, 4, 1), date(2025, 4, 30))
    assert cal.overlap(*april, date(2025, 4, 16), None) == 15
    assert cal.overlap(*april, None, date(2025, 4, 16)) == 15  # the stop day is not covered
    assert cal.overlap(*april, date(2025, 4, 10), date(2025, 4, 11)) == 1
    assert cal.overlap(*april, date(2025, 5, 1), None) == 0
    assert cal.overlap(*april, None, None) == 30
    assert cal.last_day_of_month(date(2024, 2, 10)) == date(2024, 2, 29)


def test_r2_refusals_say_what_remains_after_the_end() -> None:
    ends = date(2026, 1, 31)
    with pytest.raises(RuleViolation) as caught:
        experiment.refuse_after_the_end("log_time", date(2026, 2, 1), ends)
    assert (caught.value.rule, caught.value.field) == ("R2", "on")
    assert str(caught.value) == (
        "R2 (on) : le 1er février 2026 est après la fin de l'expérimentation (31 janvier 2026) : "
        "après elle, seuls l'évaluation, la clôture, les demandes d'exercice des droits et la "
        "purge sont enregistrés"
    )
    assert caught.value.render("en") == (
        "R2 (on): 1 February 2026 is after the end of the experiment (31 January 2026): only "
        "evaluation, closing, rights requests and the purge are recorded after it"
    )
    with pytest.raises(RuleViolation) as caught:
        experiment.refuse_after_the_end("enroll", date(2026, 2, 1), ends)
    assert caught.value.field == "charter_signed_on"
    assert str(caught.value) == (
        "R2 (charter_signed_on) : l'expérimentation a pris fin le 31 janvier 2026 : plus aucun "
        "pilote ne s'inscrit"
    )
    with pytest.raises(RuleViolation) as caught:
        experiment.refuse_once_ended("raise_alert", ends, "framing")
    assert caught.value.field is None
    assert caught.value.render("en") == (
        "R2: the experiment ended on 31 January 2026 with this pilot in phase 'framing': only "
        "evaluation, closing, rights requests and the purge are recorded after it"
    )
    assert str(caught.value).startswith(
        "R2 : l'expérimentation a pris fin le 31 janvier 2026 avec ce pilote en phase « cadrage »"
    )
    experiment.refuse_after_the_end("log_time", date(2030, 1, 1), None)  # a programme with no end
    experiment.refuse_once_ended("raise_alert", None, "framing")  # no fact recorded
    assert {
        "start_evaluation",
        "record_evaluation",
        "close",
        "rectify_contact",
        "record_objection",
        "erase_person",
        "purge",
        "evaluate_deadlines",
    } == experiment.AFTER_THE_END
