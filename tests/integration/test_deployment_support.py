"""Deployment support and evaluation (R1, R7, R8), each rule named, on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from parcours import InvalidInput, Parcours, PhaseError, RuleViolation
from tests.integration.test_guards import rejected
from tests.support.fne import APPLIED, DECIDED, SCHEME, fne_in_deployment
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import LEAD, in_deployment, in_diagnostic, in_framing

# R16 is tested on the programme that owns the call: France Numérique Ensemble's pilots
# (tests.support.fne), applying inside the call's window.


def test_funding_over_the_cap_is_refused_naming_the_scheme(app: Parcours) -> None:
    pilot, project = fne_in_deployment(app)
    with rejected(
        app,
        RuleViolation,
        f"R16 \\(amount_eur\\) : dispositif « {SCHEME} » : au plus 50\u202f000\u00a0€",
    ):
        app.identify_funding(
            pilot,
            project,
            scheme=SCHEME,
            amount_eur=60000,
            rate=0.5,
            months=24,
            on=APPLIED,
            actor=LEAD,
        )


def test_a_rate_above_the_schemes_is_refused(app: Parcours) -> None:
    pilot, project = fne_in_deployment(app)
    with rejected(
        app,
        RuleViolation,
        f"R16 \\(rate\\) : dispositif « {SCHEME} » : un taux d'au plus 60\u202f%",
    ):
        app.identify_funding(
            pilot,
            project,
            scheme=SCHEME,
            amount_eur=40000,
            rate=0.8,
            months=24,
            on=APPLIED,
            actor=LEAD,
        )
    # 80 % is the cap in a priority urban district
    app.identify_funding(
        pilot,
        project,
        scheme=SCHEME,
        amount_eur=40000,
        rate=0.8,
        months=24,
        priority_district=True,
        on=APPLIED,
        actor=LEAD,
    )
    with rejected(app, RuleViolation, "months"):
        app.identify_funding(
            pilot,
            project,
            scheme=SCHEME,
            amount_eur=40000,
            rate=0.5,
            months=48,
            on=APPLIED,
            actor=LEAD,
        )


def test_an_unknown_scheme_names_the_known_ones(app: Parcours) -> None:
    pilot, project = fne_in_deployment(app)
    with rejected(app, InvalidInput, f"scheme.*{SCHEME}"):
        app.identify_funding(
            pilot,
            project,
            scheme="lottery",
            amount_eur=1,
            rate=0.1,
            months=1,
            on=APPLIED,
            actor=LEAD,
        )


def test_a_funding_line_is_decided_once(app: Parcours) -> None:
    pilot, project = fne_in_deployment(app)
    line = app.identify_funding(
        pilot, project, scheme=SCHEME, amount_eur=30000, rate=0.6, months=36, on=APPLIED, actor=LEAD
    )
    app.decide_funding(pilot, line, granted=True, on=DECIDED, actor=LEAD)
    with rejected(app, RuleViolation, "déjà accordée"):
        app.decide_funding(pilot, line, granted=False, on=DECIDED, actor=LEAD)


def test_the_cap_leaves_what_the_projects_other_lines_have_not_taken(app: Parcours) -> None:
    """R16: 50,000 € per project over 36 months: after 45,000 €, 5,000 € remain, no more; a
    line refused by its funder gives its share back."""
    pilot, project = fne_in_deployment(app)
    granted = app.identify_funding(
        pilot, project, scheme=SCHEME, amount_eur=45000, rate=0.6, months=36, on=APPLIED, actor=LEAD
    )
    with rejected(app, RuleViolation, r"R16 \(amount_eur\)"):
        app.identify_funding(
            pilot,
            project,
            scheme=SCHEME,
            amount_eur=5001,
            rate=0.5,
            months=12,
            on=APPLIED,
            actor=LEAD,
        )
    refused = app.identify_funding(  # within the 5,000 € the cap leaves
        pilot, project, scheme=SCHEME, amount_eur=5000, rate=0.5, months=12, on=APPLIED, actor=LEAD
    )
    app.decide_funding(pilot, granted, granted=True, on=DECIDED, actor=LEAD)
    app.decide_funding(pilot, refused, granted=False, on=DECIDED, actor=LEAD)
    app.identify_funding(  # the refused line's 5,000 € are free again
        pilot, project, scheme=SCHEME, amount_eur=5000, rate=0.5, months=12, on=APPLIED, actor=LEAD
    )


def test_solutions_and_funding_are_for_framing_or_deployment(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    project = app.recommend_project(pilot, title="Portail", theme="e-administration", actor=LEAD)
    with rejected(app, PhaseError, "R1"):
        app.source_solution(
            pilot, project, name="Kiosque", provider="Start-up de Metz", regional=True, actor=LEAD
        )


def test_blockers_are_shown_with_their_age_until_lifted(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    blocker = app.raise_blocker(
        pilot, description="Broadband contract not signed", on=date(2025, 4, 1), actor=LEAD
    )
    row = app.dashboard(today=date(2025, 5, 1), known_at=app.now()).rows[0]
    assert row.open_blockers == 1
    assert any(a.rule == "R1" and "30 days" in a.message for a in row.alerts)
    app.lift_blocker(
        pilot, blocker, how="Signed with the Region's help", on=date(2025, 5, 2), actor=LEAD
    )
    assert app.dashboard(today=date(2025, 5, 3), known_at=app.now()).rows[0].open_blockers == 0
    with rejected(app, RuleViolation, "déjà levé"):
        app.lift_blocker(pilot, blocker, how="again", on=date(2025, 5, 4), actor=LEAD)


def test_a_scheduled_rex_session_links_the_attendance(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    session = app.schedule_rex(
        "grand-est-2024",
        on=date(2024, 11, 28),
        kind="collective",
        title="REX collectif 2024",
        actor=LEAD,
    )
    with rejected(app, InvalidInput, "on : la session a eu lieu le 28 novembre 2024"):
        app.record_rex(pilot, session=str(session), on=date(2024, 11, 29), actor=LEAD)
    app.record_rex(pilot, session=str(session), actor=LEAD)
    app.record_rex(pilot, session="entretien-individuel", on=date(2024, 12, 2), actor=LEAD)
    assert app.get_pilot(pilot, actor=LEAD).rex[str(session)] == date(2024, 11, 28)
    [listed] = app.rex_sessions()
    assert listed.attended_by == ["Communauté de Communes Ardenne Rives de Meuse"]
    assert app.rex_attendance(2024, today=date(2025, 1, 2), known_at=app.now())[0].attended == 2


def test_a_pilot_through_deployment_evaluation_and_closure(app: Parcours) -> None:
    pilot, project = in_framing(app)
    app.frame_project(
        pilot,
        project,
        indicators=[
            {"key": "people_helped", "label": "People helped", "unit": "persons", "target": 300}
        ],
        evaluation_protocol="Quarterly count",
        actor=LEAD,
    )
    app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)
    app.source_solution(
        pilot,
        project,
        name="Camping-car numérique",
        provider="Grand Est Mobile",
        regional=True,
        actor=LEAD,
    )
    app.source_solution(
        pilot, project, name="Agenda en ligne", provider="SaaS national", regional=False, actor=LEAD
    )
    blocker = app.raise_blocker(
        pilot, description="No parking spot", on=date(2025, 4, 2), actor=LEAD
    )
    app.lift_blocker(pilot, blocker, how="Town hall square", on=date(2025, 4, 20), actor=LEAD)
    for period, value in (("2025-Q2", 74), ("2025-Q3", 160)):
        app.report_indicator(
            pilot, project, key="people_helped", value=value, period=period, actor=REFERENT_ID
        )
    app.start_evaluation(pilot, on=date(2025, 11, 3), actor=LEAD)
    app.record_evaluation(
        pilot,
        findings="Three villages a week",
        recommendations="Extend",
        replicable=True,
        actor=LEAD,
    )
    app.close(pilot, on=date(2025, 12, 15), actor=LEAD)
    [line] = app.indicators(pilot)
    assert (line.key, line.target, line.values, line.latest) == (
        "people_helped",
        300,
        {"2025-Q2": 74, "2025-Q3": 160},
        160,
    )
    assert line.progress == pytest.approx(160 / 300, abs=1e-3)
    row = app.dashboard(today=date(2025, 12, 16), known_at=app.now()).rows[0]
    assert (row.phase, row.regional_solutions, row.open_blockers) == ("closed", 1, 0)
    assert app.check_projections().ok
