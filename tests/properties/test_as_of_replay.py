"""As of, everywhere (issue 20): what the cohort queries answer for a past day, asked much
later, is what they answered on that day.

A small cohort is played over the months of the Parcours with an injected clock: each act is
recorded on its day at a drawn hour (Paris; late evening acts are the next day in UTC), time
is sometimes typed days after it was worked, and on the days drawn for checking, once that
day's acts are recorded, the dashboard, the time budgets, the cadence, the indicators, the
REX attendance and the report are captured with the clock still on that day. Then, with the
clock a year later, `today=D` must give back exactly what was captured on D: pilots enrolled
after D absent (their own queries: PilotNotFound), phases and acts recorded after D unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import Parcours, PilotNotFound
from tests.conftest import PARIS, Clock
from tests.support.scenarios import INDICATOR, LEAD, REFERENT, REFERENT_ID, staffed, with_referent

SIGNED = date(2024, 9, 2)
WINDOW = (date(2024, 8, 28), date(2025, 9, 30))
LATER = datetime(2026, 9, 1, 10, tzinfo=PARIS)


@dataclass(frozen=True)
class Act:
    day: date  # recorded on this day (Paris)
    rank: int  # order among one pilot's acts of one day
    pilot: int
    name: str
    args: tuple[Any, ...] = ()
    minute: int = 0  # of its day, Paris time

    @property
    def at(self) -> datetime:
        return datetime.combine(self.day, time(self.minute // 60, self.minute % 60), PARIS)


@st.composite
def pilot_script(draw: st.DrawFn, n: int) -> list[Act]:
    """One pilot's acts: enrolment, then as far as its drawn stage, with work in between."""
    enrol = SIGNED + timedelta(days=draw(st.integers(0, 40)))
    diagnostic = enrol + timedelta(days=draw(st.integers(1, 20)))
    complete = diagnostic + timedelta(days=draw(st.integers(20, 130)))
    deploy = complete + timedelta(days=draw(st.integers(5, 90)))
    stage = draw(st.integers(1, 4))  # 1 enrolled, 2 diagnostic, 3 framing, 4 deployment
    acts = [Act(enrol, 0, n, "enroll", (enrol,)), Act(enrol, 1, n, "referent")]
    if stage >= 2:
        acts.append(Act(diagnostic, 0, n, "start_diagnostic", (diagnostic,)))
        end = {2: date(2025, 8, 31), 3: deploy, 4: date(2025, 8, 31)}[stage]
        for offset, amount, delay in draw(
            st.lists(
                st.tuples(
                    st.integers(0, 330), st.sampled_from([0.5, 1.0, 2.0]), st.integers(0, 25)
                ),
                max_size=4,
            )
        ):
            worked = min(diagnostic + timedelta(days=offset), end)
            acts.append(Act(worked + timedelta(days=delay), 5, n, "log_time", (worked, amount)))
        rex = draw(st.sets(st.sampled_from(["2024", "2025a", "2025b"]), max_size=3))
        for name in sorted(rex):
            day = {"2024": date(2024, 11, 28), "2025a": date(2025, 3, 20)}.get(
                name, date(2025, 6, 5)
            )
            acts.append(Act(max(day, enrol), 6, n, "rex", (name, max(day, enrol))))
    if stage >= 3:
        acts.append(Act(complete, 1, n, "complete", (complete,)))
        for offset in draw(st.lists(st.integers(0, 200), max_size=4)):
            on = complete + timedelta(days=offset)
            if stage == 3 and on > deploy:
                continue
            acts.append(Act(on, 7, n, "follow_up", (on,)))
    if stage >= 4:
        acts.append(Act(deploy, 2, n, "deploy", (deploy,)))
        for offset, value in draw(
            st.lists(st.tuples(st.integers(0, 120), st.integers(0, 300)), max_size=2)
        ):
            on = deploy + timedelta(days=offset)
            acts.append(Act(on, 8, n, "report", (on, value)))
    return acts


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[list[Act], list[date]]:
    """Three pilots' acts in the order they are recorded, and the days to check."""
    acts = [a for n in range(3) for a in draw(pilot_script(n))]
    # Each act at a minute of its day: the minutes drawn, sorted, given in the day's order.
    timed = []
    for day in sorted({a.day for a in acts}):
        todays = sorted((a for a in acts if a.day == day), key=lambda a: (a.rank, a.pilot))
        minutes = draw(
            st.lists(st.integers(0, 23 * 60 + 58), min_size=len(todays), max_size=len(todays))
        )
        timed.extend(replace(a, minute=m) for a, m in zip(todays, sorted(minutes), strict=True))
    checked = draw(st.lists(st.dates(*WINDOW), min_size=2, max_size=4, unique=True))
    # Always a day an act was recorded on (its acts count) and the day before it.
    some = draw(st.sampled_from(sorted({a.day for a in acts})))
    return timed, sorted({*checked, some, some - timedelta(days=1)})


