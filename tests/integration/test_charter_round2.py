"""Charter fidelity, round 2 (issue 19), through the public API on both backends: each test
named as the charter's sentence it enforces, at its boundary dates in Europe/Paris."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from uuid import UUID

import pytest

from parcours import InvalidInput, Parcours, RuleViolation
from parcours.domain.deadlines import Owed
from parcours.programme import Programme, load_programme
from parcours.scheduler import DeadlineScheduler, Notice
from tests.conftest import PARIS, Clock
from tests.integration.test_guards import rejected
from tests.support.scenarios import (
    INDICATOR,
    LEAD,
    REFERENT,
    REFERENT_ID,
    REGION,
    in_deployment,
    in_diagnostic,
    in_framing,
    staffed,
    with_referent,
)

LATE = "grand-est-late"  # Grand Est's calendar, personal data kept until 31 March 2026


def late_programme(app: Parcours) -> str:
    """Grand Est's calendar with retention until 31 March 2026, so that what follows the
    end of the experiment can be seen before the purge."""
    base = load_programme("grand-est-2024")
    data = base.model_dump()
    data.update(id=LATE, retention={"until": date(2026, 3, 31), "notice_days": 14})
    app.register_programme(Programme.model_validate(data, strict=False))
    staffed(app, LATE)
    return LATE


def deployed_in(app: Parcours, programme: str) -> tuple[UUID, UUID]:
    pilot = with_referent(
        app,
        app.enroll(
            name="CC Vallée de la Bruche",
            programme=programme,
            charter_signed_on=date(2024, 9, 2),
            actor=LEAD,
        ),
    )
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    project = app.recommend_project(pilot, title="Tiers-lieu", theme="e-health", actor=LEAD)
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    app.frame_project(
        pilot, project, indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
    )
    app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)
    app.report_indicator(
        pilot,
        project,
        key="people_helped",
        value=5,
        period="2025-Q1",
        on=date(2025, 3, 28),
        actor=REFERENT_ID,
    )
    return pilot, project


def types(app: Parcours, pilot: UUID) -> list[str]:
    return [e.event_type for e in app.history(pilot, actor=LEAD)]


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


# -- R2 -------------------------------------------------------------------------------------------


def test_le_temps_de_l_experimentation_prendra_fin_en_janvier_2026_one_fact_phase_kept(
    app: Parcours,
) -> None:
    programme = late_programme(app)
    pilot, _ = deployed_in(app, programme)
    scheduler = DeadlineScheduler(app)
    scheduler.tick(paris(date(2026, 1, 31), 23, 59))
    assert "ExperimentEnded" not in types(app, pilot)
    scheduler.tick(paris(date(2026, 2, 1), 0, 0))
    scheduler.tick(paris(date(2026, 2, 2), 9))
    assert types(app, pilot).count("ExperimentEnded") == 1
    view = app.get_pilot(pilot, actor=LEAD)
    assert view.phase == "deployment"  # frozen as it was
    alerts = {
        a.rule: a.message
        for a in app.dashboard(today=date(2026, 2, 2), known_at=app.now()).rows[0].alerts
    }
    assert alerts["R2"].startswith(
        "the experiment ended on 2026-01-31 with the pilot in deployment"
    )
    # Nothing but evaluation, closing, rights requests and the purge:
    with rejected(app, RuleViolation, "R2.*l'expérimentation a pris fin le 31 janvier 2026"):
        app.record_follow_up(pilot, on=date(2026, 1, 20), actor=LEAD)
    with rejected(app, RuleViolation, "R2"):
        app.log_time(pilot, days=1, actor=REFERENT_ID)
    app.start_evaluation(pilot, on=date(2026, 2, 10), actor=LEAD)
    app.record_evaluation(pilot, findings="f", recommendations="r", replicable=True, actor=LEAD)
    app.close(pilot, on=date(2026, 2, 20), actor=LEAD)
    person = app.get_pilot(pilot, actor=LEAD).contacts[0].person_id
    app.rectify_contact(pilot, person, title="Directrice TIC", actor=LEAD)
    assert app.get_pilot(pilot, actor=LEAD).phase == "closed"


def test_after_the_end_no_pilot_enrols(app: Parcours) -> None:
    app.enroll(
        name="CC du dernier jour",
        programme="grand-est-2024",
        charter_signed_on=date(2026, 1, 31),
        actor=LEAD,
    )
    with rejected(
        app, InvalidInput, r"charter_signed_on : .*1er février 2026.*31 janvier 2026.*\(R2\)"
    ):
        app.enroll(
            name="CC du lendemain",
            programme="grand-est-2024",
            charter_signed_on=date(2026, 2, 1),
            actor=LEAD,
        )


def test_an_act_dated_after_the_end_is_refused_on_its_business_date_alone(app: Parcours) -> None:
    pilot = in_diagnostic(app)  # no scheduler ran: the date alone decides
    app.log_time(pilot, days=0.5, on=date(2026, 1, 31), actor=REFERENT_ID)
    with rejected(app, RuleViolation, r"R2 \(on\) : le 1er février 2026 est après la fin"):
        app.log_time(pilot, days=0.5, on=date(2026, 2, 1), actor=REFERENT_ID)
    with rejected(app, RuleViolation, "R2"):
        app.withdraw(pilot, reason="Council vote", on=date(2026, 2, 1), actor=LEAD)


def test_the_approach_of_the_end_is_announced_from_2_december_2025(
    app: Parcours, clock: Clock
) -> None:
    pilot, _ = in_framing(app)
    alerts = {
        a.rule for a in app.dashboard(today=date(2025, 12, 1), known_at=app.now()).rows[0].alerts
    }
    assert "R2" not in alerts
    row = app.dashboard(today=date(2025, 12, 2), known_at=app.now()).rows[0]
    assert [a.message for a in row.alerts if a.rule == "R2"] == [
        "the experiment ends on 2026-01-31 (60 days left); not yet in evaluation"
    ]
    report = DeadlineScheduler(app).tick(paris(date(2025, 12, 2), 0, 0))
    assert ("approaching", "R2", 60) in {(r.kind, r.rule, r.offset) for r in report.recorded}
    assert pilot


# -- R4, R5: la mise en œuvre -------------------------------------------------------------------


def test_an_r4_miss_recorded_under_the_old_reading_gets_a_retraction_once(app: Parcours) -> None:
    pilot, _ = in_framing(app)  # framing since 12 December 2024: R4 met
    old_reading = Owed(
        "missed", "R4", date(2025, 6, 30), observed="not done by 2025-06-30 (deployment)"
    )
    app.pipeline.run(
        None,
        "evaluate_deadlines",
        pilot,
        app.pipeline.system("system:scheduler"),
        lambda p, act, _w: p.record_deadline(act, old_reading, paris(date(2025, 7, 1), 0)),
        reschedule=True,
    )
    scheduler = DeadlineScheduler(app)
    scheduler.tick(paris(date(2025, 7, 2), 8))
    scheduler.tick(paris(date(2025, 7, 3), 8))
    history = app.history(pilot, actor=LEAD)
    retractions = [e for e in history if e.event_type == "DeadlineRetracted"]
    assert len(retractions) == 1
    assert retractions[0].fields["rule"] == "R4"
    assert "la mise en œuvre begins with framing" in retractions[0].fields["reading"]
    assert [e.event_type for e in history].count("DeadlineMissed") >= 1  # never rewritten
    assert "R4" not in {
        a.rule for a in app.dashboard(today=date(2025, 7, 2), known_at=app.now()).rows[0].alerts
    }


def test_des_temps_de_suivi_reguliers_are_recorded_in_framing(app: Parcours) -> None:
    pilot, _ = in_framing(app)
    app.record_follow_up(pilot, on=date(2025, 1, 14), actor=LEAD)
    cadence = {
        c.month: c
        for c in app.follow_up_cadence(pilot, today=date(2025, 2, 15), known_at=app.now())
    }
    assert cadence["2025-01"].count == 1
    # framing months before the release of the corrected reading: shown, not judged
    assert cadence["2024-12"].status == "not judged"


# -- R6 -------------------------------------------------------------------------------------------


def test_deux_jours_par_mois_de_deploiement_days_filed_by_the_date_of_work(
    app: Parcours, clock: Clock
) -> None:
    pilot, _ = in_deployment(app)  # diagnostic 16 Sep - 12 Dec 2024, deployment from 3 March
    app.log_time(pilot, days=1, on=date(2024, 11, 28), actor=REFERENT_ID)  # typed in 2026
    app.log_time(pilot, days=0.5, on=date(2025, 1, 10), actor=REFERENT_ID)  # framing
    app.log_time(pilot, days=2, on=date(2025, 3, 20), actor=REFERENT_ID)
    lines = {
        b.period: b for b in app.time_budget(pilot, today=date(2025, 4, 2), known_at=app.now())
    }
    assert (lines["diagnostic"].budget, lines["diagnostic"].logged) == (2, 1)
    assert (lines["framing"].budget, lines["framing"].logged, lines["framing"].status) == (
        None,
        0.5,
        "no estimate",
    )
    assert (lines["2025-03"].budget, lines["2025-03"].logged) == (1.87, 2)


# -- R8 -------------------------------------------------------------------------------------------


def test_faire_remonter_les_indicateurs_chaque_trimestre(app: Parcours) -> None:
    pilot, project = deployed_in(app, "grand-est-2024")  # reported on 28 March 2025
    assert "R8" not in {
        a.rule for a in app.dashboard(today=date(2025, 6, 28), known_at=app.now()).rows[0].alerts
    }
    row = app.dashboard(today=date(2025, 6, 29), known_at=app.now()).rows[0]
    assert [a.message for a in row.alerts if a.rule == "R8"] == [
        "indicator people_helped of Tiers-lieu not reported by 2025-06-28 "
        "(every 3 months during deployment)"
    ]
    [line] = app.indicators(pilot, today=date(2025, 6, 29), known_at=app.now())
    assert (line.last_reported_on, line.next_due) == (date(2025, 3, 28), date(2025, 6, 28))
    app.report_indicator(
        pilot,
        project,
        key="people_helped",
        value=9,
        period="2025-Q2",
        on=date(2025, 6, 30),
        actor=REFERENT_ID,
    )
    [line] = app.indicators(pilot, today=date(2025, 7, 1), known_at=app.now())
    assert (line.last_reported_on, line.next_due) == (date(2025, 6, 30), date(2025, 9, 30))


# -- R11 ------------------------------------------------------------------------------------------

CYRIL = {
    "first_name": "Claude",
    "last_name": "Muret",
    "email": "claude.muret@example.org",
    "phone": "+33 3 87 00 00 00",
    "title": "Chef de projets « Usages numériques et innovations territoriales »",
}


def test_contacts_a_completer_obligatoirement_pour_la_region_et_grand_e_nov(
    app: Parcours,
) -> None:
    in_diagnostic(app)
    board = app.dashboard(today=date(2024, 10, 1), known_at=app.now())
    assert [a.message for a in board.programme_alerts] == [
        "no region project lead designated for the programme",
        "no agency project lead designated for the programme",
    ]
    person = app.designate_programme_contact(
        "grand-est-2024", organisation="region", actor=LEAD, **CYRIL
    )
    [shown] = app.programme_contacts("grand-est-2024", actor=LEAD)
    assert (shown.role, shown.last_name, shown.email) == ("region", "Muret", CYRIL["email"])
    [masked] = app.programme_contacts("grand-est-2024", actor="auditor:ccrc-1")
    assert masked.last_name != "Muret"
    assert [
        a.rule for a in app.dashboard(today=date(2024, 10, 1), known_at=app.now()).programme_alerts
    ] == ["R11"]
    # the same rights as a pilot's referents (R14): access, with the controller; erasure
    export = app.export_personal_data(email=CYRIL["email"], actor=LEAD)
    assert [r.fields["last_name"] for r in export.records] == ["Muret"]
    assert export.controllers[0].email == "rgdp@grandenov.plus"
    app.erase_person("grand-est-2024", person, actor=LEAD)
    assert app.export_personal_data(email=CYRIL["email"], actor=LEAD).records == []
    with rejected(app, RuleViolation, r"R11 \(title\)"):
        app.designate_programme_contact(
            "grand-est-2024", organisation="agency", actor=LEAD, **{**CYRIL, "title": None}
        )


def test_le_titre_portefeuille_de_l_elu_referent_est_obligatoire(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    assert "no elected referent designated" in [
        a.message for a in app.dashboard(today=date(2024, 10, 1), known_at=app.now()).rows[0].alerts
    ]
    elected = {**REFERENT, "role": "elected", "title": None}
    with rejected(app, RuleViolation, r"R11 \(title\).*Titre/Portefeuille"):
        app.designate_referent(pilot, actor=LEAD, **elected)
    app.designate_referent(pilot, actor=LEAD, **{**elected, "title": "Vice-président TIC"})
    assert "no elected referent designated" not in [
        a.message for a in app.dashboard(today=date(2024, 10, 1), known_at=app.now()).rows[0].alerts
    ]


def test_a_programme_contact_is_purged_at_the_end_of_retention(app: Parcours) -> None:
    app.designate_programme_contact("grand-est-2024", organisation="agency", actor=LEAD, **CYRIL)
    report = app.purge_expired(now=paris(date(2026, 2, 1), 0, 0))
    assert (report.persons, report.keys_destroyed, report.verified) == (1, 1, True)
    assert app.export_personal_data(email=CYRIL["email"], actor=LEAD).records == []


# -- R14 ------------------------------------------------------------------------------------------


def test_the_notice_before_purge_names_the_controller_and_the_rights_address(
    app: Parcours,
) -> None:
    in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    received: list[Notice] = []
    scheduler.on_notice(received.append)
    scheduler.tick(paris(date(2026, 1, 16), 8))
    [notice] = [n for n in received if n.rule == "R13"]
    assert notice.controller is not None
    assert notice.controller.responsible == "le dirigeant de Grand E-nov"
    assert notice.controller.postal_address == ["30 rue François Spoerry", "68100 Mulhouse"]
    assert notice.controller.email == "rgdp@grandenov.plus"


def test_the_export_of_personal_data_names_the_controller(app: Parcours) -> None:
    in_diagnostic(app)
    export = app.export_personal_data(email=REFERENT["email"], actor=REGION)
    assert [c.organisation for c in export.controllers] == ["GRAND E-NOV+"]
    assert "rectification" in export.controllers[0].rights


# -- R16, R10 -------------------------------------------------------------------------------------


def test_les_candidatures_jusqu_au_30_04_2024_with_a_scheme_defined_here(
    app: Parcours, clock: Clock
) -> None:
    data = load_programme("grand-est-2024").model_dump()
    data["id"] = "call-2024"
    data["funding_schemes"] = [
        {
            "id": "aap-inclusion-2024",
            "title": "AAP inclusion numérique (test)",
            "funder": "region",
            "max_amount_eur": 50000,
            "max_months": 36,
            "max_rate": 0.6,
            "max_rate_priority_district": 0.8,
            "applications_close": date(2025, 4, 30),
            "decisions_by": date(2025, 6, 30),
        }
    ]
    app.register_programme(Programme.model_validate(data, strict=False))
    staffed(app, "call-2024")
    pilot, project = deployed_in(app, "call-2024")
    line = app.identify_funding(
        pilot,
        project,
        scheme="aap-inclusion-2024",
        amount_eur=30000,
        eligible_cost_eur=50000,
        months=24,
        on=date(2025, 4, 30),
        actor=LEAD,
    )
    with rejected(
        app, RuleViolation, r"R16 \(on\) : dispositif « aap-inclusion-2024 ».*30 avril 2025"
    ):
        app.identify_funding(
            pilot,
            project,
            scheme="aap-inclusion-2024",
            amount_eur=1000,
            eligible_cost_eur=5000,
            months=12,
            on=date(2025, 5, 1),
            actor=LEAD,
        )
    with rejected(app, RuleViolation, r"R16.*décisions au plus tard le 30 juin 2025"):
        app.decide_funding(pilot, line, granted=True, on=date(2025, 7, 1), actor=REGION)
    app.decide_funding(pilot, line, granted=True, on=date(2025, 6, 30), actor=REGION)


def test_frame_project_records_the_maitrise_d_ouvrage(app: Parcours) -> None:
    pilot, project = in_framing(app)
    app.frame_project(
        pilot,
        project,
        indicators=[INDICATOR],
        evaluation_protocol="Count",
        owner="Communauté de Communes Ardenne Rives de Meuse",
        actor=LEAD,
    )
    [shown] = app.get_pilot(pilot, actor=LEAD).projects
    assert shown.owner == "Communauté de Communes Ardenne Rives de Meuse"


@pytest.mark.parametrize("respected", [True, False, None])
def test_en_respectant_la_charte_graphique_de_la_region_le_cas_echeant(
    app: Parcours, respected: bool | None
) -> None:
    pilot = in_diagnostic(app)
    news = app.request_communication(
        pilot, title="Communiqué", on=date(2024, 10, 1), actor=REFERENT_ID
    )
    app.decide_communication(pilot, news, approved=True, on=date(2024, 10, 2), actor=REGION)
    app.publish_communication(
        pilot, news, graphic_charter_respected=respected, on=date(2024, 10, 3), actor=REFERENT_ID
    )
    [shown] = app.get_pilot(pilot, actor=LEAD).communications
    assert (shown.status, shown.graphic_charter_respected) == ("published", respected)
    page = app.report_html(today=date(2024, 10, 3), known_at=app.now())
    assert "charte graphique de la Région respectée / publiées (R10)" in page
    assert f"<td>{1 if respected else 0} / 1</td>" in page


# -- a store made before round 2 -----------------------------------------------------------------

FIXTURE = Path(__file__).parents[1] / "fixtures" / "round1.db"


def test_a_store_made_before_round_2_is_folded_again_and_judged_by_the_corrected_rules(
    tmp_path: Path,
) -> None:
    import shutil

    copy = tmp_path / "round1.db"
    shutil.copyfile(FIXTURE, copy)
    app = staffed(Parcours(f"sqlite:///{copy}", clock=Clock(paris(date(2025, 7, 1), 9))))
    try:
        rows = {r.name: r for r in app.dashboard(today=date(2025, 7, 1), known_at=app.now()).rows}
        ardenne = rows["Communauté de Communes Ardenne Rives de Meuse"]
        # the indicator reported on 28 March 2025 (before `on` existed: its recording day)
        assert "R8" in {a.rule for a in ardenne.alerts}
        before = app.dashboard(today=date(2025, 6, 28), known_at=app.now()).rows
        assert "R8" not in {a.rule for r in before for a in r.alerts if r.name == ardenne.name}
        colombey = rows["Communauté de Communes du Pays de Colombey et du Sud Toulois"]
        assert "R4" not in {a.rule for a in colombey.alerts}  # framing since 20 January 2025
        assert "no elected referent designated" in [a.message for a in colombey.alerts]
        assert app.check_projections().ok
    finally:
        app.close_connections()
