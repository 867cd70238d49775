"""Hostile values at every command's door, on SQLite and PostgreSQL (issue 18).

The promise attacked: a value is either refused with `InvalidInput` naming its field and
nothing appended, or it comes back exactly as it was given, through the history, the views,
the dashboard and its exports. The specification of what must be refused lives in
`tests.adversarial.hostile`, written apart from `parcours.inputs`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from parcours import InvalidInput, Parcours, ParcoursError
from parcours.outputs import CSV_TRIGGERS, DASHBOARD_CSV, dashboard_cells, write_csv
from parcours.render import dashboard_table
from parcours.scheduler import DeadlineScheduler
from tests.adversarial.hostile import (
    FIXED_TEXT,
    as_number,
    hostile_dates,
    hostile_instants,
    hostile_numbers,
    hostile_periods,
    hostile_text,
    period_accepted,
    text_refused,
)
from tests.support.scenarios import (
    INDICATOR,
    LEAD,
    REFERENT,
    enrolled,
    in_deployment,
    in_diagnostic,
    in_evaluation,
    in_framing,
)

# Modest counts: every example runs on both backends and the whole file takes seconds.
HOSTILE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(HOSTILE, max_examples=12)
TODAY = date(2025, 4, 1)
OPENS, ENDS = date(2024, 1, 1), date(2026, 1, 31)  # grand-est-2024's window (R2)
CLOCK_DAY = date(2026, 3, 1)  # the conftest clock
_PREPARED: dict[tuple[int, str], dict[str, Any]] = {}


def at_the_door(app: Parcours, name: str, act: Callable[[], Any], *, refused: bool) -> Any:
    """Run `act`: a refusal appends nothing, and is an InvalidInput naming `name` when the
    specification refuses the value. Returns (accepted, result)."""
    before = app.event_count()
    result, refusal = attempt(act)
    if refusal is not None:
        assert app.event_count() == before, "a refused command appended events"
        if refused:
            assert isinstance(refusal, InvalidInput), repr(refusal)
            assert name in refusal.field, (name, refusal.field)
        return False, None
    assert not refused, f"{name}: a value the policy refuses was accepted"
    return True, result


def attempt(act: Callable[[], Any]) -> tuple[Any, ParcoursError | None]:
    try:
        return act(), None
    except ParcoursError as exc:
        return None, exc


def prepared(app: Parcours, make: Callable[[Parcours], dict[str, Any]]) -> dict[str, Any]:
    """What a test's examples share (one pilot in the right phase), made once per database."""
    key = (id(make), app.settings.url)
    if key not in _PREPARED:
        _PREPARED[key] = make(app)
    return _PREPARED[key]


def last_fields(app: Parcours, pilot: Any) -> dict[str, Any]:
    return app.history(pilot)[-1].fields


# -- the pilot's name, through every output ------------------------------------------------


