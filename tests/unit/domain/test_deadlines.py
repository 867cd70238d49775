"""The pure calendar rules (R3, R4, R13): time-zone boundaries and working-day reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from parcours.domain.deadlines import History, deadlines, owed, working_day_on_or_before
from parcours.programme import load_programme

PROGRAMME = load_programme("grand-est-2024")
IN_DIAGNOSTIC = [["charter_signed", date(2024, 9, 2)], ["diagnostic", date(2024, 9, 16)]]


def _history(
    phases: list[list[object]], follow_ups: tuple[date, ...] = (), rex: tuple[date, ...] = ()
) -> History:
    return History(phase_history=phases, follow_ups=list(follow_ups), rex_dates=list(rex))


def _find(rule: str, phases: list[list[object]], now: datetime) -> object:
    return next(d for d in deadlines(PROGRAMME, _history(phases), now) if d.rule == rule)


def _status(rule: str, history: list[list[object]], now: datetime) -> str:
    return _find(rule, history, now).status  # type: ignore[attr-defined, no-any-return]


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
    r4 = _find("R4", IN_DIAGNOSTIC, datetime(2025, 1, 1, tzinfo=UTC))
    # 31 May 2025 is a Saturday -> Friday 30 May; 23 June 2025 is a Monday.
    assert r4.reminders == ((30, date(2025, 5, 30)), (7, date(2025, 6, 23)))  # type: ignore[attr-defined]
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
    r13 = _find("R13", IN_DIAGNOSTIC, datetime(2026, 1, 1, tzinfo=UTC))
    assert r13.due == date(2026, 1, 31)  # type: ignore[attr-defined]
    # 17 January 2026 is a Saturday
    assert r13.reminders == ((14, date(2026, 1, 16)),)  # type: ignore[attr-defined]


DEPLOYED = [*IN_DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", date(2025, 3, 3)]]


@pytest.mark.parametrize(("count", "status"), [(0, "missed"), (1, "met"), (2, "met"), (3, "met")])
def test_r5_judges_each_deployment_month_at_its_end(count: int, status: str) -> None:
    meetings = tuple(date(2025, 4, 10 + i) for i in range(count))
    history = _history(DEPLOYED, follow_ups=meetings)
    at_end = datetime(2025, 4, 30, 21, 59, tzinfo=UTC)  # 23:59 in Paris (summer time)
    after = datetime(2025, 4, 30, 22, 0, tzinfo=UTC)
    april = [d for d in deadlines(PROGRAMME, history, after) if d.rule == "R5"][1]
    assert april.due == date(2025, 4, 30)
    assert april.status == status
    if status == "missed":
        still = [d for d in deadlines(PROGRAMME, history, at_end) if d.rule == "R5"][1]
        assert still.status == "pending"


def test_r7_is_judged_when_the_year_ends() -> None:
    one = _history(IN_DIAGNOSTIC, rex=(date(2025, 3, 1),))
    during = [
        d for d in deadlines(PROGRAMME, one, datetime(2025, 12, 1, tzinfo=UTC)) if d.rule == "R7"
    ]
    after = [
        d for d in deadlines(PROGRAMME, one, datetime(2026, 1, 1, tzinfo=UTC)) if d.rule == "R7"
    ]
    assert [d.status for d in during] == ["missed", "approaching"]  # 2024: none; 2025: 1 of 2
    assert [d.status for d in after] == ["missed", "missed"]


def test_owed_facts_do_not_depend_on_when_they_are_asked() -> None:
    history = _history(DEPLOYED, follow_ups=(date(2025, 3, 20),))
    late = owed(PROGRAMME, history, datetime(2025, 8, 1, tzinfo=UTC))
    keys = {f.key for f in late}
    assert "met:R3:2024-12-31" in keys
    assert "met:R5:2025-03-31" in keys
    assert "missed:R5:2025-04-30" in keys
    assert "approaching:R4:2025-06-30:30" not in keys  # deployment started before the reminder
    earlier = owed(PROGRAMME, history, datetime(2025, 5, 5, tzinfo=UTC))
    assert {f.key for f in earlier} <= keys
