"""Audit replay: the pilot as recorded at an instant, and the double submit (command ids)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import InvalidInput, Parcours, PilotNotFound, Settings
from tests.conftest import PARIS, Clock
from tests.support.roles import REFERENT_ID, staffed, with_referent
from tests.support.scenarios import LEAD, REFERENT


def test_a_double_submit_returns_the_first_result(app: Parcours) -> None:
    pilot = app.enroll(
        name="CC X",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 2),
        actor=LEAD,
        command_id="form-1",
    )
    again = app.enroll(
        name="CC X",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 2),
        actor=LEAD,
        command_id="form-1",
    )
    assert again == pilot
    assert len(app.list_pilots()) == 1
    person = app.designate_referent(pilot, actor=LEAD, command_id="form-2", **REFERENT)
    count = app.event_count()
    assert app.designate_referent(pilot, actor=LEAD, command_id="form-2", **REFERENT) == person
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD, command_id="form-3")
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD, command_id="form-3")
    assert app.event_count() == count + 1
    entry = app.history(pilot, actor=LEAD)[-1]
    assert entry.command_id == "form-3"


def test_a_command_id_cannot_be_reused_for_another_act(app: Parcours) -> None:
    pilot = app.enroll(
        name="CC X",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 2),
        actor=LEAD,
        command_id="form-1",
    )
    with_referent(app, pilot)
    with pytest.raises(InvalidInput, match=r"command_id.*enroll"):
        app.log_time(pilot, days=1, on=date(2024, 9, 3), actor=REFERENT_ID, command_id="form-1")


def test_before_the_pilot_existed_there_is_nothing(app: Parcours, clock: Clock) -> None:
    pilot = app.enroll(
        name="CC X", programme="grand-est-2024", charter_signed_on=date(2024, 9, 2), actor=LEAD
    )
    with pytest.raises(PilotNotFound):
        app.get_pilot(pilot, as_of=clock.now - timedelta(seconds=1), actor=LEAD)
    assert app.get_pilot(pilot, as_of=clock.now, actor=LEAD).version == 1


ACTS = st.lists(st.sampled_from(["log", "rex", "alert"]), min_size=1, max_size=30)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(acts=ACTS, interval=st.sampled_from([0, 2, 5]))
def test_as_of_between_events_equals_a_truncated_replay(
    tmp_path_factory: pytest.TempPathFactory, acts: list[str], interval: int
) -> None:
    folder = tmp_path_factory.mktemp("asof")
    clock = Clock(datetime(2025, 1, 6, 9, tzinfo=PARIS))
    app = staffed(
        Parcours(
            settings=Settings(url=f"sqlite:///{folder}/p.db", snapshot_interval=interval),
            clock=clock,
        )
    )
    pilot = app.enroll(
        name="CC X", programme="grand-est-2024", charter_signed_on=date(2024, 9, 2), actor=LEAD
    )
    instants = [clock.now]
    clock.now += timedelta(minutes=10)
    with_referent(app, pilot)  # version 2: the referent's grant, a fact on the pilot (R15)
    instants.append(clock.now)
    for i, act in enumerate(acts):
        clock.now += timedelta(minutes=10)
        if act == "log":
            app.log_time(pilot, days=0.5, on=date(2024, 10, 1), actor=REFERENT_ID)
        elif act == "rex":
            app.record_rex(pilot, session=f"s{i}", on=date(2024, 11, 1), actor=LEAD)
        else:
            app.raise_alert(
                pilot, kind="change", description="x", on=date(2024, 11, 2), actor=REFERENT_ID
            )
        instants.append(clock.now)
    for version, instant in enumerate(instants, start=1):
        between = instant + timedelta(minutes=5)
        replayed = app.pipeline.store.repository.get(pilot, version=version)
        assert app.get_pilot(pilot, as_of=between, actor=LEAD) == app.pilots.view(replayed)
        assert app.get_pilot(pilot, as_of=between, actor=LEAD).version == version
    app.close_connections()
