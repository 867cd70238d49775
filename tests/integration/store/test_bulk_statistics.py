"""Tables written in bulk have their PostgreSQL statistics refreshed at once (store/bulk.py
`analyse`): the first refresh of a day's dashboard rows, the first day sealed, a rebuild of
the read models. Left to autovacuum (up to a minute later), the planner guessed, and the
first page of a sealed day was read through a hash join of every row (benchmark Q past)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import text

from parcours import Parcours
from parcours.store import bulk
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import enrolled

pytestmark = pytest.mark.postgres

TABLES = ("parcours_rm_board", "parcours_rm_board_history", "parcours_rm_pilots")


@pytest.fixture
def pg_app(postgres_url: str, clock: Clock) -> Iterator[Parcours]:
    instance = staffed(Parcours(postgres_url, clock=clock))
    yield instance
    instance.close_connections()


def _rows_known_to_the_planner(app: Parcours) -> dict[str, float]:
    # `reltuples` is -1 until the table is first analysed (or vacuumed), then its row count
    with app.pipeline.store.engine.connect() as connection:
        found = connection.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(TABLES)},
        )
        return {name: float(count) for name, count in found}


def test_what_is_written_in_bulk_is_analysed_at_once(
    pg_app: Parcours, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BULK_ROWS", 3)
    app = pg_app
    clock.set(date(2025, 5, 30), time(9))
    for n in range(3):
        enrolled(app, name=f"Communauté de communes n°{n}")
    before = _rows_known_to_the_planner(app)
    assert before["parcours_rm_board"] == -1  # never analysed: autovacuum has not run
    app.refresh_dashboard()  # three rows kept for the day
    assert _rows_known_to_the_planner(app)["parcours_rm_board"] == 3
    assert _rows_known_to_the_planner(app)["parcours_rm_board_history"] == -1
    clock.set(date(2025, 5, 31), time(8))
    app.refresh_dashboard()  # seals 30 May: three ranges opened
    assert _rows_known_to_the_planner(app)["parcours_rm_board_history"] == 3
    app.rebuild_projections()
    assert _rows_known_to_the_planner(app)["parcours_rm_pilots"] == 3


def test_a_few_rows_leave_the_statistics_to_autovacuum(pg_app: Parcours, clock: Clock) -> None:
    app = pg_app
    clock.set(date(2025, 5, 30), time(9))
    enrolled(app)
    app.refresh_dashboard()
    assert _rows_known_to_the_planner(app)["parcours_rm_board"] == -1