def csv_cell_back(cell: str) -> str:
    """Undo the CSV neutralisation: one leading quote before a trigger character."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in CSV_TRIGGERS and cell[1:2] else cell


@HOSTILE
@given(name=hostile_text)
def test_a_pilot_name_is_refused_at_the_door_or_shown_exactly_everywhere(
    app: Parcours, name: str
) -> None:
    accepted, pilot = at_the_door(
        app,
        "name",
        lambda: app.enroll(
            name=name, programme="grand-est-2024", charter_signed_on=OPENS, actor=LEAD
        ),
        refused=text_refused(name, max_length=200, multiline=False),
    )
    if not accepted:
        return
    assert app.get_pilot(pilot).name == name
    assert app.history(pilot)[0].fields["name"] == name
    assert [p.name for p in app.list_pilots() if p.id == pilot] == [name]
    board = app.dashboard(today=TODAY)
    row = next(r for r in board.rows if r.pilot_id == pilot)
    assert row.name == name
    assert json.loads(json.dumps(row.model_dump(mode="json"), allow_nan=False))["name"] == name
    buffer = io.StringIO()
    write_csv(buffer, DASHBOARD_CSV, [dashboard_cells(row)])
    cell = list(csv.reader(io.StringIO(buffer.getvalue())))[1][1]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), "a formula reached the CSV"
    assert csv_cell_back(cell) == name
    assert html.escape(name) in app.report_html(today=TODAY)
    screen = Console(file=io.StringIO(), width=400, color_system=None)
    screen.print(dashboard_table(board))  # markup in a name must neither crash nor style


def test_a_nul_byte_in_a_pilot_name_is_refused_at_the_door(app: Parcours) -> None:
    # On PostgreSQL it used to be appended, then crash the read model (and a worker for ever).
    worker_mode = Parcours(
        app.settings.url, settings=app.settings.model_copy(update={"project_after_commands": False})
    )
    for instance in (app, worker_mode):
        before = instance.event_count()
        with pytest.raises(InvalidInput, match="U\\+0000") as refusal:
            instance.enroll(
                name="CC\x00Ardenne",
                programme="grand-est-2024",
                charter_signed_on=OPENS,
                actor=LEAD,
            )
        assert refusal.value.field == "name"
        assert instance.event_count() == before
    worker_mode.close_connections()
    assert app.catch_up_projections() == 0


# -- every plain text field of every command -----------------------------------------------


def _diagnosing(app: Parcours) -> dict[str, Any]:
    return {"pilot": in_diagnostic(app)}


def _deploying(app: Parcours) -> dict[str, Any]:
    pilot, project = in_deployment(app)
    return {"pilot": pilot, "project": project}


def _evaluating(app: Parcours) -> dict[str, Any]:
    pilot, project = in_evaluation(app)
    return {"pilot": pilot, "project": project}


def _framing(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    pilot, project = in_framing(app)
    return {"pilot": pilot, "project": project}


def _fresh(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pilot": enrolled(app, name="CC du Pays de Bitche")}


def _requested(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    comm = app.request_communication(ctx["pilot"], title="Lettre", on=TODAY, actor=LEAD)
    return {**ctx, "communication": comm}


def _blocked(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    blocker = app.raise_blocker(ctx["pilot"], description="Réseau", on=TODAY, actor=LEAD)
    return {**ctx, "blocker": blocker}


def _contact(app: Parcours, c: dict[str, Any], person: UUID) -> Any:
    return next(x for x in app.get_pilot(c["pilot"]).contacts if x.person_id == person)


def _project(app: Parcours, c: dict[str, Any], project: UUID) -> Any:
    return next(x for x in app.get_pilot(c["pilot"]).projects if x.project_id == project)


def _communication(app: Parcours, c: dict[str, Any]) -> Any:
    comms = app.get_pilot(c["pilot"]).communications
    return next(x for x in comms if x.communication_id == c["communication"])


@dataclass(frozen=True)
class TextField:
    name: str  # as InvalidInput names it
    max_length: int
    multiline: bool
    act: Callable[[Parcours, dict[str, Any], str], Any]
    read: Callable[[Parcours, dict[str, Any], Any], Any]
    prepare: Callable[[Parcours], dict[str, Any]] = field(default=lambda app: {})
    setup: Callable[[Parcours, dict[str, Any]], dict[str, Any]] = field(default=lambda a, c: c)


def _referent(key: str) -> TextField:
    return TextField(
        key,
        200,
        False,
        lambda app, c, v: app.designate_referent(c["pilot"], actor=LEAD, **{**REFERENT, key: v}),
        lambda app, c, person: getattr(_contact(app, c, person), key),
        _diagnosing,
    )


TEXT_FIELDS = [
    _referent("first_name"),
    _referent("last_name"),
    _referent("title"),
    TextField(
        "title",
        200,
        False,
        lambda app, c, v: app.recommend_project(
            c["pilot"], title=v, theme="digital-inclusion", actor=LEAD
        ),
        lambda app, c, project: _project(app, c, project).title,
        _diagnosing,
    ),
    TextField(
        "session",
        200,
        False,
        lambda app, c, v: app.record_rex(c["pilot"], session=v, on=date(2024, 11, 28), actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["session"],
        _diagnosing,
    ),
    TextField(
        "description",
        2000,
        True,
        lambda app, c, v: app.raise_alert(
            c["pilot"], kind="change", description=v, on=TODAY, actor=LEAD
        ),
        lambda app, c, alert: next(
            a.description for a in app.get_pilot(c["pilot"]).alerts if a.alert_id == alert
        ),
        _deploying,
    ),
    TextField(
        "title",
        300,
        False,
        lambda app, c, v: app.request_communication(c["pilot"], title=v, on=TODAY, actor=LEAD),
        lambda app, c, comm: _communication(app, {**c, "communication": comm}).title,
        _deploying,
    ),
    TextField(
        "reason",
        2000,
        True,
        lambda app, c, v: app.decide_communication(
            c["pilot"], c["communication"], approved=False, reason=v, on=TODAY, actor=LEAD
        ),
        lambda app, c, _: _communication(app, c).reason,
        _deploying,
        _requested,
    ),
    TextField(
        "reason",
        2000,
        True,
        lambda app, c, v: app.withdraw(c["pilot"], reason=v, on=TODAY, actor=LEAD),
        lambda app, c, _: app.get_pilot(c["pilot"]).withdrawal_reason,
        setup=_fresh,
    ),
    TextField(
        "findings",
        2000,
        True,
        lambda app, c, v: app.record_evaluation(
            c["pilot"], findings=v, recommendations="Étendre", replicable=True, actor=LEAD
        ),
        lambda app, c, _: app.get_pilot(c["pilot"]).evaluation.findings,  # type: ignore[union-attr]
        _evaluating,
    ),
    TextField(
        "recommendations",
        2000,
        True,
        lambda app, c, v: app.record_evaluation(
            c["pilot"], findings="Trois villages", recommendations=v, replicable=False, actor=LEAD
        ),
        lambda app, c, _: app.get_pilot(c["pilot"]).evaluation.recommendations,  # type: ignore[union-attr]
        _evaluating,
    ),
    TextField(
        "evaluation_protocol",
        2000,
        True,
        lambda app, c, v: app.frame_project(
            c["pilot"], c["project"], indicators=[INDICATOR], evaluation_protocol=v, actor=LEAD
        ),
        lambda app, c, _: _project(app, c, c["project"]).evaluation_protocol,
        setup=_framing,
    ),
    TextField(
        "label",
        200,
        False,
        lambda app, c, v: app.frame_project(
            c["pilot"],
            c["project"],
            indicators=[{**INDICATOR, "label": v}],
            evaluation_protocol="Comptage",
            actor=LEAD,
        ),
        lambda app, c, _: _project(app, c, c["project"]).indicators[0].label,
        setup=_framing,
    ),
    TextField(
        "name",
        200,
        False,
        lambda app, c, v: app.source_solution(
            c["pilot"], c["project"], name=v, provider="Grand E-Nov+", regional=True, actor=LEAD
        ),
        lambda app, c, _: last_fields(app, c["pilot"])["name"],
        _deploying,
    ),
    TextField(
        "provider",
        200,
        False,
        lambda app, c, v: app.source_solution(
            c["pilot"], c["project"], name="Plateforme", provider=v, regional=True, actor=LEAD
        ),
        lambda app, c, _: last_fields(app, c["pilot"])["provider"],
        _deploying,
    ),
    TextField(
        "description",
        2000,
        True,
        lambda app, c, v: app.raise_blocker(c["pilot"], description=v, on=TODAY, actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["description"],
        _deploying,
    ),
    TextField(
        "how",
        2000,
        True,
        lambda app, c, v: app.lift_blocker(c["pilot"], c["blocker"], how=v, on=TODAY, actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["how"],
        _deploying,
        _blocked,
    ),
    TextField(
        "title",
        200,
        False,
        lambda app, c, v: app.schedule_rex(
            "grand-est-2024", on=date(2025, 6, 12), kind="collective", title=v, actor=LEAD
        ),
        lambda app, c, session: next(
            s["title"] for s in app.rex_sessions() if s["session_id"] == str(session)
        ),
    ),
]


@pytest.mark.parametrize(
    "spec", TEXT_FIELDS, ids=[f"{i}-{spec.name}" for i, spec in enumerate(TEXT_FIELDS)]
)
@FEW
@given(value=hostile_text)
def test_every_text_field_is_refused_at_the_door_or_kept_exactly(
    app: Parcours, spec: TextField, value: str
) -> None:
    ctx = spec.setup(app, prepared(app, spec.prepare))
    refused = text_refused(value, max_length=spec.max_length, multiline=spec.multiline)
    before = app.event_count()
    result, refusal = attempt(lambda: spec.act(app, ctx, value))
    if refusal is not None:
        assert app.event_count() == before, "a refused command appended events"
        named = isinstance(refusal, InvalidInput) and spec.name in refusal.field
        # Refused by the policy: InvalidInput naming the field. Accepted by the policy: only a
        # rule of the charter (or another field) may refuse the command.
        assert named if refused else not named, repr(refusal)
        return
    assert not refused, f"{spec.name}: a value the policy refuses was accepted"
    assert spec.read(app, ctx, result) == value


# -- identifiers and closed vocabularies ---------------------------------------------------

ACTOR = re.compile(r"[A-Za-z0-9_.@-]+(:[A-Za-z0-9_.@-]+)*")
actors = st.one_of(
    hostile_text,
    st.sampled_from(["agency:lead", "pilot:ardenne@ccarm", "a" * 100, "a" * 101, "cli", ":x"]),
)


@HOSTILE
@given(actor=actors)
def test_an_actor_is_a_short_identifier_or_refused(app: Parcours, actor: str) -> None:
    pilot = prepared(app, _deploying)["pilot"]
    refused = len(actor) > 100 or not ACTOR.fullmatch(actor)
    accepted, _ = at_the_door(
        app,
        "actor",
        lambda: app.log_time(pilot, days=0.5, on=TODAY, actor=actor),
        refused=refused,
    )
    if accepted:
        assert app.history(pilot)[-1].actor == actor


CLOSED = {
    "programme": lambda app, c, v: app.enroll(
        name="CC X", programme=v, charter_signed_on=OPENS, actor=LEAD
    ),
    "siren": lambda app, c, v: app.enroll(
        name="CC X", programme="grand-est-2024", siren=v, charter_signed_on=OPENS, actor=LEAD
    ),
    "theme": lambda app, c, v: app.recommend_project(c["pilot"], title="P", theme=v, actor=LEAD),
    "phone": lambda app, c, v: app.designate_referent(
        c["pilot"], actor=LEAD, **{**REFERENT, "phone": v}
    ),
    "role": lambda app, c, v: app.designate_referent(
        c["pilot"], actor=LEAD, **{**REFERENT, "role": v}
    ),
    "kind": lambda app, c, v: app.raise_alert(c["pilot"], kind=v, description="x", actor=LEAD),
    "key": lambda app, c, v: app.report_indicator(
        c["pilot"], c["project"], key=v, value=1, period="2025-Q2", actor=LEAD
    ),
    "scheme": lambda app, c, v: app.identify_funding(
        c["pilot"], c["project"], scheme=v, amount_eur=1000, rate=0.5, months=12, actor=LEAD
    ),
}


@pytest.mark.parametrize("name", list(CLOSED))
@FEW
@given(value=hostile_text)
def test_a_hostile_value_never_enters_a_closed_vocabulary(
    app: Parcours, name: str, value: str
) -> None:
    ctx = prepared(app, _deploying)
    before = app.event_count()
    with pytest.raises(ParcoursError) as refusal:
        CLOSED[name](app, ctx, value)
    assert app.event_count() == before
    if text_refused(value, max_length=200, multiline=False):
        assert isinstance(refusal.value, InvalidInput), repr(refusal.value)
        assert name in refusal.value.field


@HOSTILE
@given(local=hostile_text)
def test_an_email_is_refused_at_the_door_or_kept_exactly(app: Parcours, local: str) -> None:
    pilot = prepared(app, _diagnosing)["pilot"]
    email = f"{local}@example.org"
    accepted, person = at_the_door(
        app,
        "email",
        lambda: app.designate_referent(pilot, actor=LEAD, **{**REFERENT, "email": email}),
        refused=text_refused(email, max_length=254, multiline=False),
    )
    if accepted:
        assert _contact(app, {"pilot": pilot}, person).email == email


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
        lambda a, c, v: a.log_time(c["pilot"], days=v, on=TODAY, actor=LEAD),
        low_open=True,
    ),
    NumberField(
        "value",
        -1e12,
        1e12,
        lambda a, c, v: a.report_indicator(
            c["pilot"], c["project"], key="people_helped", value=v, period="2025-Q2", actor=LEAD
        ),
    ),
    NumberField(
        "amount_eur",
        0,
        1e9,
        lambda a, c, v: a.identify_funding(
            c["pilot"],
            c["project"],
            scheme="fne-call-for-projects",
            amount_eur=v,
            rate=0.6,
            months=12,
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
            scheme="fne-call-for-projects",
            amount_eur=1000,
            rate=v,
            months=12,
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
            scheme="fne-call-for-projects",
            amount_eur=1000,
            rate=0.6,
            months=v,
            actor=LEAD,
        ),
        integral=True,
    ),
]


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
    ctx = prepared(app, _deploying)
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
        assert app.get_pilot(pilot).charter_signed_on == day


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
        found = [s["on"] for s in app.rex_sessions() if s["session_id"] == str(session)]
        assert [str(on) for on in found] == [day.isoformat()]


@HOSTILE
@given(day=hostile_dates)
def test_a_business_date_lies_between_the_charter_and_today_or_is_refused(
    app: Parcours, day: date
) -> None:
    pilot = prepared(app, _deploying)["pilot"]
    accepted, _ = at_the_door(
        app,
        "on",
        lambda: app.log_time(pilot, days=0.5, on=day, actor=LEAD),
        refused=not date(2024, 9, 2) <= day <= CLOCK_DAY,
    )
    if accepted:
        assert app.history(pilot)[-1].effective == day


@HOSTILE
@given(period=hostile_periods)
def test_an_indicator_period_parses_and_falls_in_the_programme_or_is_refused(
    app: Parcours, period: str
) -> None:
    ctx = prepared(app, _deploying)
    accepted, _ = at_the_door(
        app,
        "period",
        lambda: app.report_indicator(
            ctx["pilot"], ctx["project"], key="people_helped", value=5, period=period, actor=LEAD
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
    prepared(app, _diagnosing)
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
    prepared(app, _diagnosing)
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


def test_the_fixed_hostile_strings_include_the_issue_s_cases() -> None:
    joined = "".join(FIXED_TEXT)
    for needle in ("\x00", "\x1b[", "\x1b]8;;", "\u202e", "[/]", "=HYPERLINK", "\ud800"):
        assert needle in joined
    assert any(len(s) >= 1_000_000 for s in FIXED_TEXT)
