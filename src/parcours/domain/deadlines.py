"""The charter's calendar as pure functions: (programme, pilot, instant) -> deadline statuses.

A due date is met by the end of that day in the programme's time zone: R3's "before
31 December 2024" is on time at 23:59 in Paris and missed at 00:00 on 1 January. Reminders
fall at the programme's offsets before the due date, moved back to the previous working day
when they land on a weekend or a French public holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

import holidays

from parcours.domain.phases import Phase
from parcours.programme import Programme

Status = Literal["pending", "approaching", "met", "missed", "void"]


@dataclass(frozen=True)
class Deadline:
    rule: str
    due: date
    status: Status
    reminders: tuple[date, ...]
    met_on: date | None = None


@cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def working_day_on_or_before(day: date) -> date:
    while day.weekday() >= 5 or day in _french_holidays(day.year):
        day -= timedelta(days=1)
    return day


def reminder_dates(programme: Programme, due: date, offsets: tuple[int, ...]) -> tuple[date, ...]:
    return tuple(working_day_on_or_before(due - timedelta(days=o)) for o in offsets)


def end_of(day: date, programme: Programme) -> datetime:
    """The first instant after `day` in the programme's zone: the due date is met before it."""
    return datetime.combine(day + timedelta(days=1), time(0), programme.zone)


def _entered(phase_history: list[list[object]], phase: Phase) -> date | None:
    for name, since in phase_history:
        if name == phase.value and isinstance(since, date):
            return since
    return None


def _judge(
    rule: str,
    due: date,
    programme: Programme,
    now: datetime,
    met_on: date | None,
    ended_on: date | None,
    offsets: tuple[int, ...],
) -> Deadline:
    reminders = reminder_dates(programme, due, offsets)
    today = now.astimezone(programme.zone).date()
    if met_on is not None and met_on <= due:
        status: Status = "met"
    elif ended_on is not None and ended_on <= due and met_on is None:
        status = "void"  # the pilot left before the date: nothing is owed
    elif now >= end_of(due, programme):
        status = "missed"
    elif reminders and today >= min(reminders):
        status = "approaching"
    else:
        status = "pending"
    return Deadline(rule=rule, due=due, status=status, reminders=reminders, met_on=met_on)


def calendar_deadlines(
    programme: Programme, phase_history: list[list[object]], now: datetime
) -> list[Deadline]:
    """R3 (diagnostic finished), R4 (deployment started) and R13 (end of retention)."""
    offsets = programme.calendar.reminder_offsets_days
    ended = _entered(phase_history, Phase.WITHDRAWN) or _entered(phase_history, Phase.PURGED)
    diagnostic_done = _entered(phase_history, Phase.FRAMING)
    deployment_started = _entered(phase_history, Phase.DEPLOYMENT)
    retention = programme.retention
    return [
        _judge(
            "R3", programme.calendar.diagnostic_due, programme, now, diagnostic_done, ended, offsets
        ),
        _judge(
            "R4",
            programme.calendar.deployment_start_due,
            programme,
            now,
            deployment_started,
            ended,
            offsets,
        ),
        _judge(
            "R13",
            retention.until,
            programme,
            now,
            None,
            None,
            (retention.notice_days,) if retention.notice_days else (),
        ),
    ]
