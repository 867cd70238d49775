"""When the scheduler must look at a pilot again, and the words of the facts it records
(issue 22: `next_instant` was reached by no unit test; observed texts were never asserted)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from parcours import load_programme
from parcours.domain.deadlines import History, deadlines, next_instant, owed

PARIS = ZoneInfo("Europe/Paris")
GRAND_EST = load_programme("grand-est-2024")
# Grand Est's calendar with retention until 31 March 2026: R2's end and R13's end differ.
LATE = GRAND_EST.model_copy(
    update={"retention": GRAND_EST.retention.model_copy(update={"until": date(2026, 3, 31)})}
)
SIGNED = [["charter_signed", date(2024, 9, 2)]]
DIAGNOSTIC = [*SIGNED, ["diagnostic", date(2024, 9, 16)]]
FRAMING = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)]]
DEPLOYED = [*FRAMING, ["deployment", date(2025, 3, 3)]]
EVALUATION = [*DEPLOYED, ["evaluation", date(2025, 11, 3)]]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), PARIS)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), PARIS)


def h(phases: list[list[object]], rex: tuple[date, ...] = ()) -> History:
    return History(phase_history=phases, follow_ups=[], rex_dates=list(rex))


def test_in_diagnostic_the_next_instant_is_the_first_reminder_before_31_december() -> None:
    # 1 December 2024 is a Sunday: the 30-day reminders of R3 and R7 move to Friday 29 Nov.
    assert next_instant(GRAND_EST, h(DIAGNOSTIC), noon(date(2024, 10, 1))) == midnight(
        date(2024, 11, 29)
    )


def test_at_the_very_instant_of_a_reminder_the_next_one_is_after_it() -> None:
    assert next_instant(GRAND_EST, h(DIAGNOSTIC), midnight(date(2024, 11, 29))) == midnight(
        date(2024, 12, 24)
    )


def test_a_pilot_in_framing_is_looked_at_again_at_the_end_of_the_month() -> None:
    assert next_instant(GRAND_EST, h(FRAMING), noon(date(2025, 1, 5))) == midnight(date(2025, 2, 1))


def test_a_pilot_in_evaluation_waits_for_its_next_dated_rule_not_the_month_end() -> None:
    two_rex = (date(2025, 3, 13), date(2025, 10, 9))
    found = next_instant(GRAND_EST, h(EVALUATION, two_rex), noon(date(2025, 11, 10)))
    assert found == midnight(date(2025, 12, 2))  # R2's announcement, 60 days before


def test_the_end_of_the_experiment_wakes_the_scheduler_for_an_open_pilot_only() -> None:
    open_ = next_instant(LATE, h(EVALUATION), noon(date(2026, 1, 20)))
    assert open_ == midnight(date(2026, 2, 1))  # ExperimentEnded is owed then
    closed = h([*EVALUATION, ["closed", date(2025, 12, 15)]])
    assert next_instant(LATE, closed, noon(date(2026, 1, 20))) == midnight(date(2026, 3, 17))
    after_the_end = next_instant(LATE, h(EVALUATION), noon(date(2026, 2, 2)))
    assert after_the_end == midnight(date(2026, 3, 17))  # R13's notice (31 March - 14 days)


def test_nothing_is_left_to_wake_for_after_the_purge() -> None:
    purged = h([*DIAGNOSTIC, ["purged", date(2026, 2, 1)]])
    assert next_instant(GRAND_EST, purged, noon(date(2026, 3, 1))) is None


def test_the_facts_say_what_was_observed() -> None:
    now = noon(date(2025, 8, 1))
    facts = {f.key: f for f in owed(GRAND_EST, h(DIAGNOSTIC), now)}
    assert facts["missed:R3:2024-12-31"].observed == "not done by 2024-12-31"
    assert facts["missed:R4:2025-06-30"].observed == "not done by 2025-06-30"
    assert facts["missed:R7:2024-12-31"].observed == "0 of 1 REX session(s) in 2024"
    deployed = {f.key: f for f in owed(GRAND_EST, h(DEPLOYED), now)}
    assert deployed["missed:R5:2025-03-31"].observed == (
        "0 follow-up meeting(s) in 2025-03 (29 day(s) of mise en œuvre)"
    )
    found = {d.rule: d for d in deadlines(GRAND_EST, h(FRAMING), now)}
    assert found["R3"].observed == ""
    assert found["R4"].observed == ""
    withdrawn = h([*DIAGNOSTIC, ["withdrawn", date(2024, 12, 20)]])
    r3 = next(d for d in deadlines(GRAND_EST, withdrawn, now) if d.rule == "R3")
    assert (r3.status, r3.ended_on) == ("void", date(2024, 12, 20))


def test_r7_counts_the_sessions_held_by_the_day_asked() -> None:
    rex = (date(2025, 3, 13), date(2025, 10, 9))
    [_, r2025] = [
        d
        for d in deadlines(GRAND_EST, h(DIAGNOSTIC, rex), noon(date(2025, 10, 8)))
        if d.rule == "R7"
    ]
    assert r2025.observed == "1 of 2 REX session(s) in 2025"
    [_, r2025] = [
        d
        for d in deadlines(GRAND_EST, h(DIAGNOSTIC, rex), noon(date(2025, 10, 9)))
        if d.rule == "R7"
    ]
    assert (r2025.status, r2025.met_on) == ("met", date(2025, 10, 9))
    assert r2025.observed == "2 of 2 REX session(s) in 2025"


def test_r7_is_not_owed_for_a_year_before_the_charter_nor_after_leaving() -> None:
    late_signer = h([["charter_signed", date(2025, 2, 1)]])
    assert [
        d.due.year
        for d in deadlines(GRAND_EST, late_signer, noon(date(2025, 3, 1)))
        if d.rule == "R7"
    ] == [2025]
    gone = h([*DIAGNOSTIC, ["withdrawn", date(2025, 12, 31)]])
    r7 = [d for d in deadlines(GRAND_EST, gone, noon(date(2026, 1, 2))) if d.rule == "R7"]
    assert [d.status for d in r7] == ["missed", "void"]  # left on the last day of 2025


def test_r13_is_noticed_14_days_before_and_never_recorded_as_met_or_missed() -> None:
    keys = {f.key for f in owed(GRAND_EST, h(DIAGNOSTIC), noon(date(2026, 1, 16)))}
    assert "approaching:R13:2026-01-31:14" in keys
    assert not any(k.startswith(("met:R13", "missed:R13")) for k in keys)


def test_a_reminder_is_not_owed_when_the_rule_was_met_before_its_day() -> None:
    # framing from 28 November 2024: the R3 reminders of 29 November and 24 December are not
    # owed; the R4 reminders never (met long before).
    framed = h([*DIAGNOSTIC, ["framing", date(2024, 11, 28)]])
    keys = {f.key for f in owed(GRAND_EST, framed, noon(date(2025, 7, 1)))}
    assert not any(k.startswith(("approaching:R3", "approaching:R4")) for k in keys)
    on_the_day = h([*DIAGNOSTIC, ["framing", date(2024, 11, 29)]])
    keys = {f.key for f in owed(GRAND_EST, on_the_day, noon(date(2025, 7, 1)))}
    assert "approaching:R3:2024-12-31:30" in keys  # met that day: the reminder had fallen
    left = h([*DIAGNOSTIC, ["withdrawn", date(2024, 11, 28)]])
    keys = {f.key for f in owed(GRAND_EST, left, noon(date(2025, 7, 1)))}
    assert not any(k.startswith("approaching:R3") for k in keys)
    assert "missed:R3:2024-12-31" not in keys


def test_the_retraction_cites_the_corrected_reading_with_the_programme_s_days() -> None:
    history = History(
        phase_history=DEPLOYED,
        follow_ups=[],
        rex_dates=[],
        recorded_misses=(("R5", date(2024, 12, 31)), ("R7", date(2024, 12, 31))),
    )
    facts = {f.key: f for f in owed(GRAND_EST, history, noon(date(2025, 4, 2)))}
    assert facts["retracted:R5:2024-12-31"].observed == (
        "RULES.md R5 corrected: a month is judged iff framing and deployment cover at least 15 "
        "of its days"
    )
    assert "retracted:R7:2024-12-31" not in facts  # R7's reading did not change
    assert "ended:R2:2026-01-31" not in facts
    ended = {f.key: f for f in owed(GRAND_EST, h(DEPLOYED), midnight(date(2026, 2, 1)))}
    assert ended["ended:R2:2026-01-31"].observed == "phase deployment"
