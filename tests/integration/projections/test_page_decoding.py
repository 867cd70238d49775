"""The projections' page decoder reads the log exactly as eventsourcing's mapper does."""

from __future__ import annotations

import json
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from parcours import Parcours
from parcours.domain import events as ev
from parcours.projections.projects import _ABOUT_PROJECTS
from tests.support.scenarios import in_deployment, in_diagnostic


def _old_shape_copy(app: Parcours) -> None:
    """A pilot stored as version 1 events (no class_version, no correlation_id)."""
    source = in_diagnostic(app)
    copy_id = uuid4()
    old = []
    for stored in app.pipeline.store.recorder.select_events(source):
        state = json.loads(stored.state)
        del state["class_version"], state["correlation_id"]
        state_v1 = json.dumps(state).encode()
        old.append(StoredEvent(copy_id, stored.originator_version, stored.topic, state_v1))
    app.pipeline.store.recorder.insert_events(old)


def test_every_stored_event_decodes_as_the_mapper_decodes_it(app: Parcours) -> None:
    in_deployment(app)
    _old_shape_copy(app)
    runner = app.pipeline.projections
    with app.pipeline.reading() as session:
        decoded = runner._page(session, 0, 10_000)
    notifications = app.pipeline.store.recorder.select_notifications(start=1, limit=10_000)
    assert [n.id for n in notifications] == [row_id for row_id, _ in decoded]
    for notification, (_, event) in zip(notifications, decoded, strict=True):
        expected = app.pipeline.store.mapper.to_domain_event(notification)
        assert type(event) is type(expected)
        assert event.__dict__ == expected.__dict__


def test_the_project_projection_sees_every_event_about_a_project() -> None:
    carrying = {
        cls
        for cls in vars(ev).values()
        if isinstance(cls, type)
        and issubclass(cls, ev.PilotEvent)
        and "project_id" in getattr(cls, "__annotations__", {})
    }
    assert carrying == set(_ABOUT_PROJECTS)
