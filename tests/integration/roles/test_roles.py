"""Who may do what (R15), through the API, on SQLite and PostgreSQL.

The first test is generated from the roles table: every act of the facade that a principal
performs is tried by the agency, the Region, an auditor, the pilot's referent, another
pilot's referent and an unknown principal; each is refused (`NotAuthorised`, nothing
appended) or let through to the act itself exactly as the row says. The others are the named
cases of issue 15.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from parcours import InvalidInput, NotAuthorised, Parcours, ParcoursError, RuleViolation
from parcours.domain.roles import OPERATOR, funder_roles
from parcours.service.requests import SystemPrincipal
from tests.support.fne import APPLIED, DECIDED, SCHEME, call_without_window, fne_in_deployment
from tests.support.roles import AUDITOR, LEAD, REFERENT_ID, REGION, with_referent
from tests.support.scenarios import INDICATOR, REFERENT, enrolled, in_deployment

OTHER_REFERENT = "pilot:other-ops"
STRANGER = "nobody:x1"
ROLES_OF = {
    LEAD: "agency",
    REGION: "region",
    AUDITOR: "auditor",
    REFERENT_ID: "referent",
    OTHER_REFERENT: None,  # a referent, of another pilot
    STRANGER: None,
}


@dataclass
class World:
    pilot: UUID
    project: UUID
    person: UUID
    other_pilot: UUID


def _world(app: Parcours) -> World:
    pilot, project = in_deployment(app)
    person = app.pilots.view(app.pipeline.load(pilot)).contacts[0].person_id
    other = enrolled(app, name="CC du Pays de Bitche")
    app.revoke(REFERENT_ID, "referent", pilot=other, actor=LEAD)
    with_referent(app, other, OTHER_REFERENT)
    return World(pilot, project, person, other)


Act = Callable[[Parcours, World, str], Any]
DAY = date(2025, 3, 20)
# One call per act a principal performs, with values that pass validation: the check runs
# before the pilot is loaded, so sub-ids (a communication, a blocker) may be made up.
CALLS: dict[str, Act] = {
    "enroll": lambda app, w, a: app.enroll(
        name="CC X", programme="grand-est-2024", charter_signed_on=date(2024, 9, 2), actor=a
    ),
    "designate_referent": lambda app, w, a: app.designate_referent(
        w.pilot, actor=a, **{**REFERENT, "role": "elected"}
    ),
    "designate_programme_contact": lambda app, w, a: app.designate_programme_contact(
        "grand-est-2024",
        organisation="region",
        first_name="Claude",
        last_name="Durand",
        email="claude.durand@example.org",
        phone="+33 3 87 00 00 00",
        title="Chef de projets",
        actor=a,
    ),
    "programme_contacts": lambda app, w, a: app.programme_contacts("grand-est-2024", actor=a),
    "rectify_contact": lambda app, w, a: app.rectify_contact(
        w.pilot, w.person, title="Directeur", actor=a
    ),
    "record_objection": lambda app, w, a: app.record_objection(w.pilot, uuid4(), actor=a),
    "erase_person": lambda app, w, a: app.erase_person(w.pilot, uuid4(), actor=a),
    "redact": lambda app, w, a: app.redact(w.pilot, containing="Personne", actor=a),
    "start_diagnostic": lambda app, w, a: app.start_diagnostic(w.pilot, on=DAY, actor=a),
    "complete_diagnostic": lambda app, w, a: app.complete_diagnostic(w.pilot, on=DAY, actor=a),
    "start_deployment": lambda app, w, a: app.start_deployment(w.pilot, on=DAY, actor=a),
    "start_evaluation": lambda app, w, a: app.start_evaluation(w.pilot, on=DAY, actor=a),
    "close": lambda app, w, a: app.close(w.pilot, on=DAY, actor=a),
    "withdraw": lambda app, w, a: app.withdraw(w.pilot, reason="x", on=date(2024, 8, 1), actor=a),
    "log_time": lambda app, w, a: app.log_time(w.pilot, days=1, on=DAY, actor=a),
    "recommend_project": lambda app, w, a: app.recommend_project(
        w.pilot, title="P", theme="e-health", actor=a
    ),
    "frame_project": lambda app, w, a: app.frame_project(
        w.pilot, uuid4(), indicators=[INDICATOR], evaluation_protocol="x", actor=a
    ),
    "report_indicator": lambda app, w, a: app.report_indicator(
        w.pilot, w.project, key="people_helped", value=1, period="2025-Q2", actor=a
    ),
    "record_follow_up": lambda app, w, a: app.record_follow_up(w.pilot, on=DAY, actor=a),
    "record_rex": lambda app, w, a: app.record_rex(
        w.pilot, session=f"rex-{uuid4().hex[:6]}", on=DAY, actor=a
    ),
    "schedule_rex": lambda app, w, a: app.schedule_rex(
        "grand-est-2024", on=DAY, kind="collective", title="REX", actor=a
    ),
    "raise_alert": lambda app, w, a: app.raise_alert(
        w.pilot, kind="change", description="x", on=DAY, actor=a
    ),
    "request_communication": lambda app, w, a: app.request_communication(
        w.pilot, title="News", on=DAY, actor=a
    ),
    "decide_communication": lambda app, w, a: app.decide_communication(
        w.pilot, uuid4(), approved=True, on=DAY, actor=a
    ),
    "publish_communication": lambda app, w, a: app.publish_communication(
        w.pilot, uuid4(), on=DAY, actor=a
    ),
    "record_evaluation": lambda app, w, a: app.record_evaluation(
        w.pilot, findings="f", recommendations="r", replicable=True, actor=a
    ),
    "source_solution": lambda app, w, a: app.source_solution(
        w.pilot, w.project, name="S", provider="P", regional=True, actor=a
    ),
    # Grand Est has no scheme (R16): past the roles check, the act refuses the scheme.
    "identify_funding": lambda app, w, a: app.identify_funding(
        w.pilot,
        w.project,
        scheme="fne-call-for-projects",
        amount_eur=1000,
        rate=0.5,
        months=12,
        actor=a,
    ),
    "decide_funding": lambda app, w, a: app.decide_funding(
        w.pilot, uuid4(), granted=True, on=DAY, actor=a
    ),
    "raise_blocker": lambda app, w, a: app.raise_blocker(w.pilot, description="x", on=DAY, actor=a),
    "lift_blocker": lambda app, w, a: app.lift_blocker(w.pilot, uuid4(), how="x", on=DAY, actor=a),
    # a principal no one else uses, so that an accepted grant changes no other verdict
    "grant": lambda app, w, a: app.grant(f"auditor:{uuid4().hex[:8]}", "auditor", actor=a),
    "revoke": lambda app, w, a: app.revoke("auditor:never-held", "auditor", actor=a),
    "get_pilot": lambda app, w, a: app.get_pilot(w.pilot, actor=a),
    "history": lambda app, w, a: app.history(w.pilot, actor=a),
    "export_audit": lambda app, w, a: app.export_audit(w.pilot, actor=a),
    "role_history": lambda app, w, a: app.role_history("grand-est-2024", actor=a),
    "export_personal_data": lambda app, w, a: app.export_personal_data(
        email=REFERENT["email"], actor=a
    ),
    "list_pilots": lambda app, w, a: app.list_pilots(actor=a),
    "pilot_references": lambda app, w, a: app.pilot_references(actor=a),
    "dashboard": lambda app, w, a: app.dashboard(today=DAY, actor=a),
    "indicators": lambda app, w, a: app.indicators(w.pilot, actor=a),
    "rex_sessions": lambda app, w, a: app.rex_sessions(actor=a),
    "time_budget": lambda app, w, a: app.time_budget(w.pilot, actor=a),
    "follow_up_cadence": lambda app, w, a: app.follow_up_cadence(w.pilot, actor=a),
    "rex_attendance": lambda app, w, a: app.rex_attendance(2025, actor=a),
    "report_html": lambda app, w, a: app.report_html(today=DAY, actor=a),
    "verify_audit_trail": lambda app, w, a: app.verify_audit_trail(actor=a),
    "verify_purge": lambda app, w, a: app.verify_purge(actor=a),
    "principals": lambda app, w, a: app.principals(actor=a),
}


def _principal_acts() -> list[str]:
    from parcours import load_programme

    table = load_programme("grand-est-2024").roles
    return [
        a
        for a, row in table.items()
        if not {"operator", "system:scheduler", "system:retention"} & set(row.roles)
    ]


def test_every_act_of_a_principal_has_a_call_here() -> None:
    assert set(_principal_acts()) == set(CALLS)


@pytest.mark.parametrize("act", sorted(CALLS))
def test_each_role_is_allowed_or_refused_as_the_table_says(app: Parcours, act: str) -> None:
    world = _world(app)
    programme = app.programme("grand-est-2024")
    row = programme.roles[act]
    allowed = set(row.roles) | (set(funder_roles(programme)) if "funder" in row.roles else set())
    for principal, role in ROLES_OF.items():
        granted = principal != STRANGER
        expect = role in allowed or ("any" in allowed and granted)
        before = app.event_count()
        outcome = _attempt(lambda who=principal: CALLS[act](app, world, who))
        if isinstance(outcome, NotAuthorised):
            assert not expect, f"{act} by {principal} ({role}) refused: {outcome}"
            assert app.event_count() == before, f"{act} refused yet appended"
            assert principal in str(outcome)
            assert "R15" in str(outcome)
        else:  # accepted, or refused by the act's own rule (phase, unknown id…)
            assert expect, f"{act} by {principal} ({role}) got past the roles check"


def _attempt(call: Callable[..., Any]) -> ParcoursError | None:
    try:
        call()
    except ParcoursError as error:
        return error
    return None


# -- the named cases -----------------------------------------------------------------------


def refused(app: Parcours, match: str) -> Any:
    """Refused with `NotAuthorised` whose message matches, and nothing appended."""

    class Check:
        def __enter__(self) -> None:
            self.before = app.event_count()
            self.raises = pytest.raises(NotAuthorised, match=match)
            self.raises.__enter__()

        def __exit__(self, *exc: Any) -> bool:
            handled = bool(self.raises.__exit__(*exc))
            assert app.event_count() == self.before, "a refused act appended events"
            return handled

    return Check()


def test_a_referent_of_pilot_a_acts_on_a_only(app: Parcours) -> None:
    a = enrolled(app, name="CC A")
    b = enrolled(app, name="CC B")
    app.revoke(REFERENT_ID, "referent", pilot=b, actor=LEAD)
    app.log_time(a, days=1, on=DAY, actor=REFERENT_ID)
    with refused(
        app,
        r"^R6/R15 : seul un référent de ce pilote peut déclarer du temps passé "
        r"\(pilot:referent détient referent d'un autre pilote\)$",
    ):
        app.log_time(b, days=1, on=DAY, actor=REFERENT_ID)
    with refused(app, "R12/R15"):
        app.get_pilot(b, actor=REFERENT_ID)


def test_an_auditor_writes_nothing(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    with refused(app, r"R6/R15 : seul un référent .* \(auditor:ccrc-1 détient auditor\)"):
        app.log_time(pilot, days=1, on=DAY, actor=AUDITOR)
    with refused(app, r"R5/R15 : seule l'Agence peut enregistrer un temps de suivi"):
        app.record_follow_up(pilot, on=DAY, actor=AUDITOR)
    with refused(app, "R15 : seule l'Agence peut attribuer un rôle"):
        app.grant("auditor:friend", "auditor", actor=AUDITOR)


def test_an_auditor_reads_personal_values_masked(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    contact = app.get_pilot(pilot, actor=AUDITOR).contacts[0]
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "[personal]",
        "[personal]",
        "[personal]",
        "[personal]",
    )
    assert app.get_pilot(pilot, actor=REGION).contacts[0].email == REFERENT["email"]
    assert app.get_pilot(pilot, actor=REFERENT_ID).contacts[0].email == REFERENT["email"]
    designated = next(e for e in app.history(pilot, actor=AUDITOR) if "sealed" in e.fields)
    assert set(designated.fields["sealed"].values()) == {"[personal]"}
    assert REFERENT["last_name"] not in repr(app.history(pilot, actor=AUDITOR))
    assert app.export_audit(pilot, actor=AUDITOR)  # the chain, sealed values only
    with refused(app, r"R14/R15 : seuls l'Agence ou la Région peuvent exporter"):
        app.export_personal_data(email=REFERENT["email"], actor=AUDITOR)


def test_the_agency_cannot_decide_a_communication_the_region_can(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    news = app.request_communication(pilot, title="Press release", on=DAY, actor=REFERENT_ID)
    with refused(
        app,
        r"^R10/R15 : seule la Région peut décider d'une communication "
        r"\(agency:project-lead détient agency\)$",
    ):
        app.decide_communication(pilot, news, approved=True, on=DAY, actor=LEAD)
    app.decide_communication(pilot, news, approved=True, on=DAY, actor=REGION)
    app.publish_communication(pilot, news, on=DAY, actor=REFERENT_ID)


def test_a_revoked_referent_is_refused_and_both_facts_are_in_the_history(
    app: Parcours,
) -> None:
    pilot = enrolled(app)
    app.log_time(pilot, days=1, on=DAY, actor=REFERENT_ID)
    app.revoke(REFERENT_ID, "referent", pilot=pilot, actor=LEAD)
    with refused(app, r"R6/R15 .* \(pilot:referent ne détient aucun rôle\)"):
        app.log_time(pilot, days=1, on=DAY, actor=REFERENT_ID)
    facts = [
        (e.event_type, e.actor, e.fields.get("principal"))
        for e in app.history(pilot, actor=LEAD)
        if e.event_type.startswith("Role")
    ]
    assert facts == [
        ("RoleGranted", LEAD, REFERENT_ID),
        ("RoleRevoked", LEAD, REFERENT_ID),
    ]
    assert app.verify_audit_trail().ok


def test_an_unknown_actor_is_refused(app: Parcours) -> None:
    pilot = enrolled(app)
    with refused(app, rf"R15 : seule l'Agence peut inscrire un pilote \({STRANGER} ne détient"):
        app.enroll(name="CC X", programme="grand-est-2024", charter_signed_on=DAY, actor=STRANGER)
    with refused(app, "R12/R15"):
        app.history(pilot, actor=STRANGER)
    with refused(app, "R15 : seul un principal qui détient un rôle peut lire le tableau de bord"):
        app.dashboard(today=DAY, actor=STRANGER)
    # an unknown pilot is not revealed to someone who holds nothing
    with refused(app, "R6/R15"):
        app.log_time(uuid4(), days=1, on=DAY, actor=STRANGER)


def test_a_caller_cannot_act_as_a_system_principal(app: Parcours) -> None:
    pilot = enrolled(app)
    for name in ("system:scheduler", "system:retention"):
        with refused(app, f"R15 : {name} est un principal réservé à parcours"):
            app.log_time(pilot, days=1, on=DAY, actor=name)
        # not even the system's own acts, through the pipeline itself
        with refused(app, "réservé à parcours"):
            app.pipeline.run(None, "evaluate_deadlines", pilot, name, lambda p, a, w: None)
        # nor with a look-alike of the pipeline's own principal
        forged = SystemPrincipal(name, object())
        with refused(app, "réservé à parcours"):
            app.pipeline.run(None, "evaluate_deadlines", pilot, forged, lambda p, a, w: None)
    # the real one acts for its own acts only
    scheduler = app.pipeline.system("system:scheduler")
    with refused(app, "system:scheduler n'accomplit que ses propres actes"):
        app.log_time(pilot, days=1, on=DAY, actor=scheduler)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation, match="R15"):
        app.grant("system:scheduler", "agency", actor=LEAD)


def test_a_new_store_is_closed_but_for_the_first_agency(db_url: str, clock: Any) -> None:
    app = Parcours(db_url, clock=clock)
    try:
        with refused(app, "R15 : aucun rôle n'est encore attribué"):
            app.enroll(name="CC X", programme="grand-est-2024", charter_signed_on=DAY, actor=LEAD)
        with refused(app, "aucun rôle n'est encore attribué"):
            app.grant(REGION, "region", actor=REGION)
        with refused(app, "aucun rôle n'est encore attribué"):
            app.grant(REGION, "agency", actor=LEAD)  # to its own author only
        assert app.event_count() == 0
        app.grant(LEAD, "agency", actor=LEAD)
        with refused(app, "R15 : seule l'Agence peut attribuer un rôle"):
            app.grant("agency:usurper", "agency", actor="agency:usurper")
        with pytest.raises(RuleViolation, match="dernière agence"):
            app.revoke(LEAD, "agency", actor=LEAD)
        with pytest.raises(RuleViolation, match="détient déjà"):
            app.grant(LEAD, "agency", actor=LEAD)
        with pytest.raises(InvalidInput, match="pilot"):
            app.grant(REFERENT_ID, "referent", actor=LEAD)
        with pytest.raises(InvalidInput, match="principal"):
            app.grant("Camille Martin", "auditor", actor=LEAD)  # a name is no principal id
        assert [(h.principal, h.role) for h in app.principals()] == [(LEAD, "agency")]
        assert [e.summary for e in app.role_history(actor=LEAD)] == [
            "roles of grand-est-2024 opened (R15)",
            "agency role granted to agency:project-lead (R15)",
        ]
    finally:
        app.close_connections()


def test_a_second_programme_has_its_own_agency_and_region(app: Parcours) -> None:
    second = app.programme("grand-est-2024").model_copy(update={"id": "second-2025"})
    app.register_programme(second)
    with refused(app, r"R15 : seule l'Agence peut inscrire .* agency dans grand-est-2024"):
        app.enroll(name="CC Y", programme="second-2025", charter_signed_on=DAY, actor=LEAD)
    with refused(app, "second-2025 n'a pas encore d'agence"):
        app.grant(REGION, "agency", programme="second-2025", actor=REGION)
    app.grant("agency:b", "agency", programme="second-2025", actor=LEAD)  # names its first
    with refused(app, "seule l'Agence peut attribuer un rôle"):
        app.grant("region:b", "region", programme="second-2025", actor=LEAD)
    app.grant("region:b", "region", programme="second-2025", actor="agency:b")
    pilot = app.enroll(
        name="CC Y", programme="second-2025", charter_signed_on=DAY, actor="agency:b"
    )
    with refused(app, "R12/R15"):
        app.get_pilot(pilot, actor=REGION)  # the Region of the other programme
    assert app.get_pilot(pilot, actor="region:b").programme == "second-2025"
    with refused(app, "R15 : seule l'Agence peut attribuer"):
        app.grant(REFERENT_ID, "referent", pilot=pilot, actor=LEAD)
    # the right of access: each Region sees the people of its own programme only
    ardenne = enrolled(app, name="CC A")
    app.designate_referent(ardenne, actor=LEAD, **REFERENT)
    app.designate_referent(pilot, actor="agency:b", **REFERENT)
    found = app.export_personal_data(email=REFERENT["email"], actor="region:b").records
    assert [r.pilot_id for r in found] == [pilot]
    found = app.export_personal_data(email=REFERENT["email"], actor=REGION).records
    assert [r.pilot_id for r in found] == [ardenne]


def test_the_funder_of_the_scheme_records_the_funding_decision(app: Parcours) -> None:
    pilot, project = fne_in_deployment(app)
    line = app.identify_funding(
        pilot,
        project,
        scheme=SCHEME,
        amount_eur=1000,
        rate=0.5,
        months=12,
        on=APPLIED,
        actor=LEAD,
    )
    # France Numérique Ensemble's call is not the Region's money: the agency records it
    with refused(app, r"R16/R15 : seule l'Agence peut enregistrer la décision de financement"):
        app.decide_funding(pilot, line, granted=True, on=DECIDED, actor=REGION)
    app.decide_funding(pilot, line, granted=True, on=DECIDED, actor=LEAD)


def test_the_region_records_its_own_schemes_decision(app: Parcours) -> None:
    base = app.programme("grand-est-2024")
    # FNE's call (another funder's money) beside a scheme of the Region's own; neither has a
    # window, so that the lines may be asked on this pilot's days (R16's window is not the point).
    call = call_without_window(app)
    schemes = (call, call.model_copy(update={"id": "region-scheme", "funder": "region"}))
    app.register_programme(
        base.model_copy(update={"id": "with-region", "funding_schemes": schemes})
    )
    app.grant(LEAD, "agency", programme="with-region", actor=LEAD)
    app.grant(REGION, "region", programme="with-region", actor=LEAD)
    pilot = app.enroll(
        name="CC Z", programme="with-region", charter_signed_on=date(2024, 9, 2), actor=LEAD
    )
    # (the line is refused by the aggregate before the roles could matter; reach deployment)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    project = app.recommend_project(pilot, title="P", theme="e-health", actor=LEAD)
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    regional = app.identify_funding(
        pilot, project, scheme="region-scheme", amount_eur=1000, rate=0.5, months=12, actor=LEAD
    )
    other = app.identify_funding(
        pilot,
        project,
        scheme="fne-call-for-projects",
        amount_eur=1000,
        rate=0.5,
        months=12,
        actor=LEAD,
    )
    with refused(app, r"R15 : seule la Région peut enregistrer la décision de financement"):
        app.decide_funding(pilot, regional, granted=True, on=DAY, actor=LEAD)
    app.decide_funding(pilot, regional, granted=True, on=DAY, actor=REGION)
    with refused(app, r"seule l'Agence peut enregistrer la décision de financement"):
        app.decide_funding(pilot, other, granted=True, on=DAY, actor=REGION)
    app.decide_funding(pilot, other, granted=False, on=DAY, actor=LEAD)


def test_a_refusal_is_logged_without_personal_data(app: Parcours, capsys: Any) -> None:
    from parcours import logs

    logs.configure("json", "info")
    try:
        pilot = enrolled(app)
        capsys.readouterr()
        with refused(app, "R10/R15"):
            app.decide_communication(pilot, uuid4(), approved=True, on=DAY, actor=LEAD)
        line = next(x for x in capsys.readouterr().err.splitlines() if "command.refused" in x)
        assert '"act": "decide_communication"' in line
        assert LEAD in line
        assert '"needed": ["region"]' in line
    finally:
        logs.configure()


def test_an_old_database_opens_and_starts_with_the_agency(db_url: str, clock: Any) -> None:
    """A database made before the roles: no grants table, no pilot → programme rows."""
    from sqlalchemy import text

    first = Parcours(db_url, clock=clock)
    first.pipeline.authorise = lambda request: OPERATOR  # the previous version checked nothing
    pilot = first.enroll(
        name="CC Ancienne", programme="grand-est-2024", charter_signed_on=DAY, actor=LEAD
    )
    with first.pipeline.store.engine.begin() as connection:  # as the previous version left it
        connection.execute(text("DROP TABLE parcours_grants"))
        connection.execute(text("DROP TABLE parcours_pilot_programmes"))
        connection.execute(text("DELETE FROM parcours_meta WHERE name <> 'email_digest_secret'"))
    first.close_connections()
    app = Parcours(db_url, clock=clock)
    try:
        assert app.principals() == []
        with refused(app, "aucun rôle n'est encore attribué"):
            app.get_pilot(pilot, actor=LEAD)
        app.grant(LEAD, "agency", actor=LEAD)  # the deployment's first act, again
        assert app.get_pilot(pilot, actor=LEAD).name == "CC Ancienne"
        with app.pipeline.reading() as session:
            rows = session.execute(
                text("SELECT pilot_id, programme FROM parcours_pilot_programmes")
            )
            assert [tuple(r) for r in rows] == [(str(pilot), "grand-est-2024")]
    finally:
        app.close_connections()


def test_principal_ids_are_opaque_handles(app: Parcours) -> None:
    for bad in ("", "Camille Martin", "x" * 200, "a:b c"):
        with pytest.raises(InvalidInput, match="principal"):
            app.grant(bad, "auditor", actor=LEAD)
    with pytest.raises(InvalidInput, match="role"):
        app.grant("auditor:z", "superuser", actor=LEAD)


@pytest.mark.parametrize("race", ["the store's first grant", "a programme's first agency"])
def test_two_first_grants_at_once_let_one_through(db_url: str, clock: Any, race: str) -> None:
    """Two deployments racing to be the first agency of the store (in two programmes), or two
    agencies naming the first agency of a new programme: one wins, the other is refused."""
    import threading

    first = Parcours(db_url, clock=clock)
    first.register_programme(first.programme("grand-est-2024").model_copy(update={"id": "b-25"}))
    second = Parcours(db_url, clock=clock)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(app: Parcours, principal: str, programme: str, actor: str) -> None:
        start.wait()
        try:
            app.grant(principal, "agency", programme=programme, actor=actor)
            outcomes[principal] = "granted"
        except NotAuthorised:
            outcomes[principal] = "refused"

    if race == "the store's first grant":
        claims = [
            (first, "agency:one", "grand-est-2024", "agency:one"),
            (second, "agency:two", "b-25", "agency:two"),
        ]
    else:
        first.grant(LEAD, "agency", actor=LEAD)
        first.grant("agency:lead-2", "agency", actor=LEAD)
        claims = [
            (first, "agency:one", "b-25", LEAD),
            (second, "agency:two", "b-25", "agency:lead-2"),
        ]
    threads = [threading.Thread(target=claim, args=args) for args in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(outcomes.values()) == ["granted", "refused"]
        assert len([h for h in first.principals() if h.principal.endswith(("one", "two"))]) == 1
    finally:
        first.close_connections()
        second.close_connections()
