"""The input policy's checks, one function each: text, periods, calendar days, the programme's
window and instants given for "now". inputs.py builds the commands' pydantic types on them;
the service calls the ones that need a programme or the clock (issue 18)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from parcours.catalogue import Msg
from parcours.errors import InvalidInput, RuleViolation
from parcours.programme import Programme

NAME_MAX = 200
TITLE_MAX = 300
TEXT_MAX = 2000
ACTOR_MAX = 100
# Beyond any count, amount or share a local authority reports, and exact in JSON and in a
# spreadsheet (a float holds every integer up to 2**53).
INDICATOR_MAX = 1e12
AMOUNT_MAX_EUR = 1e9
# Python's calendar runs from year 1 to 9999; a query a day from either end would leave it.
_FIRST_YEAR, _LAST_YEAR = 2, 9998

# C0 but tab and newline, DEL, C1, the line and paragraph separators; bidi embeddings,
# overrides (U+202E) and isolates; lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAK = re.compile("[\t\n]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PERIOD = re.compile(r"([0-9]{4})(?:-Q([1-4])|-S([12])|-(0[1-9]|1[0-2]))?")


def clean_text(value: Any, *, max_length: int, multiline: bool) -> str:
    """`value` itself if it is acceptable text, else ValueError with the French reason."""
    if not isinstance(value, str):
        raise ValueError(Msg("text.expected"))
    if not value or value.isspace():
        raise ValueError(Msg("text.empty"))
    if len(value) > max_length:  # first: a 1 MB value is refused before it is scanned
        raise ValueError(Msg("text.too_long", max=max_length, got=len(value)))
    for pattern, key in (
        (_SURROGATE, "text.surrogate"),
        (_CONTROL, "text.control"),
        (_BIDI, "text.bidi"),
        (None if multiline else _LINE_BREAK, "text.line_break"),
    ):
        found = pattern.search(value) if pattern is not None else None
        if found is not None:
            raise ValueError(Msg(key, code=f"U+{ord(found.group()):04X}", at=found.start() + 1))
    if value != value.strip():
        raise ValueError(Msg("text.surrounding_space"))
    return value


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of `2025`, `2025-Q2`, `2025-S1` or `2025-05`."""
    found = _PERIOD.fullmatch(period) if isinstance(period, str) else None
    if found is None or int(found.group(1)) < 1:
        raise ValueError(Msg("period.form"))
    year, quarter, half, month = found.groups()
    y = int(year)
    if quarter:
        first_month, months = 3 * int(quarter) - 2, 3
    elif half:
        first_month, months = 6 * int(half) - 5, 6
    elif month:
        first_month, months = int(month), 1
    else:
        first_month, months = 1, 12
    after = first_month + months
    last = date(y, 12, 31) if after > 12 else date.fromordinal(date(y, after, 1).toordinal() - 1)
    return date(y, first_month, 1), last


def on_the_calendar(field: str, day: date) -> date:
    """`day` unless it is so near year 1 or 9999 that a deadline, a month or a report's margin
    around it would leave Python's calendar (an OverflowError, not an answer)."""
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise InvalidInput(field, "date.edge", day=day, first=_FIRST_YEAR, last=_LAST_YEAR)
    return day


def check_date(field: str, value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return on_the_calendar(field, value)
    if isinstance(value, str):
        try:
            return on_the_calendar(field, date.fromisoformat(value))
        except ValueError:
            pass
    raise InvalidInput(field, "input.date")


def check_instant(field: str, value: Any) -> datetime:
    """A date-time a caller gives: timezone-aware, and on the usable calendar."""
    if not isinstance(value, datetime):
        raise InvalidInput(field, "instant.expected")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field, "instant.naive")
    on_the_calendar(field, value.date())
    return value


def within_programme(field: str, day: date, programme: Programme) -> date:
    """`day` if it lies in the programme's window, `opens` to the end of the experiment (R2,
    the programme's `experiment_ends`)."""
    if day < programme.opens:
        raise InvalidInput(
            field, "date.before_opens", day=day, programme=programme.id, opens=programme.opens
        )
    ends = programme.experiment_ends
    if day > ends:
        raise InvalidInput(field, "date.after_end", day=day, programme=programme.id, ends=ends)
    return day


def on_its_working_group(theme: str, day: date, programme: Programme) -> date:
    """R7: a session held as a working group of the programme's calendar (003, « Calendrier des
    groupes de travail ») falls on that group's date; `day` if it does."""
    if not programme.working_groups:
        raise InvalidInput("theme", "input.no_working_groups", programme=programme.id)
    group = programme.working_group(theme)
    if group is None:
        known = ", ".join(g.theme for g in programme.working_groups)
        raise InvalidInput("theme", "input.unknown_working_group", theme=theme, known=known)
    if day != group.starts.date():
        raise RuleViolation(
            "R7",
            "rule.r7.working_group_day",
            "on",
            theme=theme,
            day=group.starts.date(),
            time=group.starts.strftime("%H:%M"),
        )
    return day


def period_within(period: str, programme: Programme) -> str:
    """`period` if it parses and overlaps the programme's window (R8 reports fall in it)."""
    try:
        first, last = period_bounds(period)
    except ValueError:
        raise InvalidInput("period", "period.form") from None
    ends = programme.experiment_ends
    if last < programme.opens or first > ends:
        raise InvalidInput(
            "period",
            "period.outside",
            period=period,
            first=first,
            last=last,
            programme=programme.id,
            opens=programme.opens,
            ends=ends,
        )
    return period


def caller_instant(field: str, value: Any, now: datetime) -> datetime:
    """An instant a caller gives for "now" (a purge, a tick): aware, and not in the future,
    which would purge personal data or record breaches before their time."""
    instant = check_instant(field, value)
    if instant > now:
        raise InvalidInput(field, "instant.future", instant=instant, now=now)
    return instant
