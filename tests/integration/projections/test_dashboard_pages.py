"""The dashboard as people use it: filtered, one page at a time (CONTRACT.md, issue 23); the
summary stays the cohort's, and pages put end to end give back every matching row once."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours import Parcours
from parcours.errors import InvalidInput
from tests.conftest import Clock
from tests.support.scenarios import enrolled, in_deployment, in_diagnostic

NAMES = [
    "Communauté de Communes du Pays de Bitche",
    "Communauté de Communes Ardenne Rives de Meuse",
    "CC du Pays de Phalsbourg",
    "Communauté d'agglomération du Pays de Dreux",
    "CC de la Vallée de la Bruche",
]
DAY = date(2025, 6, 2)


@pytest.fixture
def cohort(app: Parcours) -> Parcours:
    for name in NAMES:
        enrolled(app, name=name)
    in_diagnostic(app)
    in_deployment(app)
    return app


def _ids(app: Parcours, **asked: object) -> list[object]:
    return [r.pilot_id for r in app.dashboard(today=DAY, known_at=app.now(), **asked).rows]


def test_limit_none_is_one_row_per_pilot_as_before(cohort: Parcours) -> None:
    whole = cohort.dashboard(today=DAY, known_at=cohort.now())
    assert len(whole.rows) == 7
    assert whole.next_after is None
    assert whole.matched is None


def test_pages_put_end_to_end_are_the_whole_dashboard_once(cohort: Parcours) -> None:
    everyone = _ids(cohort)
    seen: list[object] = []
    after = None
    while True:
        page = cohort.dashboard(today=DAY, known_at=cohort.now(), limit=3, after=after)
        assert len(page.rows) <= 3
        assert page.matched == 7
        seen += [r.pilot_id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == everyone


def test_a_page_keeps_the_cohorts_summary(cohort: Parcours) -> None:
    whole = cohort.dashboard(today=DAY, known_at=cohort.now())
    page = cohort.dashboard(today=DAY, known_at=cohort.now(), limit=1, phase="deployment")
    assert page.summary == whole.summary
    assert [r.phase for r in page.rows] == ["deployment"]


def test_filters_by_phase_rule_and_a_search_without_accents(cohort: Parcours) -> None:
    rows = cohort.dashboard(today=DAY, known_at=cohort.now()).rows
    in_charter = [r.pilot_id for r in rows if r.phase == "charter_signed"]
    assert _ids(cohort, phase="charter_signed") == in_charter
    # R3: on 2 June 2025 every pilot whose diagnostic was not finished by 31 December is late.
    late = [r.pilot_id for r in rows if any(a.rule == "R3" for a in r.alerts)]
    assert late
    assert _ids(cohort, rule="R3") == late
    # « Communauté » typed without its accent: three of NAMES and the two scenario pilots
    assert len(_ids(cohort, search="communaute")) == 5
    assert len(_ids(cohort, search="PAYS DE")) == 3
    assert _ids(cohort, search="cc-pays-de-bitche") == _ids(cohort, search="Bitche")


def test_after_accepts_a_slug(cohort: Parcours) -> None:
    everyone = _ids(cohort)
    first = cohort.dashboard(today=DAY, known_at=cohort.now()).rows[0]
    assert first.slug is not None
    assert _ids(cohort, after=first.slug) == everyone[1:]


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": 1_001}, "limit"),
        ({"rule": "R99x"}, "rule"),
        ({"phase": "somewhere"}, "phase"),
        ({"search": "\x00"}, "search"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(
    cohort: Parcours, asked: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        cohort.dashboard(today=DAY, known_at=cohort.now(), **asked)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_after_a_pilot_not_on_the_dashboard_is_refused(app: Parcours, clock: Clock) -> None:
    """Of a past day, a pilot enrolled later is not on the dashboard: no page starts after it."""
    clock.set(date(2025, 1, 10))
    enrolled(app, name=NAMES[0])
    clock.set(date(2025, 3, 10))
    later = enrolled(app, name=NAMES[1])
    with pytest.raises(InvalidInput) as refused:
        app.dashboard(today=date(2025, 2, 1), after=later, limit=5)
    assert refused.value.field == "after"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(min_value=1, max_value=8),
    phase=st.sampled_from([None, "charter_signed", "diagnostic", "deployment"]),
    search=st.sampled_from([None, "pays", "communauté", "zzz"]),
)
def test_any_paging_of_any_filter_gives_the_filtered_rows_once_in_order(
    cohort: Parcours, limit: int, phase: str | None, search: str | None
) -> None:
    wanted = _ids(cohort, phase=phase, search=search)
    seen: list[object] = []
    after = None
    for _ in range(10):
        page = cohort.dashboard(
            today=DAY, known_at=cohort.now(), phase=phase, search=search, limit=limit, after=after
        )
        seen += [r.pilot_id for r in page.rows]
        after = page.next_after
        if after is None:
            break
    assert seen == wanted


def test_a_past_day_pages_the_cohort_as_recorded_then(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 1, 10))
    first = enrolled(app, name=NAMES[0])
    clock.set(date(2025, 3, 10))
    enrolled(app, name=NAMES[1])
    page = app.dashboard(today=date(2025, 2, 1), limit=5)
    assert [r.pilot_id for r in page.rows] == [first]
    assert page.matched == 1
