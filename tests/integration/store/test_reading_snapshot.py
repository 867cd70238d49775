"""`PilotStore.reading()` reads one state for all its statements, on both databases: a page
of the dashboard reads its counts, the pilots changed since and its rows in several
statements that must agree (issue 23; PostgreSQL's default, READ COMMITTED, broke this)."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from parcours import Parcours
from parcours.projections.pilots import pilots
from tests.support.scenarios import enrolled


def _count(session: object) -> int:
    return int(session.execute(select(func.count()).select_from(pilots)).scalar_one())  # type: ignore[attr-defined]


def test_a_reading_transaction_does_not_see_what_commits_after_its_first_read(
    app: Parcours,
) -> None:
    enrolled(app)
    with app.pipeline.reading() as session:
        before = _count(session)
        # Another transaction commits meanwhile (a thread: a transaction is per context).
        other = threading.Thread(target=enrolled, args=(app, "CC du Pays de Phalsbourg"))
        other.start()
        other.join()
        assert _count(session) == before
    with app.pipeline.reading() as session:
        assert _count(session) == before + 1
    assert app.dashboard(today=date(2026, 3, 1)).summary.pilots == before + 1
