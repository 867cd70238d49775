"""A past day's dashboard read from its sealed rows (issue 23) is the dashboard folded from the
log as recorded at the end of that day (issue 20): rows, order, pages, counts and summary —
with acts after the day's last refresh, after midnight before the next one, a day the
scheduler missed, and a month boundary that changes the rules' verdicts (R5, R6)."""

from __future__ import annotations

from datetime import date, time

import pytest
from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from parcours import Parcours
from parcours import dashboard_pages as pages
from parcours.domain.standing_views import Dashboard
from parcours.errors import InvalidInput
from parcours.projections.as_of import AsOf
from parcours.projections.board_history import sealed
from parcours.service.dashboard_past import seal_day, sealed_page
from tests.conftest import Clock
from tests.support.pages import assert_same_page
from tests.support.scenarios import (
    LEAD,
    REFERENT,
    REFERENT_ID,
    enrolled,
    in_deployment,
    in_diagnostic,
    in_framing,
)

SEALED = [date(2025, 5, 30), date(2025, 5, 31), date(2025, 6, 2)]
MISSED = date(2025, 6, 1)  # no refresh that day: nothing kept, nothing sealed
NAMES = ["Communauté de Communes du Pays de Bitche", "CC du Pays de Phalsbourg"]


@pytest.fixture
def lived(app: Parcours, clock: Clock) -> Parcours:
    clock.set(date(2025, 5, 30), time(9))
    for name in NAMES:
        enrolled(app, name=name)
    in_diagnostic(app)
    in_framing(app)
    deployed, _ = in_deployment(app)
    waiting = enrolled(app, name="Communauté de Communes de la Région de Guebwiller")
    app.refresh_dashboard()
    clock.set(date(2025, 5, 30), time(23, 50))  # after the day's last refresh: on the 30th
    app.designate_referent(waiting, actor=LEAD, **REFERENT)
    app.start_diagnostic(waiting, on=date(2025, 5, 30), actor=LEAD)
    clock.set(date(2025, 5, 31), time(0, 20))  # after midnight, before the next refresh
    enrolled(app, name="Eurométropole de Metz")
    clock.set(date(2025, 5, 31), time(8))
    app.refresh_dashboard()  # seals 30 May
    app.log_time(deployed, days=2, on=date(2025, 5, 30), actor=REFERENT_ID)
    clock.set(date(2025, 6, 1), time(10))  # a day without refresh
    enrolled(app, name="CC de la Vallée de la Bruche")
    clock.set(date(2025, 6, 2), time(8))
    app.refresh_dashboard()  # seals 31 May (its rows are 31 May's); 1 June has none
    app.log_time(deployed, days=1, on=date(2025, 6, 2), actor=REFERENT_ID)
    clock.set(date(2025, 6, 3), time(8))
    app.refresh_dashboard()  # seals 2 June
    return app


def _fast(app: Parcours, day: date, **asked: object) -> Dashboard | None:
    wanted = pages.DashboardFilter(**asked)  # type: ignore[arg-type]
    return sealed_page(app.pipeline, day, wanted, app.programme_desk.alerts)


def _same(app: Parcours, day: date, **asked: object) -> None:
    whole = app.dashboard(today=day)  # limit=None: folded from the log (issue 20)
    page = pages.page(whole.rows, pages.DashboardFilter(**asked))  # type: ignore[arg-type]
    assert_same_page(_fast(app, day, **asked), whole, page)
    assert whole.today == day


@pytest.mark.parametrize("day", SEALED)
@pytest.mark.parametrize(
    "asked",
    [
        {"limit": 50},
        {"limit": 2},
        {"limit": 3, "phase": "charter_signed"},
        {"limit": 3, "rule": "R6"},
        {"limit": 3, "rule": "R5"},
        {"limit": 3, "search": "metz"},
        {"limit": 2, "phase": "diagnostic", "rule": "R3"},
    ],
)
def test_a_sealed_day_reads_as_the_day_folded_from_the_log(
    lived: Parcours, day: date, asked: dict[str, object]
) -> None:
    _same(lived, day, **asked)


def test_the_rows_differ_from_day_to_day_where_the_rules_do(lived: Parcours) -> None:
    """Otherwise the comparison above could pass on one day's rows copied to every day."""
    first, second = (lived.dashboard(today=d, limit=50) for d in SEALED[:2])
    assert [r.name for r in first.rows] != [r.name for r in second.rows]  # Metz enrolled
    assert first.summary != second.summary
    # Recorded at 23:50 on the 30th, after that day's refresh: in the 30th's dashboard.
    assert first.summary.per_phase["diagnostic"] == 2


def test_a_day_missed_by_the_scheduler_is_folded_from_the_log(lived: Parcours) -> None:
    assert _fast(lived, MISSED, limit=5) is None
    page = lived.dashboard(today=MISSED, limit=50)
    assert page.rows == lived.dashboard(today=MISSED).rows


def test_after_a_pilot_enrolled_later_is_refused_on_a_sealed_day(lived: Parcours) -> None:
    metz = next(p.id for p in lived.list_pilots() if p.name == "Eurométropole de Metz")
    with pytest.raises(InvalidInput) as refused:
        lived.dashboard(today=SEALED[0], limit=5, after=metz)
    assert refused.value.field == "after"


def test_a_rebuild_forgets_the_sealed_days(lived: Parcours) -> None:
    lived.rebuild_projections()
    assert _fast(lived, SEALED[0], limit=5) is None
    assert lived.dashboard(today=SEALED[0], limit=50).rows == lived.dashboard(today=SEALED[0]).rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.sampled_from(SEALED),
    limit=st.integers(min_value=1, max_value=9),
    phase=st.sampled_from([None, "charter_signed", "diagnostic", "framing", "deployment"]),
    rule=st.sampled_from([None, "R3", "R5", "R6", "R7", "R11"]),
    search=st.sampled_from([None, "pays", "communauté", "cc-", "e"]),
    start=st.integers(min_value=-1, max_value=9),
)
def test_any_page_of_any_sealed_day_reads_as_folded(
    lived: Parcours,
    day: date,
    limit: int,
    phase: str | None,
    rule: str | None,
    search: str | None,
    start: int,
) -> None:
    order = [r.pilot_id for r in lived.dashboard(today=day).rows]
    after = None if start < 0 else order[start % len(order)]
    _same(lived, day, limit=limit, phase=phase, rule=rule, search=search, after=after)


def test_two_processes_sealing_the_same_day_at_once_seal_it_once(
    app: Parcours, clock: Clock
) -> None:
    """Two schedulers' refreshes just after midnight: both may find the day unsealed; one
    seals it, the other's transaction is refused whole and its refresh goes on."""
    clock.set(date(2025, 5, 30), time(9))
    for name in NAMES:
        enrolled(app, name=name)
    app.refresh_dashboard()
    clock.set(date(2025, 5, 31), time(0, 5))
    reader = AsOf(app.pipeline.store)
    zone = app.programme("grand-est-2024").zone
    seal_day(app.pipeline, reader, SEALED[0], zone)
    with pytest.raises((IntegrityError, StoreIntegrityError)):  # the second, as it would
        seal_day(app.pipeline, reader, SEALED[0], zone)
    # The loser's refresh, which read "not sealed" before the winner committed (its mark is
    # taken away here so that it reads that): no error, the winner's rows stand.
    with app.pipeline.writing() as session:
        session.execute(delete(sealed))
    app.refresh_dashboard()
    assert _fast(app, SEALED[0], limit=5) is None  # not marked: folded from the log, right
    assert app.dashboard(today=SEALED[0], limit=50).rows == app.dashboard(today=SEALED[0]).rows
