"""Event class paths and shapes are a storage contract: version 1 events still load.

Version 2 of every pilot event added `correlation_id`; the upcaster reads a version 1 event
(stored without it, and without a class_version) with its command id standing for it.
"""

from __future__ import annotations

import json
from datetime import date
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from parcours import Parcours
from tests.support.roles import REFERENT_ID, with_referent
from tests.support.scenarios import LEAD, in_diagnostic


def test_version_1_events_load_through_the_upcaster(app: Parcours) -> None:
    source = in_diagnostic(app)
    old_shape = []
    copy_id = uuid4()
    for stored in app.pipeline.store.recorder.select_events(source):
        state = json.loads(stored.state)
        assert state.pop("class_version") == 2
        del state["correlation_id"]
        old_shape.append(
            StoredEvent(
                originator_id=copy_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=json.dumps(state).encode(),
            )
        )
    app.pipeline.store.recorder.insert_events(old_shape)
    copy = app.pipeline.load(copy_id)
    assert copy.phase == "diagnostic"
    history = app.history(copy_id, actor=LEAD)
    assert [e.correlation_id for e in history] == [e.command_id for e in history]
    # and the copy takes new commands in the current shape (its referent granted first: the
    # copy has no row in the pilots' programmes, so the check learns it from its events)
    with_referent(app, copy_id)
    app.log_time(copy_id, days=1, on=date(2024, 10, 1), actor=REFERENT_ID)
    assert (
        app.history(copy_id, actor=LEAD)[-1].correlation_id
        == app.history(copy_id, actor=LEAD)[-1].command_id
    )


def test_a_correlation_groups_the_commands_of_one_request(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with app.correlation("request-42"):
        app.log_time(pilot, days=1, on=date(2024, 10, 1), actor=REFERENT_ID)
        app.record_rex(pilot, session="rex", on=date(2024, 10, 2), actor=LEAD)
    last = app.history(pilot, actor=LEAD)[-2:]
    assert [e.correlation_id for e in last] == ["request-42", "request-42"]
    assert last[0].command_id != last[1].command_id
