"""Every guard of the charter, on SQLite and on PostgreSQL: a clear error, nothing appended."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from uuid import uuid4

import pytest

from parcours import (
    InvalidInput,
    NotFound,
    Parcours,
    ParcoursError,
    PhaseError,
    PilotNotFound,
    RuleViolation,
)
from tests.support.roles import REFERENT_ID, REGION
from tests.support.scenarios import (
    INDICATOR,
    LEAD,
    REFERENT,
    enrolled,
    in_deployment,
    in_diagnostic,
    in_evaluation,
    in_framing,
)


@contextmanager
def rejected(app: Parcours, error: type[ParcoursError], match: str) -> Iterator[None]:
    before = app.event_count()
    with pytest.raises(error, match=match):
        yield
    assert app.event_count() == before, "a rejected command appended events"


def test_diagnostic_cannot_start_without_operational_referent(app: Parcours) -> None:
    pilot = enrolled(app)
    with rejected(app, RuleViolation, "R11"):
        app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)


def test_an_elected_referent_alone_does_not_open_the_diagnostic(app: Parcours) -> None:
    pilot = enrolled(app)
    app.designate_referent(pilot, actor=LEAD, **{**REFERENT, "role": "elected"})
    with rejected(app, RuleViolation, "R11"):
        app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)


def test_diagnostic_cannot_end_without_a_recommended_project(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, RuleViolation, "R1"):
        app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)


def test_deployment_cannot_start_without_a_framed_project(app: Parcours) -> None:
    pilot, _ = in_framing(app)
    with rejected(app, RuleViolation, "R8"):
        app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)


def test_framing_needs_at_least_one_indicator(app: Parcours) -> None:
    pilot, project = in_framing(app)
    with rejected(app, InvalidInput, "indicators"):
        app.frame_project(pilot, project, indicators=[], evaluation_protocol="x", actor=LEAD)


def test_framing_needs_an_evaluation_protocol(app: Parcours) -> None:
    pilot, project = in_framing(app)
    with rejected(app, InvalidInput, "evaluation_protocol"):
        app.frame_project(
            pilot, project, indicators=[INDICATOR], evaluation_protocol="  ", actor=LEAD
        )


def test_follow_ups_only_during_the_mise_en_oeuvre(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, PhaseError, "R1.*temps de suivi"):
        app.record_follow_up(pilot, on=date(2024, 10, 10), actor=LEAD)


def test_follow_up_cannot_predate_the_framing(app: Parcours) -> None:
    pilot, _ = in_deployment(app)  # framing since 12 December 2024
    with rejected(app, InvalidInput, "on"):
        app.record_follow_up(pilot, on=date(2024, 12, 11), actor=LEAD)


def test_indicators_only_for_framed_projects(app: Parcours) -> None:
    pilot, project = in_deployment(app)
    with rejected(app, NotFound, "projet"):
        app.report_indicator(
            pilot, uuid4(), key="people_helped", value=1, period="2025-Q2", actor=REFERENT_ID
        )
    assert project


def test_indicators_only_with_their_co_defined_keys(app: Parcours) -> None:
    pilot, project = in_deployment(app)
    with rejected(app, RuleViolation, "R8.*« visits »"):
        app.report_indicator(
            pilot, project, key="visits", value=1, period="2025-Q2", actor=REFERENT_ID
        )


def test_only_an_approved_communication_can_be_published(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    news = app.request_communication(
        pilot, title="Press release", on=date(2024, 10, 1), actor=REFERENT_ID
    )
    with rejected(app, RuleViolation, "R10"):
        app.publish_communication(pilot, news, on=date(2024, 10, 2), actor=REFERENT_ID)
    app.decide_communication(pilot, news, approved=False, on=date(2024, 10, 3), actor=REGION)
    with rejected(app, RuleViolation, "R10.*refusée"):
        app.publish_communication(pilot, news, on=date(2024, 10, 4), actor=REFERENT_ID)


def test_a_communication_is_decided_once(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    news = app.request_communication(
        pilot, title="Press release", on=date(2024, 10, 1), actor=REFERENT_ID
    )
    app.decide_communication(pilot, news, approved=True, on=date(2024, 10, 3), actor=REGION)
    with rejected(app, RuleViolation, "R10"):
        app.decide_communication(pilot, news, approved=False, on=date(2024, 10, 3), actor=REGION)
    app.publish_communication(pilot, news, on=date(2024, 10, 4), actor=REFERENT_ID)
    assert app.get_pilot(pilot, actor=LEAD).communications[0].status == "published"


def test_phase_dates_never_go_backwards(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.recommend_project(pilot, title="Portail citoyen", theme="e-administration", actor=LEAD)
    with rejected(app, RuleViolation, "R1"):
        app.complete_diagnostic(pilot, on=date(2024, 9, 1), actor=LEAD)


def test_no_effective_date_after_today(app: Parcours) -> None:
    pilot = enrolled(app)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    with rejected(app, InvalidInput, "on.*après aujourd'hui"):
        app.start_diagnostic(pilot, on=date(2031, 1, 1), actor=LEAD)


def test_no_charter_signed_in_the_future(app: Parcours) -> None:
    with rejected(app, InvalidInput, "charter_signed_on"):
        app.enroll(
            name="CC X", programme="grand-est-2024", charter_signed_on=date(2031, 1, 1), actor=LEAD
        )


@pytest.mark.parametrize("final", ["withdraw", "close"])
def test_nothing_is_accepted_after_withdrawal_or_closure(app: Parcours, final: str) -> None:
    pilot, _ = in_evaluation(app)
    if final == "withdraw":
        app.withdraw(pilot, reason="Council decision", on=date(2025, 11, 4), actor=LEAD)
    else:
        app.record_evaluation(pilot, findings="f", recommendations="r", replicable=True, actor=LEAD)
        app.close(pilot, on=date(2025, 12, 15), actor=LEAD)
    with rejected(app, PhaseError, "R1"):
        app.log_time(pilot, days=1, on=date(2025, 12, 16), actor=REFERENT_ID)
    with rejected(app, PhaseError, "R1"):
        app.raise_alert(
            pilot, kind="change", description="x", on=date(2025, 12, 16), actor=REFERENT_ID
        )
    with rejected(app, PhaseError, "R1"):
        app.withdraw(pilot, reason="again", on=date(2025, 12, 16), actor=LEAD)


def test_closing_needs_the_evaluation_report(app: Parcours) -> None:
    pilot, _ = in_evaluation(app)
    with rejected(app, RuleViolation, "R1.*évaluation"):
        app.close(pilot, on=date(2025, 12, 15), actor=LEAD)


def test_evaluation_needs_a_value_for_every_indicator(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    with rejected(app, RuleViolation, "R8.*people_helped"):
        app.start_evaluation(pilot, on=date(2025, 11, 3), actor=LEAD)


def test_no_phase_is_skipped(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, PhaseError, "R1.*déploiement"):
        app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)


def test_the_same_phase_change_twice_is_refused(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, PhaseError, "R1"):
        app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)


def test_unknown_pilot(app: Parcours) -> None:
    with rejected(app, PilotNotFound, "introuvable"):
        app.start_diagnostic(uuid4(), on=date(2024, 9, 16), actor=LEAD)


def test_unknown_theme_names_the_allowed_ones(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, InvalidInput, "theme.*digital-inclusion"):
        app.recommend_project(pilot, title="x", theme="space", actor=LEAD)


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "camille.martin@"), ("phone", "12"), ("first_name", ""), ("role", "mayor")],
)
def test_malformed_contact_is_refused_naming_the_field(
    app: Parcours, field: str, value: str
) -> None:
    pilot = enrolled(app)
    with rejected(app, InvalidInput, f"^{field}"):
        app.designate_referent(pilot, actor=LEAD, **{**REFERENT, field: value})


def test_a_personal_value_never_appears_in_an_error(app: Parcours) -> None:
    pilot = enrolled(app)
    with pytest.raises(InvalidInput) as caught:
        app.designate_referent(pilot, actor=LEAD, **{**REFERENT, "phone": "0999999"})
    assert "0999999" not in str(caught.value)


def test_every_command_needs_an_actor(app: Parcours) -> None:
    pilot = enrolled(app)
    with rejected(app, InvalidInput, "actor"):
        app.log_time(pilot, days=1, on=date(2024, 9, 3), actor="")


@pytest.mark.parametrize("days", [0, -1, 40])
def test_logged_days_are_positive_and_plausible(app: Parcours, days: float) -> None:
    pilot = in_diagnostic(app)
    with rejected(app, InvalidInput, "days"):
        app.log_time(pilot, days=days, on=date(2024, 10, 1), actor=REFERENT_ID)


def test_a_rex_session_is_counted_once(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.record_rex(pilot, session="rex-2024", on=date(2024, 11, 28), actor=LEAD)
    with rejected(app, RuleViolation, "R7"):
        app.record_rex(pilot, session="rex-2024", on=date(2024, 11, 28), actor=LEAD)


def test_malformed_siren_is_refused(app: Parcours) -> None:
    with rejected(app, InvalidInput, "siren"):
        app.enroll(
            name="CC X",
            programme="grand-est-2024",
            charter_signed_on=date(2024, 9, 2),
            siren="123456789",
            actor=LEAD,
        )


def test_unknown_programme_is_refused(app: Parcours) -> None:
    with rejected(app, ParcoursError, "programme"):
        app.enroll(
            name="CC X", programme="nowhere-2030", charter_signed_on=date(2024, 9, 2), actor=LEAD
        )


def test_the_contract_example_runs_to_closure(app: Parcours) -> None:
    pilot, project = in_evaluation(app)
    app.record_evaluation(
        pilot,
        findings="Itinerant desk reached 3 villages a week",
        recommendations="Extend to the neighbouring EPCI",
        replicable=True,
        actor=LEAD,
    )
    app.close(pilot, on=date(2025, 12, 15), actor=LEAD)
    view = app.get_pilot(pilot, actor=LEAD)
    assert view.phase == "closed"
    assert [s.phase for s in view.phase_history] == [
        "charter_signed",
        "diagnostic",
        "framing",
        "deployment",
        "evaluation",
        "closed",
    ]
    assert view.referent("operational") is not None
    assert view.referent("operational").email == "camille.martin@example.org"  # type: ignore[union-attr]
    assert view.projects[0].indicators[0].reports == {"2025-Q2": 74}
    assert project == view.projects[0].project_id


def test_a_second_instance_sees_the_same_pilot(db_url: str, app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    other = Parcours(db_url, clock=app.clock)
    try:
        assert other.get_pilot(pilot, actor=LEAD) == app.get_pilot(pilot, actor=LEAD)
        assert other.list_pilots() == app.list_pilots()
    finally:
        other.close_connections()
