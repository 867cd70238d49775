"""R15, the edges of the pure check (domain/roles.py) that the generated table tests
(test_roles_table.py) do not reach: each test names the charter sentence and the case that
tells the right answer from a wrong one (the mutants `make mutate` found alive,
tests/MUTATION.md).
"""

from __future__ import annotations

import pytest

from parcours import NotAuthorised, load_programme
from parcours.catalogue import has
from parcours.domain.roles import (
    Grant,
    Question,
    check,
    funder_roles,
    roles_markdown,
)
from parcours.programme import ROLE_WORDS, Programme

GRAND_EST = load_programme("grand-est-2024")
TABLES = {GRAND_EST.id: GRAND_EST}
PILOT = "6f1c2a57-3a0e-4d0b-9d3e-2f8a1c0b7e11"


def _programme(programme_id: str, **changes: object) -> Programme:
    return Programme.model_validate({**GRAND_EST.model_dump(), "id": programme_id, **changes})


def test_r15_where_no_scheme_names_a_funder_the_agency_records_the_funding_decision() -> None:
    # « Where the charter is silent, the agency decides. »
    assert funder_roles(_programme("sans-financement", funding_schemes=[])) == ("agency",)


def test_r15_a_caller_naming_the_purge_is_refused_and_told_which_act_in_french() -> None:
    question = Question(act="enroll", principal="system:retention", programme=GRAND_EST.id)
    with pytest.raises(NotAuthorised) as refused:
        check(question, TABLES)
    assert str(refused.value) == (
        "R15 : system:retention est un principal réservé à parcours ; aucun appelant ne peut "
        "agir sous ce nom (inscrire un pilote)"
    )


def test_r15_the_scheduler_is_refused_an_act_not_its_own_and_told_which_in_french() -> None:
    question = Question(
        act="enroll", principal="system:scheduler", programme=GRAND_EST.id, system=True
    )
    with pytest.raises(NotAuthorised) as refused:
        check(question, TABLES)
    assert str(refused.value) == (
        "R15 : system:scheduler n'accomplit que ses propres actes, pas : inscrire un pilote"
    )


def test_r15_the_purge_asked_of_no_programme_is_the_retentions_own_act() -> None:
    # No programme named: every programme's table is asked.
    question = Question(act="purge", principal="system:retention", system=True)
    permit = check(question, TABLES)
    assert (permit.act, permit.principal, permit.roles) == (
        "purge",
        "system:retention",
        ("system:retention",),
    )


def test_r15_a_system_act_in_a_programme_is_judged_by_that_programmes_table_only() -> None:
    # A programme that gives the purge of a pilot to its agency: parcours' retention may not
    # purge there, whatever another programme's table says.
    own = _programme(
        "second-2025", roles={"purge": {"roles": ["agency"], "rule": "R13", "charter": "ours"}}
    )
    tables = {**TABLES, own.id: own}
    here = Question(act="purge", principal="system:retention", programme=own.id, system=True)
    with pytest.raises(NotAuthorised, match="n'accomplit que ses propres actes"):
        check(here, tables)
    there = Question(act="purge", principal="system:retention", programme=GRAND_EST.id, system=True)
    assert check(there, tables).roles == ("system:retention",)


def test_r15_a_charter_quote_holding_a_bar_stays_in_its_cell_of_the_readme_table() -> None:
    programme = _programme(
        "second-2025",
        roles={"log_time": {"roles": ["referent"], "rule": "R6", "charter": "2 jours | mois"}},
    )
    assert "| `log_time` | referent | R6 | 2 jours \\| mois |" in roles_markdown(programme)


def _agency(programme: str = GRAND_EST.id) -> tuple[Grant, ...]:
    return (Grant("agency:ops-1", "agency", programme),)


def test_r15_an_agency_of_two_programmes_reads_the_dashboard_of_both() -> None:
    other = _programme("second-2025")
    grants = (*_agency(), *_agency(other.id))
    question = Question(act="dashboard", principal="agency:ops-1", grants=grants)
    permit = check(question, {**TABLES, other.id: other})
    assert permit.programmes == frozenset({GRAND_EST.id, other.id})
    assert (permit.act, permit.principal, permit.masked) == ("dashboard", "agency:ops-1", False)


def _refused(question: Question, tables: dict[str, Programme] = TABLES) -> NotAuthorised:
    with pytest.raises(NotAuthorised) as refused:
        check(question, tables)
    return refused.value


def test_r15_an_act_without_a_row_is_refused_to_everyone_even_the_agency() -> None:
    for programme in (GRAND_EST.id, None):
        refused = _refused(
            Question(act="fly", principal="agency:ops-1", grants=_agency(), programme=programme)
        )
        assert str(refused) == (
            "R15 : aucun rôle ne permet de fly (aucune ligne dans la table des rôles ; "
            "agency:ops-1 détient agency)"
        )
        assert (refused.act, refused.principal, refused.needed) == ("fly", "agency:ops-1", ())


