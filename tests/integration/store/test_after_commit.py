"""What a command learns is kept in memory only once its transaction commits: a chain link and
a read-model row cached from a rolled-back transaction would corrupt the next command."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Table
from sqlalchemy.orm import Session

from parcours import Parcours
from parcours.store.after_commit import after_commit
from tests.conftest import Clock
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import LEAD, in_deployment, in_diagnostic


@pytest.fixture
def other(db_url: str, clock: Clock) -> Iterator[Parcours]:
    """A second process on the same database."""
    instance = Parcours(db_url, clock=clock)
    yield instance
    instance.close_connections()


def test_an_action_runs_on_commit_and_never_after_a_rollback(app: Parcours) -> None:
    ran: list[str] = []

    def doomed() -> None:
        with app.pipeline.writing() as session:
            after_commit(session, lambda: ran.append("rolled back"))
            raise RuntimeError("conflict")

    with pytest.raises(RuntimeError):
        doomed()
    with app.pipeline.writing() as session:
        after_commit(session, lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]


def test_two_processes_writing_one_pilot_in_turn_keep_chain_and_read_models_exact(
    app: Parcours, other: Parcours
) -> None:
    pilot, _ = in_deployment(app)
    for day in range(1, 7):
        writer = app if day % 2 else other
        writer.log_time(pilot, days=0.5, on=date(2025, 3, 3 + day), actor=REFERENT_ID)
        writer.record_follow_up(pilot, on=date(2025, 3, 3 + day), actor=LEAD)
    assert app.verify_audit_trail().ok
    assert app.check_projections().ok
    assert app.time_budget(pilot) == other.time_budget(pilot)
    lines = app.time_budget(pilot, today=date(2025, 4, 1), known_at=app.now())
    assert {b.period: b.logged for b in lines}["2025-03"] == 3.0


class FailingProjection:
    """Fails after the events and the cohort row were written, so the command rolls back."""

    tables: Sequence[Table] = ()

    def fold(self, session: Session, events: Sequence[Any]) -> None:
        raise RuntimeError("the disk is full")


@pytest.mark.parametrize("failure", ["conflict", "after the events were written"])
def test_a_rolled_back_command_leaves_no_trace_in_memory(
    app: Parcours, other: Parcours, failure: str
) -> None:
    pilot = in_diagnostic(app)
    if failure == "conflict":
        stale = app.pipeline.load(pilot)
        stale.log_time(
            app.pipeline.act(LEAD, app.programme("grand-est-2024")), date(2024, 10, 1), 1.0
        )
        other.log_time(pilot, days=2.0, on=date(2024, 10, 2), actor=REFERENT_ID)
        assert app.pipeline.commit(stale, []) is False  # its version was taken: rolled back
    else:
        app.pipeline.projections.projections.append(FailingProjection())
        with pytest.raises(RuntimeError, match="disk is full"):
            app.log_time(pilot, days=1.0, on=date(2024, 10, 1), actor=REFERENT_ID)
        app.pipeline.projections.projections.pop()
        other.log_time(pilot, days=2.0, on=date(2024, 10, 2), actor=REFERENT_ID)
    # the next command chains onto, and folds into, what was committed
    app.log_time(pilot, days=0.5, on=date(2024, 10, 3), actor=REFERENT_ID)
    assert app.verify_audit_trail().ok
    assert app.check_projections().ok
    logged = app.time_budget(pilot, today=date(2024, 10, 4), known_at=app.now())[0].logged
    assert logged == 2.5
