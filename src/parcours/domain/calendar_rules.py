"""Calendar arithmetic the corrected rules share (R2, R4–R6, R8), as pure functions of a
pilot's phase history: which phase the pilot was in on a day, which days of a month the
"mise en œuvre" covered, where a cadence of months falls.

A phase history is the list the aggregate and the read model keep: `[phase, since]` pairs in
the order they were entered, `since` a date. A pilot is in a phase from its `since` day on,
until the day the next phase starts (that day belongs to the next one).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from parcours.domain.phases import Phase

MISE_EN_OEUVRE = frozenset({Phase.FRAMING.value, Phase.DEPLOYMENT.value})
# The phases a pilot leaves the mise en œuvre for (R5 stops counting on their first day).
LEAVING = (
    Phase.EVALUATION.value,
    Phase.CLOSED.value,
    Phase.WITHDRAWN.value,
    Phase.PURGED.value,
)
ONE_DAY = timedelta(days=1)


def steps(phase_history: Sequence[Sequence[object]]) -> list[tuple[str, date]]:
    """The history as (phase, since) pairs with real dates."""
    found = []
    for phase, since in phase_history:
        day = since if isinstance(since, date) else date.fromisoformat(str(since))
        found.append((str(phase), day))
    return found


def entered(phase_history: Sequence[Sequence[object]], phase: str) -> date | None:
    """The day the pilot entered `phase`, or None."""
    for name, since in steps(phase_history):
        if name == phase:
            return since
    return None


def phase_on(phase_history: Sequence[Sequence[object]], day: date) -> str | None:
    """The phase the pilot was in on `day` (None: before its charter was signed). A phase
    entered on `day` is the one it was in that day."""
    current = None
    for name, since in steps(phase_history):
        if since <= day:
            current = name
        else:
            break
    return current


def left_mise_en_oeuvre(phase_history: Sequence[Sequence[object]]) -> date | None:
    """The first day the pilot was no longer in framing or deployment, once it had been."""
    if entered(phase_history, Phase.FRAMING.value) is None:
        return None
    for phase in LEAVING:
        day = entered(phase_history, phase)
        if day is not None:
            return day
    return None


def last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months(first: date, last: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of every calendar month from `first`'s to `last`'s, inclusive."""
    current = first.replace(day=1)
    while current <= last:
        end = last_day_of_month(current)
        yield current, end
        current = end + ONE_DAY


def overlap(first: date, last: date, start: date | None, stop: date | None) -> int:
    """How many days of [first, last] fall in [start, stop) (None: open on that side)."""
    lo = first if start is None else max(first, start)
    hi = last if stop is None else min(last, stop - ONE_DAY)
    return max(0, (hi - lo).days + 1)


def add_months(day: date, count: int) -> date:
    """The same day `count` months later, or the month's last day when it has no such day
    (30 November + 3 months = 28 or 29 February)."""
    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
