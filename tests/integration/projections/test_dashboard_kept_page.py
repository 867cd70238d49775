"""A page of today's dashboard read from the kept rows and the day's counts (issue 23) is the
page of the whole dashboard evaluated by the rules: rows, order, next page, how many match and
the summary — after pilots changed since the refresh, on both databases."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from parcours import Parcours
from parcours import dashboard_pages as pages
from parcours.domain.standing_views import Dashboard
from parcours.projections import board_counts
from parcours.projections.board import board
from parcours.projections.maintenance import refold_widened
from parcours.service.dashboard_page import kept_page
from tests.conftest import Clock
from tests.support.pages import assert_same_page
from tests.support.scenarios import (
    LEAD,
    REFERENT,
    REFERENT_ID,
    enrolled,
    evaluated_dashboard,
    in_deployment,
    in_diagnostic,
    in_framing,
)

BUILT = date(2025, 5, 1)
DAY = date(2025, 6, 2)
NAMES = [
    "Communauté de Communes du Pays de Bitche",
    "CC du Pays de Phalsbourg",
    "Communauté d'agglomération 100 % Dreux_Sud",
    "CC de la Vallée de la Bruche",
]


@pytest.fixture
def cohort(app: Parcours, clock: Clock) -> Parcours:
    """Pilots in four phases, their rows kept on DAY; then, after the refresh, one pilot
    enrolled, one moved on, one that logged time (R6): three rows the kept ones know nothing of."""
    clock.set(BUILT)
    for name in NAMES:
        enrolled(app, name=name)
    in_diagnostic(app)
    in_framing(app)
    deployed, _ = in_deployment(app)
    waiting = enrolled(app, name="Communauté de Communes de la Région de Guebwiller")
    clock.set(DAY)
    assert app.refresh_dashboard() > 0
    enrolled(app, name="Eurométropole de Metz")
    app.designate_referent(waiting, actor=LEAD, **REFERENT)
    app.start_diagnostic(waiting, on=date(2025, 6, 2), actor=LEAD)
    app.log_time(deployed, days=3, on=date(2025, 6, 2), actor=REFERENT_ID)
    return app


def _fast(app: Parcours, **asked: object) -> Dashboard | None:
    wanted = pages.DashboardFilter(**asked)  # type: ignore[arg-type]
    return kept_page(app.pipeline, app.cohort.judged, app.cohort.instant(None), wanted)


def _reference(app: Parcours, **asked: object) -> tuple[Dashboard, pages.Page]:
    whole = evaluated_dashboard(app, DAY)
    return whole, pages.page(whole.rows, pages.DashboardFilter(**asked))  # type: ignore[arg-type]


def _same(app: Parcours, **asked: object) -> None:
    whole, page = _reference(app, **asked)
    assert_same_page(_fast(app, **asked), whole, page)


@pytest.mark.parametrize(
    "asked",
    [
        {"limit": 50},
        {"limit": 1},
        {"limit": 3, "phase": "charter_signed"},
        {"limit": 2, "phase": "diagnostic"},
        {"limit": 5, "rule": "R3"},
        {"limit": 5, "rule": "R6"},
        {"limit": 5, "rule": "R11"},
        {"limit": 5, "search": "communaute"},
        {"limit": 5, "search": "100 %"},
        {"limit": 5, "search": "_sud"},
        {"limit": 5, "search": "metz"},
        {"limit": 2, "phase": "charter_signed", "search": "pays"},
        {"limit": 4, "phase": "diagnostic", "rule": "R3"},
        {"limit": 4, "search": "zzz"},
    ],
)
def test_a_kept_page_is_the_evaluated_page(cohort: Parcours, asked: dict[str, object]) -> None:
    _same(cohort, **asked)


def test_pages_put_end_to_end_are_the_whole_dashboard_once(cohort: Parcours) -> None:
    seen: list[UUID] = []
    after = None
    while True:
        page = cohort.dashboard(limit=2, after=after)
        seen += [r.pilot_id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [r.pilot_id for r in evaluated_dashboard(cohort, DAY).rows]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(min_value=1, max_value=12),
    phase=st.sampled_from([None, "charter_signed", "diagnostic", "framing", "deployment"]),
    rule=st.sampled_from([None, "R3", "R4", "R5", "R6", "R7", "R11"]),
    search=st.sampled_from([None, "pays", "communauté", "cc-", "e", "%"]),
    start=st.integers(min_value=-1, max_value=9),
)
def test_any_filter_from_any_pilot_reads_as_the_evaluated_page(
    cohort: Parcours,
    limit: int,
    phase: str | None,
    rule: str | None,
    search: str | None,
    start: int,
) -> None:
    order = [r.pilot_id for r in evaluated_dashboard(cohort, DAY).rows]
    after = None if start < 0 else order[start % len(order)]
    _same(cohort, limit=limit, phase=phase, rule=rule, search=search, after=after)


def test_a_second_refresh_leaves_nobody_to_judge_again_and_the_same_answer(
    cohort: Parcours,
) -> None:
    cohort.refresh_dashboard()
    _same(cohort, limit=50)
    _same(cohort, limit=3, rule="R3")


def test_no_complete_refresh_of_the_day_gives_way(app: Parcours, clock: Clock) -> None:
    clock.set(BUILT)
    enrolled(app)
    clock.set(DAY)
    assert _fast(app, limit=5) is None  # never refreshed
    app.refresh_dashboard(date(2025, 6, 1))
    assert _fast(app, limit=5) is None  # refreshed for another day only
    app.refresh_dashboard()
    assert _fast(app, limit=5) is not None
    app.refresh_dashboard(date(2025, 6, 3))  # rows of tomorrow replace today's
    assert _fast(app, limit=5) is None
    assert len(app.dashboard(limit=5).rows) == 1  # evaluated instead, still right


def test_a_rebuild_of_the_read_models_forgets_the_counts(cohort: Parcours) -> None:
    cohort.rebuild_projections()
    assert _fast(cohort, limit=5) is None
    cohort.refresh_dashboard()
    _same(cohort, limit=5)


@pytest.mark.parametrize("edit", ["delete one", "every version back"])
def test_kept_rows_edited_by_hand_give_way_rather_than_a_wrong_page(
    cohort: Parcours, edit: str
) -> None:
    """A kept row missing, or of a version its pilot has left without an event since the
    refresh (only a hand can do that): the page is evaluated, and right."""
    with cohort.pipeline.writing() as session:
        if edit == "delete one":  # a pilot unchanged since the refresh
            session.execute(delete(board).where(board.c.name == NAMES[0]))
        else:
            session.execute(update(board).values(version=board.c.version - 1))
    assert _fast(cohort, limit=50) is None
    _, page = _reference(cohort, limit=50)
    assert cohort.dashboard(limit=50).rows == page.rows


def test_an_upgrade_that_widens_the_kept_rows_forgets_their_counts(cohort: Parcours) -> None:
    """Found by the benchmark: the upgrade path dropped the kept rows but not their counts,
    and the next refresh counted every pilot twice."""
    refold_widened(cohort.pipeline.projections, {board.name})
    cohort.refresh_dashboard()
    _same(cohort, limit=50)


def test_projections_check_recounts_the_days_counts(cohort: Parcours) -> None:
    """`projections check` holds the counts a page's summary comes from to the kept rows they
    count: a count edited by hand is reported, table and key named."""
    assert cohort.check_projections().ok
    with cohort.pipeline.writing() as session:
        session.execute(
            update(board_counts.counts)
            .where(board_counts.counts.c.key == "pilots")
            .values(count=board_counts.counts.c.count + 1)
        )
    report = cohort.check_projections()
    assert not report.ok
    [difference] = report.differences
    assert difference.table == board_counts.counts.name
    assert difference.key == f"{DAY} grand-est-2024 pilots"
    assert difference.live is not None
    assert difference.rebuilt is not None
    assert difference.live["count"] == difference.rebuilt["count"] + 1
