"""The programme is data: France Numérique Ensemble in Eure-et-Loir (seed 003) runs beside
Grand Est's Parcours in the same database, each pilot under its own calendar, budgets,
cadences and funding call (issue 21)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from parcours import Parcours
from parcours.errors import InvalidInput, RuleViolation
from parcours.programme import builtin_ids
from tests.support.fne import FNE, fne_pilot
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import INDICATOR, in_deployment


def test_both_programmes_are_built_in() -> None:
    assert {"grand-est-2024", FNE} <= set(builtin_ids())


def test_the_eure_et_loir_call_is_its_own_programmes_not_grand_ests(app: Parcours) -> None:
    call = app.programme(FNE).funding_scheme("fne-call-for-projects")
    # « jusqu'au 30/04/2024 », « avant le 30/06/2024 », 50 000 € over 3 years, 60 % / 80 %.
    assert (call.applications_close, call.decisions_by) == (date(2024, 4, 30), date(2024, 6, 30))
    assert (call.max_amount_eur, call.max_months) == (50_000, 36)
    assert (call.max_rate, call.max_rate_priority_district) == (0.6, 0.8)
    assert app.programme(FNE).themes[0] == "education-jeunesse"
    assert app.programme("grand-est-2024").funding_schemes == ()  # its charter names no call


def test_a_grand_est_pilot_asking_for_the_fne_call_is_told_its_programme_has_none(
    app: Parcours,
) -> None:
    """R16: the call is France Numérique Ensemble's; Grand Est's charter names no scheme, so a
    line asked there is refused naming the field, the scheme and the programme."""
    pilot, project = in_deployment(app)
    before = app.event_count()
    with pytest.raises(InvalidInput) as refused:
        app.identify_funding(
            pilot,
            project,
            scheme="fne-call-for-projects",
            amount_eur=1000,
            rate=0.5,
            months=12,
            on=date(2025, 3, 10),
            actor=LEAD,
        )
    assert refused.value.field == "scheme"
    assert str(refused.value) == (
        "scheme : le programme « grand-est-2024 » n'a aucun dispositif de financement (R16) : "
        "« fne-call-for-projects » inconnu"
    )
    assert app.event_count() == before


def test_a_pilot_goes_through_fne_beside_a_grand_est_pilot(app: Parcours) -> None:
    grand_est, _ = in_deployment(app)
    dreux = fne_pilot(app)

    app.start_diagnostic(dreux, on=date(2024, 2, 20), actor=LEAD)
    project = app.recommend_project(
        dreux, title="Conseillers numériques itinérants", theme="inclusion-sociale", actor=LEAD
    )
    app.complete_diagnostic(dreux, on=date(2024, 3, 28), actor=LEAD)
    app.frame_project(
        dreux, project, indicators=[INDICATOR], evaluation_protocol="Bilan semestriel", actor=LEAD
    )
    # R16: inside the call's window (applications until 30 April 2024), at its 60 % rate.
    app.identify_funding(
        dreux,
        project,
        scheme="fne-call-for-projects",
        amount_eur=30_000,
        eligible_cost_eur=50_000,
        months=36,
        on=date(2024, 4, 15),
        actor=LEAD,
    )
    app.start_deployment(dreux, on=date(2024, 9, 2), actor=LEAD)
    app.report_indicator(
        dreux, project, key="people_helped", value=120, period="2024-S2", actor=REFERENT_ID
    )
    app.start_evaluation(dreux, on=date(2025, 10, 1), actor=LEAD)
    app.record_evaluation(
        dreux,
        findings="Les permanences itinérantes atteignent les habitants éloignés",
        recommendations="Étendre aux communes du Perche",
        replicable=True,
        actor=LEAD,
    )
    app.close(dreux, on=date(2025, 12, 15), actor=LEAD)

    rows = {row.pilot_id: row for row in app.dashboard(actor=LEAD).rows}
    assert rows[dreux].programme == FNE
    assert rows[dreux].phase == "closed"
    assert rows[grand_est].programme == "grand-est-2024"
    assert rows[grand_est].phase == "deployment"
    assert app.get_pilot(grand_est, actor=LEAD).phase == "deployment"


def test_a_late_application_is_refused_by_the_call_of_its_own_programme(app: Parcours) -> None:
    dreux = fne_pilot(app)
    app.start_diagnostic(dreux, on=date(2024, 2, 20), actor=LEAD)
    project = app.recommend_project(
        dreux, title="Médiation numérique", theme="emploi-insertion", actor=LEAD
    )
    app.complete_diagnostic(dreux, on=date(2024, 3, 28), actor=LEAD)
    before = len(app.history(dreux, actor=LEAD))
    with pytest.raises(RuleViolation, match="R16"):
        app.identify_funding(
            dreux,
            project,
            scheme="fne-call-for-projects",
            amount_eur=10_000,
            eligible_cost_eur=20_000,
            months=12,
            on=date(2024, 5, 2),  # two days after « jusqu'au 30/04/2024 »
            actor=LEAD,
        )
    assert len(app.history(dreux, actor=LEAD)) == before


def test_each_pilot_is_judged_under_its_own_calendar(app: Parcours, clock: Any) -> None:
    """R3: Eure-et-Loir's diagnostic is due on 30 June 2024, Grand Est's on 31 December: on
    15 July 2024 only the Eure-et-Loir pilot that has not finished is late."""
    clock.set(date(2024, 2, 21))
    dreux = fne_pilot(app)
    app.start_diagnostic(dreux, on=date(2024, 2, 21), actor=LEAD)
    grand_est = app.enroll(
        name="Communauté de Communes Ardenne Rives de Meuse",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 2, 21),
        actor=LEAD,
    )
    clock.set(date(2024, 7, 15))
    rows = {row.pilot_id: row for row in app.dashboard(actor=LEAD).rows}
    assert "R3" in {alert.rule for alert in rows[dreux].alerts}
    assert "R3" not in {alert.rule for alert in rows[grand_est].alerts}
    assert rows[grand_est].next_deadline is not None
    assert rows[grand_est].next_deadline.due == date(2024, 12, 31)


def test_the_default_programme_is_a_setting(tmp_path: Any, clock: Any) -> None:
    """PARCOURS_PROGRAMME (settings.programme): what names no programme is Eure-et-Loir's."""
    from parcours import Settings

    url = f"sqlite:///{tmp_path}/fne.db"
    app = Parcours(settings=Settings.from_env({"PARCOURS_PROGRAMME": FNE}, url=url), clock=clock)
    assert app.settings.programme == FNE
    staffed(app, programme=FNE)  # grants name their programme; the default is only a default
    assert {h.programme for h in app.principals()} == {FNE}
    app.close_connections()


def test_an_unknown_default_programme_is_refused_on_opening(tmp_path: Any) -> None:
    from parcours import ConfigurationError, Settings

    with pytest.raises(ConfigurationError, match="PARCOURS_PROGRAMME"):
        Parcours(
            settings=Settings.from_env(
                {"PARCOURS_PROGRAMME": "nulle-part-2030"}, url=f"sqlite:///{tmp_path}/x.db"
            )
        )


def test_the_code_names_a_programme_in_two_places_at_most() -> None:
    """Issue 21: the programme is data. Its id may stand in the settings' default and in the
    demo (which plays Grand Est's cohort), nowhere else in the code."""
    from pathlib import Path

    import parcours

    root = Path(parcours.__file__).parent
    naming = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if '"grand-est-2024"' in line or f'"{FNE}"' in line
    )
    assert naming == ["demo/cast.py", "settings.py"], naming
