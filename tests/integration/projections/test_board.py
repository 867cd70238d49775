"""Kept dashboard rows: a dashboard read from them equals the rules evaluated on the spot,
for the day they were kept; a changed pilot, another day or a new programme definition is
evaluated again (Q)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text, update

from parcours import Parcours
from parcours.projections.board import board
from tests.conftest import Clock
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import (
    LEAD,
    enrolled,
    evaluated_dashboard,
    in_deployment,
    in_diagnostic,
    in_evaluation,
    kept_dashboard_rows,
)

DAYS = [
    date(2024, 10, 1),
    date(2024, 12, 31),
    date(2025, 1, 1),
    date(2025, 4, 1),
    date(2025, 7, 1),
    date(2025, 12, 31),
    date(2026, 1, 2),
]


@pytest.fixture
def cohort_of_five(app: Parcours) -> Parcours:
    in_diagnostic(app)
    enrolled(app, name="CC du Pays de Phalsbourg")
    pilot, project = in_deployment(app)
    app.record_follow_up(pilot, on=date(2025, 3, 20), actor=LEAD)
    app.log_time(pilot, days=4, on=date(2025, 3, 21), actor=REFERENT_ID)
    app.raise_blocker(pilot, description="Pas de salle", on=date(2025, 3, 22), actor=LEAD)
    app.raise_alert(
        pilot, kind="change", description="Élection", on=date(2025, 3, 24), actor=REFERENT_ID
    )
    app.request_communication(pilot, title="Communiqué", on=date(2025, 3, 25), actor=REFERENT_ID)
    app.source_solution(
        pilot, project, name="Médiation", provider="Région", regional=True, actor=LEAD
    )
    in_evaluation(app)
    withdrawn = in_diagnostic(app)
    app.withdraw(withdrawn, reason="Council vote", on=date(2024, 10, 1), actor=LEAD)
    return app


@pytest.mark.parametrize("day", DAYS)
def test_a_kept_dashboard_equals_the_rules_evaluated_on_the_spot(
    cohort_of_five: Parcours, day: date
) -> None:
    app = cohort_of_five
    expected = evaluated_dashboard(app, day)
    assert app.dashboard(today=day, known_at=app.now()) == expected  # nothing kept yet
    assert app.refresh_dashboard(today=day) == 5
    assert kept_dashboard_rows(app) == 5
    assert app.dashboard(today=day, known_at=app.now()) == expected
    assert app.refresh_dashboard(today=day) == 0  # all kept already


def test_a_pilot_changed_after_the_refresh_is_evaluated_again(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    day = date(2025, 6, 2)
    app.refresh_dashboard(today=day)
    app.raise_blocker(pilot, description="Pas de salle", on=date(2025, 5, 30), actor=LEAD)
    board_ = app.dashboard(today=day, known_at=app.now())
    assert board_ == evaluated_dashboard(app, day)
    assert board_.rows[0].open_blockers == 1
    assert app.refresh_dashboard(today=day) == 1


def test_another_day_is_evaluated_not_read(app: Parcours) -> None:
    in_diagnostic(app)
    app.refresh_dashboard(today=date(2024, 12, 31))
    assert app.dashboard(today=date(2025, 1, 1), known_at=app.now()) == evaluated_dashboard(
        app, date(2025, 1, 1)
    )
    assert "R3" in {
        a.rule for a in app.dashboard(today=date(2025, 1, 1), known_at=app.now()).rows[0].alerts
    }


def test_the_day_is_the_programme_s_own(app: Parcours) -> None:
    in_diagnostic(app)
    app.refresh_dashboard(today=datetime(2024, 12, 31, 22, 59, tzinfo=UTC))  # Paris: 31st
    new_year = datetime(2024, 12, 31, 23, 0, tzinfo=UTC)  # Paris: 1 January
    assert "R3" in {
        a.rule for a in app.dashboard(today=new_year, known_at=app.now()).rows[0].alerts
    }


def test_a_rebuild_or_a_programme_definition_drops_kept_rows(app: Parcours) -> None:
    in_diagnostic(app)
    app.refresh_dashboard(today=date(2025, 1, 6))
    app.rebuild_projections()
    assert kept_dashboard_rows(app) == 0
    app.refresh_dashboard(today=date(2025, 1, 6))
    custom = app.programme("grand-est-2024").model_copy(update={"id": "moselle-2025"})
    app.register_programme(custom)
    assert kept_dashboard_rows(app) == 0


def test_projections_check_judges_kept_rows_again(cohort_of_five: Parcours) -> None:
    app = cohort_of_five
    app.refresh_dashboard(today=date(2025, 4, 1))
    assert app.check_projections().ok
    with app.pipeline.writing() as session:
        session.execute(update(board).values(alerts="[]"))
    report = app.check_projections()
    # The rows, judged again; and the day's counts, which no longer add up to the rows.
    assert {d.table for d in report.differences} == {
        "parcours_rm_board",
        "parcours_rm_board_counts",
    }
    rows = [d for d in report.differences if d.table == "parcours_rm_board"]
    assert len(rows) == 5 - 1  # the withdrawn pilot has no alerts anyway


def test_an_older_database_gets_the_dashboard_index(db_url: str, clock: Clock) -> None:
    first = Parcours(db_url, clock=clock)
    with first.pipeline.writing() as session:
        session.execute(text("DROP INDEX parcours_rm_pilots_dashboard"))
    first.close_connections()
    again = Parcours(db_url, clock=clock)
    names = {
        i["name"] for i in inspect(again.pipeline.store.engine).get_indexes("parcours_rm_pilots")
    }
    assert "parcours_rm_pilots_dashboard" in names
    again.close_connections()
