"""The pure calendar rules (R3, R4, R13): time-zone boundaries and working-day reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from parcours.domain.deadlines import calendar_deadlines, working_day_on_or_before
from parcours.programme import load_programme

PROGRAMME = load_programme("grand-est-2024")
IN_DIAGNOSTIC = [["charter_signed", date(2024, 9, 2)], ["diagnostic", date(2024, 9, 16)]]


def _status(rule: str, history: list[list[object]], now: datetime) -> str:
    found = {d.rule: d for d in calendar_deadlines(PROGRAMME, history, now)}
    return found[rule].status


def test_r3_is_on_time_at_2359_in_paris_and_missed_at_midnight() -> None:
    assert _status("R3", IN_DIAGNOSTIC, datetime(2024, 12, 31, 22, 59, tzinfo=UTC)) != "missed"
    assert _status("R3", IN_DIAGNOSTIC, datetime(2024, 12, 31, 23, 0, tzinfo=UTC)) == "missed"


def test_r3_is_met_by_completing_the_diagnostic_by_the_due_date() -> None:
    done = [*IN_DIAGNOSTIC, ["framing", date(2024, 12, 31)]]
    assert _status("R3", done, datetime(2025, 3, 1, tzinfo=UTC)) == "met"
    late = [*IN_DIAGNOSTIC, ["framing", date(2025, 1, 20)]]
    assert _status("R3", late, datetime(2025, 3, 1, tzinfo=UTC)) == "missed"


def test_a_pilot_that_withdrew_before_the_due_date_owes_nothing() -> None:
    gone = [*IN_DIAGNOSTIC, ["withdrawn", date(2024, 12, 16)]]
    assert _status("R3", gone, datetime(2025, 3, 1, tzinfo=UTC)) == "void"
    assert _status("R4", gone, datetime(2025, 8, 1, tzinfo=UTC)) == "void"


def test_reminders_come_30_and_7_days_before() -> None:
    r4 = next(
        d
        for d in calendar_deadlines(PROGRAMME, IN_DIAGNOSTIC, datetime(2025, 1, 1, tzinfo=UTC))
        if d.rule == "R4"
    )
    # 31 May 2025 is a Saturday -> Friday 30 May; 23 June 2025 is a Monday.
    assert r4.reminders == (date(2025, 5, 30), date(2025, 6, 23))
    assert _status("R4", IN_DIAGNOSTIC, datetime(2025, 5, 30, 8, tzinfo=UTC)) == "approaching"
    assert _status("R4", IN_DIAGNOSTIC, datetime(2025, 5, 28, 8, tzinfo=UTC)) == "pending"


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (date(2024, 12, 25), date(2024, 12, 24)),  # Christmas -> Tuesday 24
        (date(2025, 5, 1), date(2025, 4, 30)),  # Labour day
        (date(2025, 7, 14), date(2025, 7, 11)),  # Bastille day, a Monday -> Friday
        (date(2025, 3, 4), date(2025, 3, 4)),  # an ordinary Tuesday
    ],
)
def test_a_reminder_on_a_holiday_or_weekend_moves_to_the_previous_working_day(
    day: date, moved: date
) -> None:
    assert working_day_on_or_before(day) == moved


def test_retention_notice_comes_14_days_before_its_end() -> None:
    r13 = next(
        d
        for d in calendar_deadlines(PROGRAMME, IN_DIAGNOSTIC, datetime(2026, 1, 1, tzinfo=UTC))
        if d.rule == "R13"
    )
    assert r13.due == date(2026, 1, 31)
    assert r13.reminders == (date(2026, 1, 16),)  # 17 January 2026 is a Saturday