def test_r12_a_referent_may_not_read_the_programme_contacts_three_roles_may() -> None:
    grants = (Grant("pilot:ops", "referent", GRAND_EST.id, PILOT),)
    refused = _refused(
        Question(
            act="programme_contacts",
            principal="pilot:ops",
            grants=grants,
            programme="grand-est-2024",
        )
    )
    assert str(refused) == (
        "R12/R15 : seuls l'Agence, la Région ou un auditeur peuvent lire les contacts du "
        "programme (pilot:ops détient referent d'un autre pilote)"
    )
    assert refused.needed == ("agency", "region", "auditor")


def test_r15_a_principal_holding_no_role_may_not_read_the_dashboard() -> None:
    refused = _refused(Question(act="dashboard", principal="nobody:x"))
    assert str(refused) == (
        "R15 : seul un principal qui détient un rôle peut lire le tableau de bord "
        "(nobody:x ne détient aucun rôle)"
    )
    assert refused.needed == ("any",)


def test_r6_a_referent_of_two_other_pilots_is_named_once_in_the_refusal() -> None:
    grants = (
        Grant("pilot:ops", "referent", GRAND_EST.id, PILOT),
        Grant("pilot:ops", "referent", GRAND_EST.id, "a-third-pilot"),
    )
    refused = _refused(
        Question(
            act="log_time",
            principal="pilot:ops",
            grants=grants,
            programme=GRAND_EST.id,
            pilot_id="another-pilot",
        )
    )
    assert str(refused) == (
        "R6/R15 : seul un référent de ce pilote peut déclarer du temps passé "
        "(pilot:ops détient referent d'un autre pilote)"
    )


def test_r15_a_referent_grant_naming_no_pilot_acts_for_no_pilot() -> None:
    grants = (Grant("pilot:ops", "referent", GRAND_EST.id),)
    refused = _refused(
        Question(act="log_time", principal="pilot:ops", grants=grants, programme=GRAND_EST.id)
    )
    assert refused.needed == ("referent",)


def test_r16_a_decision_on_the_regions_own_scheme_is_the_regions() -> None:
    region = (Grant("region:r", "region", GRAND_EST.id),)
    allowed = Question(
        act="decide_funding",
        principal="region:r",
        grants=region,
        programme=GRAND_EST.id,
        pilot_id=PILOT,
        role="region",
    )
    permit = check(allowed, TABLES)
    assert (permit.roles, permit.programmes) == (("region",), frozenset({GRAND_EST.id}))
    refused = _refused(
        Question(
            act="decide_funding",
            principal="agency:ops-1",
            grants=_agency(),
            programme=GRAND_EST.id,
            pilot_id=PILOT,
            role="region",
        )
    )
    assert str(refused) == (
        "R16/R15 : seule la Région peut enregistrer la décision de financement "
        "(agency:ops-1 détient agency)"
    )
    assert refused.needed == ("region",)


def test_r16_before_the_scheme_is_known_the_funders_of_the_programmes_schemes_decide() -> None:
    # Grand Est's only scheme is the State's and Centre-Val de Loire's: the agency records it.
    region = (Grant("region:r", "region", GRAND_EST.id),)
    refused = _refused(
        Question(
            act="decide_funding",
            principal="region:r",
            grants=region,
            programme=GRAND_EST.id,
            pilot_id=PILOT,
        )
    )
    assert refused.needed == ("agency",)
    # A programme parcours does not know: either funder may.
    elsewhere = (Grant("region:r", "auditor", "elsewhere"),)
    refused = _refused(
        Question(
            act="decide_funding",
            principal="region:r",
            grants=elsewhere,
            programme="elsewhere",
            pilot_id=PILOT,
        )
    )
    assert str(refused) == (
        "R16/R15 : seuls la Région ou l'Agence peuvent enregistrer la décision de financement "
        "(region:r détient auditor)"
    )
    assert refused.needed == ("region", "agency")


def test_r15_the_first_grant_of_a_closed_store_opens_it_and_names_no_programme_agency() -> None:
    first = Question(
        act="grant",
        principal="agency:ops-1",
        programme=GRAND_EST.id,
        role="agency",
        subject="agency:ops-1",
        store_open=False,
    )
    permit = check(first, TABLES)
    assert (permit.act, permit.principal, permit.opens_store, permit.first_agency) == (
        "grant",
        "agency:ops-1",
        True,
        False,
    )


