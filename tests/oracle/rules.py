"""A second, deliberately plain reading of the dated rules, written from RULES.md (round 2),
not from the engine's code: day by day loops, no shared helper, no cleverness.

Every function answers one question about one pilot, given
- `phases`: the phase history as (phase, first day) pairs in order,
- the programme's figures (passed explicitly, so the oracle reads nothing of the engine),
- `today`: the day the question is asked, late in that day: every earlier day has ended,
  `today` has not (a due date of `today` is not missed yet; a reminder of `today` is due).

A disagreement with the engine is either a bug in the engine or a sentence of RULES.md to
clarify: the hypothesis tests in tests/oracle/ say which, in their failure message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

ONE = timedelta(days=1)
LEAVING = ("evaluation", "closed", "withdrawn", "purged")


def first_day(phases: Iterable[tuple[str, date]], phase: str) -> date | None:
    for name, day in phases:
        if name == phase:
            return day
    return None


def phase_on(phases: list[tuple[str, date]], day: date) -> str | None:
    """RULES.md R6: "the phase the pilot was in on the date it was worked"."""
    found = None
    for name, start in phases:
        if start <= day:
            found = name
    return found


def days(first: date, last: date) -> list[date]:
    out = []
    while first <= last:
        out.append(first)
        first += ONE
    return out


# -- R3, R4: a phase reached by a due date --------------------------------------------------


def reached_by(phases: list[tuple[str, date]], phase: str, due: date, today: date) -> str:
    """ "met" if `phase` was entered on or before `due`; "missed" once `due` has ended
    without it, unless the pilot withdrew or closed on or before `due` ("void"); else
    "open"."""
    entered = first_day(phases, phase)
    if entered is not None and entered <= due:
        return "met"
    left = first_day(phases, "withdrawn") or first_day(phases, "closed")
    if entered is None and left is not None and left <= due:
        return "void"
    return "missed" if today > due else "open"


def r3(phases: list[tuple[str, date]], today: date) -> str:
    """R3: diagnostic finished before 31 December 2024 (= framing entered by then)."""
    return reached_by(phases, "framing", date(2024, 12, 31), today)


def r4(phases: list[tuple[str, date]], today: date, due: date = date(2025, 6, 30)) -> str:
    """R4 (corrected): "mise en œuvre" starts by 30 June 2025, and begins with framing."""
    return reached_by(phases, "framing", due, today)


# -- R5: follow-ups per month of mise en œuvre ----------------------------------------------


def r5(
    phases: list[tuple[str, date]],
    follow_ups: list[date],
    today: date,
    *,
    min_per_month: int = 1,
    min_days: int = 15,
    experiment_ends: date = date(2026, 1, 31),
    framing_from: date | None = None,
) -> dict[str, str]:
    """R5: for each calendar month that has ended before `today`: count the
    days of that month the pilot was in framing or deployment (no day after the experiment's
    end); a month with fewer than `min_days` such days is not judged; a judged month with
    fewer than `min_per_month` follow-ups is "missed", else "met". Months that ended before
    `framing_from` count days of deployment only. Returns {"YYYY-MM": verdict}."""
    verdicts: dict[str, str] = {}
    start = first_day(phases, "framing")
    if start is None:
        return verdicts
    month = date(start.year, start.month, 1)
    while True:
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last = nxt - ONE
        if last >= today or month > experiment_ends:
            break
        counting: tuple[str, ...] = ("framing", "deployment")
        if framing_from is not None and last < framing_from:
            counting = ("deployment",)
        covered = sum(
            1 for d in days(month, last) if phase_on(phases, d) in counting and d <= experiment_ends
        )
        if covered >= min_days:
            held = sum(1 for f in follow_ups if month <= f <= last)
            verdicts[f"{month:%Y-%m}"] = "met" if held >= min_per_month else "missed"
        month = nxt
    return verdicts


# -- R6: the estimated time, by the date of work ----------------------------------------------


def r6(
    phases: list[tuple[str, date]],
    logs: list[tuple[date, float]],
    today: date,
    *,
    per_month: float = 2.0,
    experiment_ends: date = date(2026, 1, 31),
) -> dict[str, tuple[float | None, float]]:
    """R6: {line: (budget, logged)}: "diagnostic" (budget 2), "framing" (no budget, present
    once framing was entered or a day was worked in it), and each month of deployment
    ("YYYY-MM", budget 2 × its days of deployment / its days). The month in progress is
    budgeted for all its days the pilot is still in deployment, up to its end (RULES.md is
    silent on a month in progress: clarified by the first disagreement of this oracle)."""
    lines: dict[str, tuple[float | None, float]] = {}
    diagnostic = sum(d for day, d in logs if phase_on(phases, day) == "diagnostic")
    lines["diagnostic"] = (2.0, round(diagnostic, 2))
    framed = [d for day, d in logs if phase_on(phases, day) == "framing"]
    if first_day(phases, "framing") is not None or framed:
        lines["framing"] = (None, round(sum(framed), 2))
    deployed = first_day(phases, "deployment")
    if deployed is None:
        return lines
    day = deployed
    worked_last = max([d for d, _ in logs if phase_on(phases, d) == "deployment"], default=day)
    month_end = date(today.year + today.month // 12, today.month % 12 + 1, 1) - ONE
    while day <= max(min(month_end, experiment_ends), worked_last):
        if phase_on(phases, day) == "deployment" and day <= experiment_ends:
            key = f"{day:%Y-%m}"
            month_days = (
                date(day.year + day.month // 12, day.month % 12 + 1, 1)
                - date(day.year, day.month, 1)
            ).days
            budget, logged = lines.get(key, (0.0, 0.0))
            lines[key] = ((budget or 0.0) + per_month / month_days, logged)
        day += ONE
    for day, d in logs:
        if phase_on(phases, day) == "deployment":
            key = f"{day:%Y-%m}"
            budget, logged = lines.get(key, (0.0, 0.0))
            lines[key] = (budget, logged + d)
    return {k: (None if b is None else round(b, 2), round(lg, 2)) for k, (b, lg) in lines.items()}


# -- R7: REX per calendar year ----------------------------------------------------------------


def r7(rex: list[date], today: date, required: dict[int, int], signed: date) -> dict[int, str]:
    """R7: per year with a quota: "met" once the quota is reached, "missed" once the year has
    ended without it, else "open" (years before the charter's signature are not owed)."""
    out = {}
    for year, quota in required.items():
        if quota <= 0 or signed.year > year:
            continue
        held = sum(1 for d in rex if d.year == year and d <= today)
        if held >= quota:
            out[year] = "met"
        else:
            out[year] = "missed" if today > date(year, 12, 31) else "open"
    return out


# -- R8: each indicator reported at the cadence -------------------------------------------------


def plus_months(day: date, months: int) -> date:
    year, month = day.year, day.month + months
    while month > 12:
        year, month = year + 1, month - 12
    last = 31
    while True:
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            last -= 1


def r8_overdue(
    phases: list[tuple[str, date]],
    reports: list[date],
    today: date,
    *,
    cadence: int = 3,
    experiment_ends: date = date(2026, 1, 31),
) -> bool:
    """R8: in deployment, an indicator not reported for longer than the cadence (counted from
    its last report, or from the start of deployment) is an alert."""
    if phase_on(phases, today) != "deployment" or today > experiment_ends:
        return False
    start = first_day(phases, "deployment")
    assert start is not None
    since = max([start, *reports])
    return today > plus_months(since, cadence)


# -- R2: the end of the experiment ----------------------------------------------------------------


def r2(
    phases: list[tuple[str, date]],
    today: date,
    *,
    ends: date = date(2026, 1, 31),
    lead_days: int = 60,
) -> str:
    """R2 on `today`: "ended" once `ends` is over for a pilot not closed,
    withdrawn or purged by then; "announced" from `lead_days` before `ends` for a pilot not yet
    in evaluation (nor gone); else "quiet". (The announcement's day moves back to a working
    day: checked separately, not here.)"""
    gone = [d for p, d in phases if p in ("closed", "withdrawn", "purged")]
    if today > ends:
        return "quiet" if gone and min(gone) <= ends else "ended"
    if gone or first_day(phases, "evaluation") is not None:
        return "quiet"
    return "announced" if today >= ends - timedelta(days=lead_days) else "quiet"


# -- R13: the end of retention -------------------------------------------------------------------


def r13_purge_due(today: date, until: date = date(2026, 1, 31)) -> bool:
    """R13: personal data kept up to and including `until`; gone from the day after."""
    return today > until
