"""Whatever the ticks' timing, the history holds exactly the facts the pure rules owe."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import Parcours, ParcoursError
from parcours.domain.deadlines import mark, owed
from parcours.scheduler import DeadlineScheduler
from tests.conftest import PARIS, Clock
from tests.support.roles import REFERENT_ID, staffed, with_referent
from tests.support.scenarios import INDICATOR, LEAD, REFERENT

START = date(2024, 9, 2)
ACTS = [
    "tick",
    "tick",
    "start_diagnostic",
    "complete_diagnostic",
    "start_deployment",
    "follow_up",
    "follow_up",
    "rex",
    "start_evaluation",
    "withdraw",
]

steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=20), st.sampled_from(ACTS)),
    min_size=1,
    max_size=45,
)


def _act(app: Parcours, pilot: object, act: str, day: date, project: object) -> None:
    if act == "start_diagnostic":
        app.start_diagnostic(pilot, on=day, actor=LEAD)
    elif act == "complete_diagnostic":
        app.complete_diagnostic(pilot, on=day, actor=LEAD)
    elif act == "start_deployment":
        app.frame_project(
            pilot, project, indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
        )
        app.start_deployment(pilot, on=day, actor=LEAD)
    elif act == "follow_up":
        app.record_follow_up(pilot, on=day, actor=LEAD)
    elif act == "rex":
        app.record_rex(pilot, session=f"rex-{day}", on=day, actor=LEAD)
    elif act == "start_evaluation":
        app.report_indicator(
            pilot, project, key="people_helped", value=1, period="2025", actor=REFERENT_ID
        )
        app.start_evaluation(pilot, on=day, actor=LEAD)
    elif act == "withdraw":
        app.withdraw(pilot, reason="Council vote", on=day, actor=LEAD)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_recorded_facts_equal_what_the_rules_owe_at_the_last_tick(
    steps: list[tuple[int, str]],
) -> None:
    clock = Clock(datetime.combine(START, time(9), PARIS))
    app = staffed(Parcours(clock=clock))
    pilot = app.enroll(
        name="CC Sauer-Pechelbronn", programme="grand-est-2024", charter_signed_on=START, actor=LEAD
    )
    with_referent(app, pilot)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    scheduler = DeadlineScheduler(app)
    day = START
    project = None
    last_tick = clock.now
    for gap, act in steps:
        day += timedelta(days=gap)
        clock.set(day, time(12))
        if act == "tick":
            last_tick = clock.now
            scheduler.tick(last_tick)
            continue
        if project is None and app.get_pilot(pilot, actor=LEAD).phase == "diagnostic":
            project = app.recommend_project(pilot, title="Projet", theme="e-health", actor=LEAD)
        # A command the phase refuses is fine: the property is about the deadlines.
        with suppress(ParcoursError):
            _act(app, pilot, act, day, project)
    final = clock.now.astimezone(UTC) + timedelta(minutes=1)
    clock.now = final  # a tick may not run ahead of the clock (issue 18)
    scheduler.tick(final)

    state = app.pipeline.load(pilot)
    expected = {
        f.key for f in owed(app.programme("grand-est-2024"), state.deadline_history(), final)
    }
    recorded = [
        mark(
            {
                "DeadlineApproaching": "approaching",
                "RetentionNoticeDue": "approaching",
                "DeadlineMissed": "missed",
                "DeadlineMet": "met",
                "DeadlineRetracted": "retracted",
                "ExperimentEnded": "ended",
            }[e.event_type],
            e.fields["rule"],
            e.fields["due"],
            e.fields.get("offset", 0),
        )
        for e in app.history(pilot, actor=LEAD)
        if e.event_type.startswith(("Deadline", "Retention", "Experiment"))
    ]
    assert len(recorded) == len(set(recorded)), "a fact was recorded twice"
    assert set(recorded) == expected
    app.close_connections()
