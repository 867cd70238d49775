"""R6 by the date of work: the same days worked, typed in any order on any later day, give
the same budget lines as typed on the day they were worked (issue 19)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import Parcours
from tests.conftest import PARIS, Clock
from tests.support.scenarios import INDICATOR, LEAD, REFERENT, REFERENT_ID, staffed, with_referent

SIGNED = date(2024, 9, 2)
PHASES = [
    ("start_diagnostic", date(2024, 9, 16)),
    ("complete_diagnostic", date(2024, 12, 12)),
    ("start_deployment", date(2025, 3, 3)),
    ("start_evaluation", date(2025, 7, 15)),
]
ASKED = date(2025, 8, 31)

entries = st.lists(
    st.tuples(
        st.dates(min_value=SIGNED, max_value=date(2025, 8, 20)),
        st.sampled_from([0.25, 0.5, 1.0]),
        st.integers(min_value=0, max_value=120),  # typed this many days later
    ),
    min_size=1,
    max_size=12,
)


def _pilot(app: Parcours, clock: Clock) -> object:
    clock.now = datetime.combine(SIGNED, time(9), PARIS)
    staffed(app)
    pilot = with_referent(
        app,
        app.enroll(name="CC X", programme="grand-est-2024", charter_signed_on=SIGNED, actor=LEAD),
    )
    app.designate_referent(pilot, actor=LEAD, on=SIGNED, **REFERENT)
    return pilot


def _move(app: Parcours, clock: Clock, pilot: object, step: str, day: date) -> None:
    clock.now = datetime.combine(day, time(9), PARIS)
    if step == "complete_diagnostic":
        project = app.recommend_project(pilot, title="Projet", theme="e-health", actor=LEAD)
        getattr(app, step)(pilot, on=day, actor=LEAD)
        app.frame_project(
            pilot, project, indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
        )
        return
    if step == "start_evaluation":
        [project] = app.get_pilot(pilot, actor=LEAD).projects
        app.report_indicator(
            pilot,
            project.project_id,
            key="people_helped",
            value=1,
            period="2025-Q2",
            on=day,
            actor=REFERENT_ID,
        )
    getattr(app, step)(pilot, on=day, actor=LEAD)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=entries, order=st.randoms(use_true_random=False))
def test_time_typed_late_and_in_any_order_gives_the_same_budget_lines(
    entries: list[tuple[date, float, int]], order: object
) -> None:
    # On their dates: each day logged on the day worked, between the phase changes.
    clock_a = Clock(datetime.combine(SIGNED, time(9), PARIS))
    on_time = Parcours(clock=clock_a)
    pilot_a = _pilot(on_time, clock_a)
    events = sorted(
        [(day, 1, ("phase", step)) for step, day in PHASES]
        + [(day, 0, ("log", amount)) for day, amount, _ in entries]
    )
    for day, _, (kind, what) in events:
        if kind == "phase":
            _move(on_time, clock_a, pilot_a, str(what), day)
        else:
            clock_a.now = datetime.combine(day, time(18), PARIS)
            on_time.log_time(pilot_a, days=float(what), on=day, actor=REFERENT_ID)

    # Late: the phases first, then every entry typed later, in a shuffled order.
    clock_b = Clock(datetime.combine(SIGNED, time(9), PARIS))
    late = Parcours(clock=clock_b)
    pilot_b = _pilot(late, clock_b)
    for step, day in PHASES:
        _move(late, clock_b, pilot_b, step, day)
    shuffled = list(entries)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    typed = max(PHASES[-1][1], *(d for d, _, _ in entries))
    for day, amount, delay in shuffled:
        clock_b.now = datetime.combine(typed + timedelta(days=delay), time(10), PARIS)
        late.log_time(pilot_b, days=amount, on=day, actor=REFERENT_ID)

    assert on_time.time_budget(pilot_a, today=ASKED, known_at=on_time.now()) == late.time_budget(
        pilot_b, today=ASKED, known_at=late.now()
    )
    on_time.close_connections()
    late.close_connections()
