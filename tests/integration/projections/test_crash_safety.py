"""A projector that fails in the middle of a page restarts with nothing lost or duplicated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing import persistence
from sqlalchemy import Table
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from parcours import Parcours
from parcours.projections.pilots import PilotIndex, pilots
from parcours.projections.runner import ProjectionRunner
from tests.support.scenarios import in_deployment, in_diagnostic


class CrashAfter:
    """The real projection, made to lose its database after `n` events of a page (a failure
    of the database, not of an event: the page is rolled back, nothing is dead-lettered)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.inner = PilotIndex()

    @property
    def tables(self) -> Sequence[Table]:
        return self.inner.tables

    def fold(self, session: Session, events: Sequence[Any]) -> None:
        self.inner.fold(session, events[: self.n])
        raise OperationalError("INSERT …", None, ConnectionError("power cut"))


@pytest.mark.parametrize("n", [0, 3, 7])
def test_a_crash_mid_page_loses_and_duplicates_nothing(app: Parcours, n: int) -> None:
    in_deployment(app)
    in_diagnostic(app)
    expected = app.dashboard(today=None)
    app.pipeline.projections.reset()
    crashing = ProjectionRunner(app.pipeline.store, [CrashAfter(n)], name="read_models")
    # eventsourcing's transaction wraps the driver's error in its own
    with pytest.raises(persistence.OperationalError, match="power cut"):
        crashing.catch_up(page=5)
    with app.pipeline.reading() as session:
        assert session.execute(pilots.select()).all() == []  # the page was rolled back
    assert app.catch_up_projections() == app.event_count()
    assert app.dead_letters() == []
    assert app.dashboard(today=None) == expected
    assert app.check_projections().ok


def test_a_replayed_position_is_refused(app: Parcours) -> None:
    from parcours.projections.runner import PositionMoved

    in_diagnostic(app)
    runner = app.pipeline.projections
    with app.pipeline.writing() as session:
        position = runner.position(session)
        with pytest.raises(PositionMoved):
            runner._move(session, position - 1, position)
