"""Tests written for mutants `make mutate` found alive (tests/MUTATION.md): each names the
rule and the instant that tells the right code from the mutant."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from parcours import RuleViolation, load_programme
from parcours.domain import funding
from parcours.domain.deadlines import History, deadlines, next_instant, owed
from parcours.programme import FundingScheme

PARIS = ZoneInfo("Europe/Paris")
GRAND_EST = load_programme("grand-est-2024")
DIAGNOSTIC = [["charter_signed", date(2024, 9, 2)], ["diagnostic", date(2024, 9, 16)]]
FRAMING = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)]]
DEPLOYED = [*FRAMING, ["deployment", date(2025, 3, 3)]]


def paris(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def h(phases: list[list[object]], follow_ups: tuple[date, ...] = ()) -> History:
    return History(phase_history=phases, follow_ups=list(follow_ups), rex_dates=[])


def status(rule: str, history: History, now: datetime, programme=GRAND_EST) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.status for d in deadlines(programme, history, now) if d.rule == rule]


def test_a_reminder_falls_at_00_30_in_paris_while_utc_is_still_the_day_before() -> None:
    # 30 May 2025 00:30 in Paris is 29 May 22:30 UTC: the R4 reminder of 30 May is due.
    assert status("R4", h(DIAGNOSTIC), paris(date(2025, 5, 30), 0, 30)) == ["approaching"]


def test_next_instant_on_the_first_of_a_month_at_00_30_in_paris() -> None:
    # 1 March 2025 00:30 in Paris (28 February in UTC): the next month end is 31 March's.
    found = next_instant(GRAND_EST, h(FRAMING), paris(date(2025, 3, 1), 0, 30))
    assert found == paris(date(2025, 4, 1), 0, 0)


def test_a_phase_reached_is_met_from_the_first_instant_of_its_day() -> None:
    assert status("R3", h(FRAMING), paris(date(2024, 12, 12), 0, 0)) == ["met"]


def test_framing_of_the_experiment_s_last_fortnight_is_judged() -> None:
    judged = GRAND_EST.model_copy(
        update={
            "mise_en_oeuvre": GRAND_EST.mise_en_oeuvre.model_copy(
                update={"framing_judged_from": None}
            )
        }
    )
    late = h([*DIAGNOSTIC, ["framing", date(2026, 1, 17)]])  # 17-31 January: 15 days
    dues = [d.due for d in deadlines(judged, late, paris(date(2026, 2, 1))) if d.rule == "R5"]
    assert dues == [date(2026, 1, 31)]


def test_a_month_ending_on_the_release_of_the_reading_counts_its_framing() -> None:
    released = GRAND_EST.model_copy(
        update={
            "mise_en_oeuvre": GRAND_EST.mise_en_oeuvre.model_copy(
                update={"framing_judged_from": date(2025, 1, 31)}
            )
        }
    )
    dues = [
        d.due for d in deadlines(released, h(FRAMING), paris(date(2025, 2, 2))) if d.rule == "R5"
    ]
    # December (ended before the release) counts deployment only; February is in progress
    assert dues == [date(2025, 1, 31), date(2025, 2, 28)]


def test_the_observed_count_of_a_judged_month() -> None:
    history = h(DEPLOYED, (date(2025, 4, 10),))
    april = next(
        d
        for d in deadlines(GRAND_EST, history, paris(date(2025, 5, 2)))
        if d.rule == "R5" and d.due == date(2025, 4, 30)
    )
    assert april.observed == "1 follow-up meeting(s) in 2025-04 (30 day(s) of mise en œuvre)"


def test_a_year_with_no_rex_quota_is_not_judged() -> None:
    none_in_2024 = GRAND_EST.model_copy(
        update={"rex": GRAND_EST.rex.model_copy(update={"required": {2024: 0, 2025: 2}})}
    )
    years = [
        d.due.year
        for d in deadlines(none_in_2024, h(DIAGNOSTIC), paris(date(2025, 3, 1)))
        if d.rule == "R7"
    ]
    assert years == [2025]


@pytest.mark.parametrize(
    ("left", "owed_reminder"), [(date(2025, 11, 28), False), (date(2025, 12, 1), True)]
)
def test_a_reminder_is_owed_unless_the_pilot_left_before_its_day(
    left: date, owed_reminder: bool
) -> None:
    # R7's 30-day reminder of 2025 falls on Monday 1 December 2025; R2's on 2 December.
    gone = h([*DIAGNOSTIC, ["withdrawn", left]])
    keys = {f.key for f in owed(GRAND_EST, gone, paris(date(2026, 1, 5)))}
    assert ("approaching:R7:2025-12-31:30" in keys) is owed_reminder
    assert "approaching:R2:2026-01-31:60" not in keys  # left before 2 December either way


def test_nothing_is_recorded_for_r13_but_its_notice_even_after_its_day() -> None:
    keys = {f.key for f in owed(GRAND_EST, h(DIAGNOSTIC), paris(date(2026, 2, 2)))}
    assert "approaching:R13:2026-01-31:14" in keys
    assert not any(k.startswith(("met:R13", "missed:R13")) for k in keys)


def test_a_withdrawn_pilot_wakes_the_scheduler_only_for_the_retention_notice() -> None:
    gone = h([*DIAGNOSTIC, ["withdrawn", date(2024, 10, 15)]])
    assert next_instant(GRAND_EST, gone, paris(date(2024, 10, 20))) == paris(date(2026, 1, 16), 0)


def test_r2_is_met_on_the_day_evaluation_starts() -> None:
    evaluated = h([*DEPLOYED, ["evaluation", date(2025, 12, 10)]])
    assert status("R2", evaluated, paris(date(2025, 12, 10))) == ["met"]


def test_the_rate_s_ceiling_keeps_its_cents() -> None:
    scheme = FundingScheme(
        id="cents",
        title="t",
        max_amount_eur=50000,
        max_months=36,
        max_rate=0.6,
        max_rate_priority_district=0.8,
    )
    terms = {
        "on": date(2024, 4, 1),
        "months": 12,
        "rate": None,
        "priority_district": False,
        "already": 0.0,
    }
    # 60 % of 10,000.01 € is 6,000.006 €, i.e. 6,000.01 € to the cent
    funding.check_application(scheme, amount_eur=6000.01, eligible_cost_eur=10000.01, **terms)
    with pytest.raises(RuleViolation):
        funding.check_application(scheme, amount_eur=6000.02, eligible_cost_eur=10000.01, **terms)
    with pytest.raises(RuleViolation) as caught:
        funding.check_application(scheme, amount_eur=1, eligible_cost_eur=None, **terms)
    assert str(caught.value) == "R16 (eligible_cost_eur) : donnez le taux ou le coût éligible"


def test_r5_a_meeting_on_1_april_2025_meets_april_and_one_on_31_may_meets_may() -> None:
    history = h(DEPLOYED, (date(2025, 3, 20), date(2025, 4, 1), date(2025, 5, 31)))
    found = {
        d.due: (d.status, d.observed)
        for d in deadlines(GRAND_EST, history, paris(date(2025, 6, 10)))
        if d.rule == "R5"
    }
    assert found[date(2025, 4, 30)] == (
        "met",
        "1 follow-up meeting(s) in 2025-04 (30 day(s) of mise en œuvre)",
    )
    assert found[date(2025, 5, 31)][0] == "met"