def _play(app: Parcours, act: Act, pilots: dict[int, UUID], projects: dict[int, UUID]) -> None:
    n = act.pilot
    if act.name == "enroll":
        pilots[n] = with_referent(
            app,
            app.enroll(
                name=f"CC pilote {n}",
                programme="grand-est-2024",
                charter_signed_on=act.args[0],
                actor=LEAD,
            ),
        )
        return
    pilot = pilots[n]
    if act.name == "referent":
        app.designate_referent(pilot, actor=LEAD, **REFERENT)
    elif act.name == "start_diagnostic":
        app.start_diagnostic(pilot, on=act.args[0], actor=LEAD)
    elif act.name == "log_time":
        app.log_time(pilot, days=act.args[1], on=act.args[0], actor=REFERENT_ID)
    elif act.name == "rex":
        app.record_rex(pilot, session=f"rex-{act.args[0]}", on=act.args[1], actor=LEAD)
    elif act.name == "complete":
        projects[n] = app.recommend_project(
            pilot, title="Guichet", theme="digital-inclusion", actor=LEAD
        )
        app.complete_diagnostic(pilot, on=act.args[0], actor=LEAD)
        app.frame_project(
            pilot, projects[n], indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
        )
    elif act.name == "follow_up":
        app.record_follow_up(pilot, on=act.args[0], actor=LEAD)
    elif act.name == "deploy":
        app.start_deployment(pilot, on=act.args[0], actor=LEAD)
    elif act.name == "report":
        period = f"{act.args[0].year}-Q{(act.args[0].month - 1) // 3 + 1}"
        app.report_indicator(
            pilot,
            projects[n],
            key="people_helped",
            value=act.args[1],
            period=period,
            on=act.args[0],
            actor=REFERENT_ID,
        )


def _answer(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except PilotNotFound:
        return PilotNotFound


def _capture(app: Parcours, pilots: list[UUID], today: date | None) -> dict[str, Any]:
    """Every cohort question, about `pilots` (ids, enrolled by now or later)."""
    found: dict[str, Any] = {
        "dashboard": app.dashboard(today=today),
        "rex": [app.rex_attendance(year, today=today) for year in (2024, 2025)],
        "report": app.report_html(today=today),
    }
    for pilot in pilots:
        found[f"{pilot} budget"] = _answer(lambda p=pilot: app.time_budget(p, today=today))
        found[f"{pilot} cadence"] = _answer(lambda p=pilot: app.follow_up_cadence(p, today=today))
        found[f"{pilot} indicators"] = _answer(lambda p=pilot: app.indicators(p, today=today))
    return found


def _check(new_url: Callable[[], str], script: tuple[list[Act], list[date]]) -> None:
    acts, checked = script
    clock = Clock(datetime.combine(WINDOW[0], time(8), PARIS))
    app = staffed(Parcours(new_url(), clock=clock))
    pilots: dict[int, UUID] = {}
    projects: dict[int, UUID] = {}
    captured: dict[date, dict[str, Any]] = {}
    played = 0
    for day in checked:
        while played < len(acts) and acts[played].day <= day:
            clock.now = acts[played].at
            _play(app, acts[played], pilots, projects)
            played += 1
        clock.now = datetime.combine(day, time(23, 59, 30), PARIS)
        captured[day] = _capture(app, list(pilots.values()), None)
    for act in acts[played:]:
        clock.now = act.at
        _play(app, act, pilots, projects)

    clock.now = LATER
    for day in checked:
        then = captured[day]
        now = _capture(app, list(pilots.values()), day)
        assert now["dashboard"] == then["dashboard"], day
        assert now["rex"] == then["rex"], day
        assert now["report"] == then["report"], day
        for pilot in pilots.values():
            for what in ("budget", "cadence", "indicators"):
                expected = then.get(f"{pilot} {what}", PilotNotFound)  # enrolled after `day`
                assert now[f"{pilot} {what}"] == expected, (day, what)
    app.close_connections()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_past_day_answers_what_that_day_answered(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if backend == "postgres":
        server = request.getfixturevalue("postgres_server")

        def new_url() -> str:
            return str(server.create_database(f"asof_{uuid4().hex[:12]}"))
    else:

        def new_url() -> str:
            return f"sqlite:///{tmp_path_factory.mktemp('asof')}/p.db"

    @settings(
        max_examples=12 if backend == "sqlite" else 4,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(script=cohorts())
    def run(script: Any) -> None:
        _check(new_url, script)

    run()
