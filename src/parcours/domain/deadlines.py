"""The charter's calendar as pure functions: (programme, pilot, instant) -> deadlines.

A due date is met by the end of that day in the programme's time zone: R3's "before
31 December 2024" is on time at 23:59 in Paris and missed at 00:00 on 1 January. Reminders
fall at the programme's offsets before the due date, moved back to the previous working day
when they land on a weekend or a French public holiday.

What is owed at an instant depends only on the pilot's history and that instant, never on
when earlier evaluations ran: a scheduler that was down records late what fell due, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

import holidays

from parcours.domain import calendar_rules as cal
from parcours.domain.phases import Phase
from parcours.programme import Programme

Status = Literal["pending", "approaching", "met", "missed", "void", "ended"]
Kind = Literal["approaching", "met", "missed", "ended", "retracted"]


@dataclass(frozen=True)
class Deadline:
    rule: str
    due: date
    status: Status
    reminders: tuple[tuple[int, date], ...]  # (offset in days, working day it falls on)
    met_on: date | None = None
    observed: str = ""
    ended_on: date | None = None  # the pilot withdrew or closed on this day


@dataclass(frozen=True)
class Owed:
    """A fact the scheduler owes the pilot's history (recorded at most once, by `key`)."""

    kind: Kind
    rule: str
    due: date
    offset: int = 0
    met_on: date | None = None
    observed: str = ""

    @property
    def key(self) -> str:
        return mark(self.kind, self.rule, self.due, self.offset)


def mark(kind: str, rule: str, due: date, offset: int = 0) -> str:
    suffix = f":{offset}" if kind == "approaching" else ""
    return f"{kind}:{rule}:{due.isoformat()}{suffix}"


@dataclass(frozen=True)
class History:
    """What the rules read of a pilot."""

    phase_history: list[list[object]]
    follow_ups: list[date]
    rex_dates: list[date]
    # (rule, due) of the DeadlineMissed facts already recorded: a corrected reading of the
    # rule may owe a retraction of some (never a rewrite).
    recorded_misses: tuple[tuple[str, date], ...] = ()


@cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def working_day_on_or_before(day: date) -> date:
    while day.weekday() >= 5 or day in _french_holidays(day.year):
        day -= timedelta(days=1)
    return day


def end_of(day: date, programme: Programme) -> datetime:
    """The first instant after `day` in the programme's zone: the due date is met before it."""
    return datetime.combine(day + timedelta(days=1), time(0), programme.zone)


def start_of(day: date, programme: Programme) -> datetime:
    return datetime.combine(day, time(0), programme.zone)


def _entered(history: History, phase: Phase) -> date | None:
    for name, since in history.phase_history:
        if name == phase.value and isinstance(since, date):
            return since
    return None


def _ended(history: History) -> date | None:
    return _entered(history, Phase.WITHDRAWN) or _entered(history, Phase.CLOSED)


def _reminders(due: date, offsets: Iterable[int]) -> tuple[tuple[int, date], ...]:
    return _reminder_days(due, tuple(offsets))


@cache
def _reminder_days(due: date, offsets: tuple[int, ...]) -> tuple[tuple[int, date], ...]:
    return tuple((o, working_day_on_or_before(due - timedelta(days=o))) for o in offsets)


def _judge(
    rule: str,
    due: date,
    programme: Programme,
    now: datetime,
    *,
    met_on: date | None,
    void: bool,
    offsets: Iterable[int],
    observed: str = "",
    ended_on: date | None = None,
) -> Deadline:
    reminders = _reminders(due, offsets)
    today = now.astimezone(programme.zone).date()
    status: Status
    if void:
        status = "void"
    elif met_on is not None and met_on <= due:
        status = "met" if now >= start_of(met_on, programme) else "pending"
    elif now >= end_of(due, programme):
        status = "missed"
    elif any(today >= day for _, day in reminders):
        status = "approaching"
    else:
        status = "pending"
    return Deadline(rule, due, status, reminders, met_on, observed, ended_on)


def _phase_deadline(
    rule: str, due: date, reached: Phase, programme: Programme, history: History, now: datetime
) -> Deadline:
    met_on = _entered(history, reached)
    ended = _ended(history) or _entered(history, Phase.PURGED)
    void = met_on is None and ended is not None and ended <= due
    return _judge(
        rule,
        due,
        programme,
        now,
        met_on=met_on,
        void=void,
        offsets=programme.calendar.reminder_offsets_days,
        observed="" if met_on and met_on <= due else f"not done by {due.isoformat()}",
        ended_on=ended,
    )