def test_r15_a_new_programmes_first_agency_is_named_by_an_agency_and_only_by_one() -> None:
    other = _programme("second-2025")
    tables = {**TABLES, other.id: other}
    name_first = Question(
        act="grant",
        principal="agency:ops-1",
        grants=_agency(),
        programme=other.id,
        role="agency",
        subject="agency:b",
        programme_staffed=False,
    )
    permit = check(name_first, tables)
    assert (permit.act, permit.principal, permit.roles) == ("grant", "agency:ops-1", ("agency",))
    assert (permit.first_agency, permit.opens_store) == (True, False)
    region = (Grant("region:r", "region", GRAND_EST.id),)
    refused = _refused(
        Question(
            act="grant",
            principal="region:r",
            grants=region,
            programme=other.id,
            role="agency",
            subject="region:r",
            programme_staffed=False,
        ),
        tables,
    )
    assert str(refused) == (
        "R15 : second-2025 n'a pas encore d'agence ; seul un principal qui détient agency dans "
        "un autre programme peut la nommer (region:r détient region dans grand-est-2024)"
    )
    assert refused.needed == ("agency",)


def test_r15_a_closed_store_refuses_any_act_but_the_first_grant_naming_the_asker() -> None:
    refused = _refused(
        Question(act="enroll", principal="agency:ops-1", programme=GRAND_EST.id, store_open=False)
    )
    assert str(refused) == (
        "R15 : aucun rôle n'est encore attribué ; seul le premier acte est accepté, qui donne "
        "le rôle agency à son propre auteur (parcours grant agency:ops-1 agency) ; "
        "agency:ops-1 ne détient aucun rôle"
    )


def test_r10_the_pilots_own_referent_refused_the_regions_decision_is_named_its_referent() -> None:
    grants = (Grant("pilot:ops", "referent", GRAND_EST.id, PILOT),)
    refused = _refused(
        Question(
            act="decide_communication",
            principal="pilot:ops",
            grants=grants,
            programme=GRAND_EST.id,
            pilot_id=PILOT,
        )
    )
    assert str(refused) == (
        "R10/R15 : seule la Région peut décider d'une communication (pilot:ops détient referent)"
    )


def test_r15_a_referent_in_another_programme_and_an_auditor_here_are_both_named() -> None:
    grants = (
        Grant("pilot:ops", "auditor", GRAND_EST.id),
        Grant("pilot:ops", "referent", "second-2025", PILOT),
    )
    other = _programme("second-2025")
    refused = _refused(
        Question(
            act="log_time",
            principal="pilot:ops",
            grants=grants,
            programme=GRAND_EST.id,
            pilot_id=PILOT,
        ),
        {**TABLES, other.id: other},
    )
    assert str(refused) == (
        "R6/R15 : seul un référent de ce pilote peut déclarer du temps passé "
        "(pilot:ops détient auditor, referent dans second-2025)"
    )


def test_r15_a_refusal_quotes_the_row_of_the_acts_own_programme() -> None:
    # second-2025 lets its agency log time too; its auditor is told so, not Grand Est's row.
    other = _programme(
        "second-2025",
        roles={"log_time": {"roles": ["referent", "agency"], "rule": "R6", "charter": "ours"}},
    )
    grants = (Grant("audit:a", "auditor", other.id),)
    refused = _refused(
        Question(
            act="log_time", principal="audit:a", grants=grants, programme=other.id, pilot_id=PILOT
        ),
        {**TABLES, other.id: other},
    )
    assert refused.needed == ("referent", "agency")
    assert str(refused) == (
        "R6/R15 : seuls un référent de ce pilote ou l'Agence peuvent déclarer du temps passé "
        "(audit:a détient auditor)"
    )


def test_r15_an_act_without_a_row_names_what_the_asker_holds_here_and_elsewhere() -> None:
    grants = (
        Grant("pilot:ops", "referent", GRAND_EST.id, PILOT),
        Grant("pilot:ops", "agency", "second-2025"),
    )
    refused = _refused(
        Question(
            act="fly", principal="pilot:ops", grants=grants, programme=GRAND_EST.id, pilot_id=PILOT
        )
    )
    assert str(refused) == (
        "R15 : aucun rôle ne permet de fly (aucune ligne dans la table des rôles ; "
        "pilot:ops détient referent, agency dans second-2025)"
    )


def test_r15_every_role_a_row_may_name_has_its_name_in_french_and_in_english() -> None:
    # A refusal names the roles that may act (_who): each role a row may name has its
    # "role.<word>" and "role_only.<word>" texts in both catalogues (tests/MUTATION.md).
    for lang in ("fr", "en"):
        missing = [
            f"{kind}.{word}"
            for word in ROLE_WORDS
            for kind in ("role", "role_only")
            if not has(f"{kind}.{word}", lang)
        ]
        assert missing == [], lang


def test_r15_a_role_in_a_programme_whose_table_is_not_at_hand_hides_none_of_the_others() -> None:
    # An act asked of no programme is asked of every programme where a role is held: one
    # whose table the check is not handed (sorted before Grand Est) answers nothing, and
    # Grand Est's agency still reads its programme's contacts.
    grants = (Grant("agency:ops-1", "auditor", "aaa-unknown"), *_agency())
    question = Question(act="programme_contacts", principal="agency:ops-1", grants=grants)
    permit = check(question, TABLES)
    assert (permit.roles, permit.programmes) == (("agency",), frozenset({GRAND_EST.id}))
