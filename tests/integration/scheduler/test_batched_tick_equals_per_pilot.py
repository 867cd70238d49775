"""The cohort tick (rows judged from the kept deadline state, owing pilots recorded in
batches) records exactly what the per-pilot path records, tick after tick, and each fact
once (issue 23).

Three twins act alike: the cohort tick as shipped; the same with the kept state of every
queue row cleared before each tick (a database of an earlier version: pilots loaded in
bulk, then judged); and the per-pilot path of before, each due pilot run through
`Pipeline.run` on its own and loaded again for the retention check."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from parcours import Parcours, ParcoursError
from parcours.scheduler import DeadlineScheduler
from parcours.scheduler.cohort_tick import CohortTick, Outcome
from parcours.store import queue
from parcours.store.schema import deadline_queue
from tests.conftest import PARIS, Clock
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import INDICATOR, REFERENT, enrolled

START = date(2024, 9, 16)
ACTIONS = ["advance", "follow_up", "rex", "withdraw", "nothing"]


def _advance(app: Parcours, pilot: UUID, on: date) -> None:
    phase = app.get_pilot(pilot, actor=LEAD).phase
    if phase == "diagnostic":
        app.recommend_project(pilot, title="Portail", theme="e-administration", actor=LEAD)
        app.complete_diagnostic(pilot, on=on, actor=LEAD)
    elif phase == "framing":
        project = app.get_pilot(pilot, actor=LEAD).projects[0].project_id
        app.frame_project(
            pilot, project, indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
        )
        app.start_deployment(pilot, on=on, actor=LEAD)
    elif phase == "deployment":
        app.start_evaluation(pilot, on=on, actor=LEAD)
    elif phase == "evaluation":
        app.record_evaluation(
            pilot, findings="Done", recommendations="More", replicable=True, actor=LEAD
        )
        app.close(pilot, on=on, actor=LEAD)


def _act(app: Parcours, pilot: UUID, action: str, on: date) -> str:
    try:
        if action == "advance":
            _advance(app, pilot, on)
        elif action == "follow_up":
            app.record_follow_up(pilot, on=on, actor=LEAD)
        elif action == "rex":
            app.record_rex(pilot, on=on, session=f"rex-{on.isoformat()}", actor=LEAD)
        elif action == "withdraw":
            app.withdraw(pilot, reason="Left", on=on, actor=LEAD)
    except ParcoursError as refused:
        return type(refused).__name__
    return "ok"


def per_pilot(cohort: CohortTick) -> Any:
    """The tick's loop of before: each due pilot on its own."""

    def evaluate(rows: list[queue.Due], versions: dict[str, int], now: datetime) -> Outcome:
        outcome = Outcome()
        for row in rows:
            pilot_id = UUID(row.pilot_id)
            outcome.recorded.extend(cohort.evaluate_one(pilot_id, now))
            pilot = cohort.pipeline.load(pilot_id)
            if pilot.phase != "purged" and cohort.app.personal_data.retention_ended(
                pilot.programme, now
            ):
                outcome.purge.append(pilot_id)
        return outcome

    return evaluate


class Twin:
    def __init__(self, mode: str) -> None:
        self.clock = Clock(datetime.combine(START, time(12), PARIS))
        self.app = staffed(Parcours("sqlite:///:memory:", clock=self.clock))
        self.mode = mode
        self.scheduler = DeadlineScheduler(self.app, batch=2)
        if mode == "per-pilot":
            cohort = self.scheduler._cohort
            cohort.evaluate = per_pilot(cohort)  # type: ignore[method-assign]
        self.pilots: list[UUID] = []

    def tick(self, at: datetime) -> set[tuple[int, str, str, date, int]]:
        if self.mode == "no-state":
            with self.app.pipeline.writing() as session:
                session.execute(update(deadline_queue).values(rules=None, version=None))
        report = self.scheduler.tick(at)
        index = {p: i for i, p in enumerate(self.pilots)}
        found = [(index[r.pilot_id], r.kind, r.rule, r.due, r.offset) for r in report.recorded]
        assert len(found) == len(set(found)), found
        return set(found)

    def facts(self) -> list[Counter[tuple[str, Any, Any, Any]]]:
        return [
            Counter(
                (e.event_type, e.fields.get("rule"), e.fields.get("due"), e.fields.get("offset"))
                for e in self.app.history(p, actor=LEAD)
                if e.event_type.startswith(("Deadline", "Retention", "Experiment"))
            )
            for p in self.pilots
        ]


steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=75),
        st.lists(st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS)), max_size=4),
    ),
    min_size=1,
    max_size=9,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # A failing example is worth reading at once: shrinking three applications is slow.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(steps=steps)
def test_the_batched_tick_records_what_the_per_pilot_path_records(
    steps: list[tuple[int, list[tuple[int, str]]]],
) -> None:
    twins = [Twin("cohort"), Twin("no-state"), Twin("per-pilot")]
    for twin in twins:
        for i in range(3):
            pilot = enrolled(twin.app, name=f"CC {i}")
            twin.app.designate_referent(pilot, actor=LEAD, **REFERENT)
            twin.app.start_diagnostic(pilot, on=START, actor=LEAD)
            twin.pilots.append(pilot)
    day = START
    ticked_any = False
    for gap, actions in steps:
        day += timedelta(days=gap)
        at = datetime.combine(day, time(9), PARIS).astimezone(UTC)
        outcomes = []
        recorded = []
        for twin in twins:
            twin.clock.now = at
            outcomes.append([_act(twin.app, twin.pilots[i], a, day) for i, a in actions])
            recorded.append(twin.tick(at))
        assert outcomes[0] == outcomes[1] == outcomes[2]
        assert recorded[0] == recorded[1] == recorded[2], (day, recorded)
        ticked_any = ticked_any or bool(recorded[0])
        # A second tick at the same instant owes nothing, on either path.
        assert twins[0].tick(at) == set()
    # Then on past the end of the experiment and of retention (R2, R13: the purge).
    for late in (date(2025, 12, 31), date(2026, 2, 2)):
        at = datetime.combine(max(day, late), time(9), PARIS).astimezone(UTC)
        recorded = []
        for twin in twins:
            twin.clock.now = at
            recorded.append(twin.tick(at))
        assert recorded[0] == recorded[1] == recorded[2], (late, recorded)
        ticked_any = ticked_any or bool(recorded[0])
    assert ticked_any
    batched, no_state, one_by_one = (twin.facts() for twin in twins)
    assert batched == no_state == one_by_one
    for facts in batched:
        assert set(facts.values()) <= {1}, facts
    for twin in twins:
        twin.app.close_connections()
