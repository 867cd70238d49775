"""Hostile numbers, dates, periods and instants at the door, on SQLite and PostgreSQL
(issue 18): refused with InvalidInput naming the field and nothing appended, or stored
exactly; none may purge or tick ahead of the clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given

from parcours import InvalidInput, Parcours
from parcours.scheduler import DeadlineScheduler
from tests.adversarial.doors import (
    CLOCK_DAY,
    ENDS,
    FEW,
    HOSTILE,
    OPENS,
    TODAY,
    at_the_door,
    attempt,
    deploying,
    diagnosing,
    fne_deploying,
    last_fields,
    prepared,
)
from tests.adversarial.hostile import (
    as_number,
    hostile_dates,
    hostile_instants,
    hostile_numbers,
    hostile_periods,
    period_accepted,
)
from tests.support.fne import APPLIED, SCHEME
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import INDICATOR, LEAD, in_framing

# -- numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberField:
    name: str
    low: float
    high: float
    act: Callable[[Parcours, dict[str, Any], Any], Any]
    integral: bool = False
    low_open: bool = False


NUMBER_FIELDS = [
    NumberField(
        "days",
        0,
        31,
        lambda a, c, v: a.log_time(c["pilot"], days=v, on=TODAY, actor=REFERENT_ID),
        low_open=True,
    ),
    NumberField(
        "value",
        -1e12,
        1e12,
        lambda a, c, v: a.report_indicator(
            c["pilot"],
            c["project"],
            key="people_helped",
            value=v,
            period="2025-Q2",
            actor=REFERENT_ID,
        ),
    ),
    NumberField(
        "amount_eur",
        0,
        1e9,
        lambda a, c, v: a.identify_funding(
            c["pilot"],
            c["project"],
            scheme=SCHEME,
            amount_eur=v,
            rate=0.6,
            months=12,
            on=APPLIED,
            actor=LEAD,
        ),
        low_open=True,
    ),
    NumberField(
        "rate",
        0,
        1,
        lambda a, c, v: a.identify_funding(
            c["pilot"],
            c["project"],
            scheme=SCHEME,
            amount_eur=1000,
            rate=v,
            months=12,
            on=APPLIED,
            actor=LEAD,
        ),
        low_open=True,
    ),
    NumberField(
        "months",
        1,
        120,
        lambda a, c, v: a.identify_funding(
            c["pilot"],
            c["project"],
            scheme=SCHEME,
            amount_eur=1000,
            rate=0.6,
            months=v,
            on=APPLIED,
            actor=LEAD,
        ),
        integral=True,
    ),
]


FUNDING_FIELDS = ("amount_eur", "rate", "months")


def number_refused(spec: NumberField, value: Any) -> bool:
    number = as_number(value)
    if number is None or not spec.low <= number <= spec.high:
        return True
    if spec.low_open and number == spec.low:
        return True
    return spec.integral and not (isinstance(value, int) and not isinstance(value, bool))


@pytest.mark.parametrize("spec", NUMBER_FIELDS, ids=[s.name for s in NUMBER_FIELDS])
@FEW
@given(value=hostile_numbers)
def test_a_number_is_finite_and_in_range_or_refused(
    app: Parcours, spec: NumberField, value: Any
) -> None:
    # R16: the funding fields are asked of a pilot of the programme that owns the call.
    ctx = prepared(app, fne_deploying if spec.name in FUNDING_FIELDS else deploying)
    accepted, _ = at_the_door(
        app, spec.name, lambda: spec.act(app, ctx, value), refused=number_refused(spec, value)
    )
    if accepted:
        stored = last_fields(app, ctx["pilot"])[spec.name]
        assert stored == as_number(value)
        json.dumps(stored, allow_nan=False)


@pytest.mark.parametrize("target", [float("nan"), float("inf"), True, 1e13, "nan"])
def test_an_indicator_target_that_is_no_sensible_number_is_refused(
    app: Parcours, target: Any
) -> None:
    pilot, project = in_framing(app)
    before = app.event_count()
    with pytest.raises(InvalidInput) as refusal:
        app.frame_project(
            pilot,
            project,
            indicators=[{**INDICATOR, "target": target}],
            evaluation_protocol="Comptage",
            actor=LEAD,
        )
    assert refusal.value.field == "indicators.0.target"
    assert app.event_count() == before


# -- dates, periods, instants -------------------------------------------------------------


@HOSTILE
@given(day=hostile_dates)
def test_a_charter_is_signed_within_the_programme_window_or_refused(
    app: Parcours, day: date
) -> None:
    accepted, pilot = at_the_door(
        app,
        "charter_signed_on",
        lambda: app.enroll(
            name="CC X", programme="grand-est-2024", charter_signed_on=day, actor=LEAD
        ),
        refused=not OPENS <= day <= min(ENDS, CLOCK_DAY),
    )
    if accepted:
        assert app.get_pilot(pilot, actor=LEAD).charter_signed_on == day


@HOSTILE
@given(day=hostile_dates)
def test_a_rex_session_is_scheduled_within_the_programme_window_or_refused(
    app: Parcours, day: date
) -> None:
    accepted, session = at_the_door(
        app,
        "on",
        lambda: app.schedule_rex(
            "grand-est-2024", on=day, kind="collective", title="REX", actor=LEAD
        ),
        refused=not OPENS <= day <= ENDS,
    )
    if accepted:
        found = [s.on for s in app.rex_sessions() if s.session_id == str(session)]
        assert [str(on) for on in found] == [day.isoformat()]


@HOSTILE
@given(day=hostile_dates)
def test_a_business_date_lies_between_the_charter_and_today_or_is_refused(
    app: Parcours, day: date
) -> None:
    pilot = prepared(app, deploying)["pilot"]
    accepted, _ = at_the_door(
        app,
        "on",
        lambda: app.log_time(pilot, days=0.5, on=day, actor=REFERENT_ID),
        refused=not date(2024, 9, 2) <= day <= CLOCK_DAY,
    )
    if accepted:
        assert app.history(pilot, actor=LEAD)[-1].effective == day


@HOSTILE
@given(period=hostile_periods)
def test_an_indicator_period_parses_and_falls_in_the_programme_or_is_refused(
    app: Parcours, period: str
) -> None:
    ctx = prepared(app, deploying)
    accepted, _ = at_the_door(
        app,
        "period",
        lambda: app.report_indicator(
            ctx["pilot"],
            ctx["project"],
            key="people_helped",
            value=5,
            period=period,
            actor=REFERENT_ID,
        ),
        refused=not period_accepted(period, OPENS, ENDS),
    )
    if accepted:
        assert last_fields(app, ctx["pilot"])["period"] == period


def instant_refused(value: Any, now: datetime) -> bool:
    if value is None:  # the default: the clock's now
        return False
    if not isinstance(value, datetime) or value.tzinfo is None:
        return True
    return value > now or not 2 <= value.year <= 9998


@FEW
@given(now=hostile_instants)
def test_a_purge_never_runs_ahead_of_the_clock(app: Parcours, now: Any) -> None:
    prepared(app, diagnosing)
    refused = instant_refused(now, app.now())
    before = app.event_count()
    _, refusal = attempt(lambda: app.purge_expired(now))
    if refusal is not None:
        assert refused, str(refusal)
        assert isinstance(refusal, InvalidInput)
        assert refusal.field == "now"
        assert app.event_count() == before
        return
    assert not refused, f"purge_expired accepted {now!r}"


@FEW
@given(now=hostile_instants)
def test_a_tick_never_runs_ahead_of_the_clock(app: Parcours, now: Any) -> None:
    prepared(app, diagnosing)
    refused = instant_refused(now, app.now())
    before = app.event_count()
    _, refusal = attempt(lambda: DeadlineScheduler(app).tick(now))
    if refusal is not None:
        assert refused, str(refusal)
        assert isinstance(refusal, InvalidInput)
        assert refusal.field == "now"
        assert app.event_count() == before
        return
    assert not refused, f"tick accepted {now!r}"
