"""The pilot's own deep copy: what the repository hands each command must share nothing
mutable with the cached pilot, and hold the same state."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from uuid import uuid4

from parcours.domain.pilot import Act, Pilot
from parcours.programme import load_programme
from tests.support.pilots import enrolled_pilot

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)


def _pilot() -> Pilot:
    pilot, act = enrolled_pilot(NOW)
    pilot.designate_referent(
        act, date(2024, 9, 3), person_id=str(uuid4()), role="operational", sealed={"x": "y"}
    )
    pilot.start_diagnostic(act, date(2024, 9, 16))
    pilot.log_time(act, date(2024, 10, 1), 0.5)
    pilot.record_rex(act, date(2024, 11, 28), "rex-2024")
    pilot.recommend_project(
        act,
        load_programme("grand-est-2024"),
        project_id=str(uuid4()),
        title="Guichet",
        theme="digital-inclusion",
    )
    return pilot


def _containers(value: object, path: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        found = [(path, value)]
        for key, item in value.items():
            found += _containers(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = [(path, value)]
        for index, item in enumerate(value):
            found += _containers(item, f"{path}[{index}]")
        return found
    return []


def test_a_copy_holds_the_same_state_and_shares_no_container() -> None:
    pilot = _pilot()
    twin = copy.deepcopy(pilot)
    assert type(twin) is Pilot
    assert twin.__dict__.keys() == pilot.__dict__.keys()
    for key, value in pilot.__dict__.items():
        if key == "_pending_events":
            assert [e.__dict__ for e in twin._pending_events] == [e.__dict__ for e in value]
            assert all(a is not b for a, b in zip(twin._pending_events, value, strict=True))
        else:
            assert twin.__dict__[key] == value
    theirs = dict(_containers({k: v for k, v in twin.__dict__.items() if k != "_pending_events"}))
    for path, container in _containers(
        {k: v for k, v in pilot.__dict__.items() if k != "_pending_events"}
    ):
        assert theirs[path] is not container, path


def test_changing_the_copy_leaves_the_original_as_it_was() -> None:
    pilot = _pilot()
    pilot.collect_events()
    before = copy.deepcopy(pilot.__dict__)
    twin = copy.deepcopy(pilot)
    act = Act(actor="agency:lead", at=NOW, today=NOW.date(), command_id=str(uuid4()))
    twin.log_time(act, date(2024, 10, 2), 1.0)
    next(iter(twin.projects.values()))["title"] = "Changed"
    assert pilot.__dict__ == before