def follow_up_months(
    programme: Programme, history: History, today: date
) -> list[tuple[date, date, int, bool]]:
    """R5: the calendar months of the mise en œuvre (framing and deployment) up to `today`'s,
    as (first day, last day, days covered, judged). A month is judged iff framing and
    deployment together cover at least `min_days_judged` of its days; a month that ended
    before `framing_judged_from` counts its days of deployment only. Days after the end of
    the experiment (R2) are not covered."""
    rules = programme.mise_en_oeuvre
    framing = cal.entered(history.phase_history, Phase.FRAMING.value)
    if framing is None:
        return []
    deployment = cal.entered(history.phase_history, Phase.DEPLOYMENT.value)
    left = cal.left_mise_en_oeuvre(history.phase_history)
    stop = programme.experiment_ends + cal.ONE_DAY
    if left is not None:
        stop = min(stop, left)
    last = min(today, stop - cal.ONE_DAY)
    found = []
    for first, end in cal.months(framing, last):
        since: date | None = framing
        if rules.framing_judged_from is not None and end < rules.framing_judged_from:
            since = deployment
        covered = 0 if since is None else cal.overlap(first, end, since, stop)
        found.append((first, end, covered, covered >= rules.min_days_judged))
    return found


def follow_up_deadlines(programme: Programme, history: History, now: datetime) -> list[Deadline]:
    """R5: each judged month of the mise en œuvre, judged at its end."""
    today = now.astimezone(programme.zone).date()
    deadlines = []
    for first, month_end, covered, judged in follow_up_months(programme, history, today):
        if not judged:
            continue
        count = sum(1 for d in history.follow_ups if first <= d <= month_end)
        enough = count >= programme.follow_ups.min_per_month
        deadlines.append(
            _judge(
                "R5",
                month_end,
                programme,
                now,
                met_on=month_end if enough else None,
                void=False,
                offsets=(),
                observed=f"{count} follow-up meeting(s) in {month_end:%Y-%m} "
                f"({covered} day(s) of mise en œuvre)",
            )
        )
    return deadlines


def rex_deadlines(programme: Programme, history: History, now: datetime) -> list[Deadline]:
    """R7: the REX quota of each calendar year, judged when the year ends."""
    signed = _entered(history, Phase.CHARTER_SIGNED)
    ended = _ended(history) or _entered(history, Phase.PURGED)
    deadlines = []
    for year, required in sorted(programme.rex.required.items()):
        if required <= 0 or (signed is not None and signed.year > year):
            continue
        due = date(year, 12, 31)
        attended = sorted(d for d in history.rex_dates if d.year == year)
        met_on = attended[required - 1] if len(attended) >= required else None
        today = now.astimezone(programme.zone).date()
        seen = sum(1 for d in attended if d <= today)
        deadlines.append(
            _judge(
                "R7",
                due,
                programme,
                now,
                met_on=met_on,
                void=met_on is None and ended is not None and ended <= due,
                offsets=programme.calendar.reminder_offsets_days,
                observed=f"{seen} of {required} REX session(s) in {year}",
                ended_on=ended,
            )
        )
    return deadlines


def retention_deadline(programme: Programme, history: History, now: datetime) -> Deadline:
    """R13: the notice before the end of retention; the purge itself follows the due date."""
    retention = programme.retention
    offsets = (retention.notice_days,) if retention.notice_days else ()
    purged = _entered(history, Phase.PURGED)
    return _judge(
        "R13", retention.until, programme, now, met_on=purged, void=False, offsets=offsets
    )


def experiment_deadline(programme: Programme, history: History, now: datetime) -> Deadline:
    """R2: the end of the experiment. Announced `announce_days_before` it (the reminder, moved
    back to a working day) to a pilot not yet in evaluation; a pilot still open when it
    passes (not closed, withdrawn or purged by then) is owed one "experiment ended" fact."""
    ends = programme.experiment_ends
    lead = programme.end_of_experiment.announce_days_before
    reminders = _reminders(ends, (lead,) if lead else ())
    evaluated = _entered(history, Phase.EVALUATION)
    left = _ended(history) or _entered(history, Phase.PURGED)
    today = now.astimezone(programme.zone).date()
    status: Status
    if left is not None and left <= ends:
        status = "void"
    elif now >= end_of(ends, programme):
        status = "ended"
    elif evaluated is not None and evaluated <= today:
        status = "met"
    elif any(today >= day for _, day in reminders):
        status = "approaching"
    else:
        status = "pending"
    return Deadline("R2", ends, status, reminders, met_on=evaluated, ended_on=left)


