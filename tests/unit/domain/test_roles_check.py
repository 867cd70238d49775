"""R15, the edges of the pure check (domain/roles.py) that the generated table tests
(test_roles_table.py) do not reach: each test names the charter sentence and the case that
tells the right answer from a wrong one (the mutants `make mutate` found alive,
tests/MUTATION.md).
"""

from __future__ import annotations

import pytest

from parcours import NotAuthorised, load_programme
from parcours.domain.roles import Grant, Question, check, funder_roles, roles_markdown
from parcours.programme import Programme

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