# The rules whose reading round 2 corrected, and the corrected reading a retraction cites.
CORRECTED = {
    "R4": "RULES.md R4 corrected: la mise en œuvre begins with framing",
    "R5": "RULES.md R5 corrected: a month is judged iff framing and deployment cover "
    "at least {days} of its days",
}


def retractions(programme: Programme, history: History, found: list[Deadline]) -> list[Owed]:
    """Recorded misses of a corrected rule that its corrected reading no longer finds: each
    is owed a retraction (the miss stays recorded; the retraction corrects it)."""
    missed = {(d.rule, d.due) for d in found if d.status == "missed"}
    days = programme.mise_en_oeuvre.min_days_judged
    return [
        Owed("retracted", rule, due, observed=CORRECTED[rule].format(days=days))
        for rule, due in history.recorded_misses
        if rule in CORRECTED and (rule, due) not in missed
    ]


def deadlines(programme: Programme, history: History, now: datetime) -> list[Deadline]:
    """Every deadline of a pilot at `now`, with its status."""
    calendar = programme.calendar
    return [
        _phase_deadline("R3", calendar.diagnostic_due, Phase.FRAMING, programme, history, now),
        # R4: "la mise en œuvre de projet(s)" begins with framing (corrected reading).
        _phase_deadline(
            "R4", calendar.deployment_start_due, Phase.FRAMING, programme, history, now
        ),
        *follow_up_deadlines(programme, history, now),
        *rex_deadlines(programme, history, now),
        retention_deadline(programme, history, now),
        # Last: on its due date (the same day as R13's) the next deadline shown stays R13.
        experiment_deadline(programme, history, now),
    ]


def owed(
    programme: Programme, history: History, now: datetime, found: list[Deadline] | None = None
) -> list[Owed]:
    """The reminders, breaches and fulfilments the history should hold at `now` (`found`:
    `deadlines(programme, history, now)`, when the caller has it already)."""
    facts: list[Owed] = []
    today = now.astimezone(programme.zone).date()
    if found is None:
        found = deadlines(programme, history, now)
    for d in found:
        for offset, day in d.reminders:
            # A reminder falls at the start of its day: owed unless the deadline was met, or
            # the pilot had left, before that day began. What happens later cannot take back
            # a reminder already due.
            met_before = d.met_on is not None and d.met_on < day
            left_before = d.ended_on is not None and d.ended_on < day
            if day <= today and not met_before and not left_before:
                facts.append(Owed("approaching", d.rule, d.due, offset=offset))
        if d.status == "void" or d.rule == "R13":
            continue  # nothing owed after leaving; the end of retention is the purge
        if d.rule == "R2":
            if d.status == "ended":
                facts.append(Owed("ended", "R2", d.due, observed=f"phase {_phase_at(history)}"))
            continue  # R2 is announced and ends; it is neither met nor missed
        if d.status == "met":
            facts.append(Owed("met", d.rule, d.due, met_on=d.met_on))
        elif d.status == "missed":
            facts.append(Owed("missed", d.rule, d.due, observed=d.observed))
    facts.extend(retractions(programme, history, found))
    return facts


def _phase_at(history: History) -> str:
    return str(history.phase_history[-1][0]) if history.phase_history else "unknown"


def next_instant(
    programme: Programme, history: History, now: datetime, found: list[Deadline] | None = None
) -> datetime | None:
    """The next instant at which something may fall due for this pilot (None: nothing left;
    `found`: `deadlines(programme, history, now)`, when the caller has it already)."""
    moments: list[datetime] = []
    for d in deadlines(programme, history, now) if found is None else found:
        if d.rule == "R2" and d.status in ("void", "ended"):
            continue  # left before the end, or the end has passed
        if d.status in ("void", "met") and d.rule not in ("R13", "R2"):
            continue
        moments.extend(start_of(day, programme) for _, day in d.reminders)
        moments.append(end_of(d.due, programme))
    if _entered(history, Phase.FRAMING) and not cal.left_mise_en_oeuvre(history.phase_history):
        today = now.astimezone(programme.zone).date()
        moments.append(end_of(cal.last_day_of_month(today), programme))
    future = [m for m in moments if m > now]
    return min(future) if future else None
