"""R15 as data: every public method of `Parcours` has a row in the roles table, every row is
well formed, and the pure check allows or refuses each role exactly as its row says.

Generated from the table: a new command without a row fails
`test_every_public_method_has_a_row`, and each row's verdicts are checked for every role.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from uuid import uuid4

import pytest

from parcours import NotAuthorised, Parcours, load_programme
from parcours.domain.roles import ACTS_FR, Grant, Question, check, funder_roles, roles_markdown
from parcours.programme import GRANTED_ROLES, SYSTEM_PRINCIPALS, Programme

GRAND_EST = load_programme("grand-est-2024")
TABLES = {GRAND_EST.id: GRAND_EST}
README = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")

# Helpers of the facade that read or write nothing of the record: not acts.
NOT_ACTS = {
    "now": "the clock",
    "today": "the clock, in a programme's zone",
    "programme": "a programme's definition (public data)",
    "correlation": "stamps the commands of a block with a request id",
    "event_count": "a number, for tests of 'nothing appended'",
    "close_connections": "the process's own connections",
    "verify_audit_export": "checks lines the caller hands it; reads nothing of the record",
}
# Acts parcours itself performs, never offered on the facade.
INTERNAL = {"evaluate_deadlines", "purge"}
PILOT = str(uuid4())
OTHER_PILOT = str(uuid4())


def public_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(Parcours)
        if not name.startswith("_") and callable(member) and not isinstance(member, type)
    }


def test_every_public_method_has_a_row() -> None:
    missing = public_methods() - set(GRAND_EST.roles) - set(NOT_ACTS)
    assert not missing, f"no row in the roles table (R15) for: {sorted(missing)}"


def test_every_row_is_a_public_method_or_parcours_own() -> None:
    assert set(GRAND_EST.roles) - public_methods() == INTERNAL


def test_every_row_cites_a_rule_and_the_charter_and_has_a_french_label() -> None:
    for act, row in GRAND_EST.roles.items():
        assert re.fullmatch(r"R\d+", row.rule), act
        assert row.charter.strip(), act
        assert act in ACTS_FR, act


def test_the_signature_says_who_acts() -> None:
    """A principal's act takes a required `actor=`; a cohort view an optional one; an
    operator's act none (no principal acts through it)."""
    for act, row in GRAND_EST.roles.items():
        if act in INTERNAL:
            continue
        actor = inspect.signature(getattr(Parcours, act)).parameters.get("actor")
        if row.roles == ("operator",):
            assert actor is None, act
        elif row.roles == ("any",):
            assert actor is not None, act
            assert actor.default is None, act
        else:
            assert actor is not None, act
            assert actor.default is inspect.Parameter.empty, act


def _holding(role: str, programme: str = GRAND_EST.id, pilot: str = PILOT) -> tuple[Grant, ...]:
    principal = f"{role}:someone"
    return (Grant(principal, role, programme, pilot if role == "referent" else None),)


def _expected(row_roles: tuple[str, ...], role: str, programme: Programme) -> bool:
    allowed = set(row_roles)
    if "funder" in allowed:
        allowed |= set(funder_roles(programme))
    return role in allowed or ("any" in allowed)


PRINCIPAL_ACTS = [
    act
    for act, row in GRAND_EST.roles.items()
    if not {"operator", *SYSTEM_PRINCIPALS} & set(row.roles)
]


@pytest.mark.parametrize("act", PRINCIPAL_ACTS)
@pytest.mark.parametrize("role", GRANTED_ROLES)
def test_each_role_is_allowed_or_refused_as_its_row_says(act: str, role: str) -> None:
    row = GRAND_EST.roles[act]
    grants = _holding(role)
    question = Question(
        act=act,
        principal=grants[0].principal,
        grants=grants,
        programme=GRAND_EST.id,
        pilot_id=PILOT,
    )
    if _expected(row.roles, role, GRAND_EST):
        permit = check(question, TABLES)
        assert permit.masked == (
            role in row.masked and role not in set(row.roles) - set(row.masked)
        )
    else:
        with pytest.raises(NotAuthorised) as refused:
            check(question, TABLES)
        message = str(refused.value)
        assert message.startswith(row.rule if row.rule == "R15" else f"{row.rule}/R15 : ")
        assert ACTS_FR[act] in message
        assert grants[0].principal in message
        assert refused.value.act == act
        assert refused.value.needed  # the roles that would have allowed it


@pytest.mark.parametrize("act", PRINCIPAL_ACTS)
def test_a_referent_of_another_pilot_is_refused_every_pilot_act(act: str) -> None:
    row = GRAND_EST.roles[act]
    grants = _holding("referent", pilot=OTHER_PILOT)
    question = Question(
        act=act, principal="pilot:other", grants=grants, programme=GRAND_EST.id, pilot_id=PILOT
    )
    if "any" in row.roles:
        assert check(question, TABLES)
    else:
        with pytest.raises(NotAuthorised, match="referent d'un autre pilote"):
            check(question, TABLES)


@pytest.mark.parametrize("act", PRINCIPAL_ACTS)
@pytest.mark.parametrize("role", ["agency", "region", "auditor"])
def test_a_role_in_another_programme_allows_nothing_here(act: str, role: str) -> None:
    grants = _holding(role, programme="another-programme")
    question = Question(
        act=act,
        principal=grants[0].principal,
        grants=grants,
        programme=GRAND_EST.id,
        pilot_id=PILOT,
    )
    if "any" in GRAND_EST.roles[act].roles:
        return
    with pytest.raises(NotAuthorised, match="dans another-programme"):
        check(question, {**TABLES, "another-programme": GRAND_EST})


@pytest.mark.parametrize("act", sorted(GRAND_EST.roles))
@pytest.mark.parametrize("principal", ["system:scheduler", "system:retention", "system:x"])
def test_a_caller_naming_a_system_principal_is_refused_whatever_the_act(
    act: str, principal: str
) -> None:
    question = Question(act=act, principal=principal, programme=GRAND_EST.id, pilot_id=PILOT)
    with pytest.raises(NotAuthorised, match="réservé à parcours"):
        check(question, TABLES)


@pytest.mark.parametrize("act", sorted(GRAND_EST.roles))
@pytest.mark.parametrize("principal", SYSTEM_PRINCIPALS)
def test_parcours_own_principals_do_their_own_acts_only(act: str, principal: str) -> None:
    question = Question(
        act=act, principal=principal, programme=GRAND_EST.id, pilot_id=PILOT, system=True
    )
    if principal in GRAND_EST.roles[act].roles:
        assert check(question, TABLES).roles == (principal,)
    else:
        with pytest.raises(NotAuthorised, match="n'accomplit que ses propres actes"):
            check(question, TABLES)


def test_the_message_names_the_rule_the_act_the_principal_and_the_role() -> None:
    grants = (Grant("agency:ops-1", "agency", GRAND_EST.id),)
    question = Question(
        act="decide_communication",
        principal="agency:ops-1",
        grants=grants,
        programme=GRAND_EST.id,
        pilot_id=PILOT,
    )
    with pytest.raises(NotAuthorised) as refused:
        check(question, TABLES)
    assert str(refused.value) == (
        "R10/R15 : seule la Région peut décider d'une communication (agency:ops-1 détient agency)"
    )
    assert refused.value.needed == ("region",)
    assert isinstance(refused.value, PermissionError)


def test_a_closed_store_accepts_only_the_first_agency_given_to_its_author() -> None:
    first = Question(
        act="grant",
        principal="agency:ops-1",
        programme=GRAND_EST.id,
        role="agency",
        subject="agency:ops-1",
        store_open=False,
    )
    assert check(first, TABLES).roles == ("agency",)
    for question in (
        Question(act="enroll", principal="agency:ops-1", programme=GRAND_EST.id, store_open=False),
        Question(
            act="grant",
            principal="agency:ops-1",
            programme=GRAND_EST.id,
            role="region",
            subject="agency:ops-1",
            store_open=False,
        ),
        Question(
            act="grant",
            principal="agency:ops-1",
            programme=GRAND_EST.id,
            role="agency",
            subject="agency:ops-2",
            store_open=False,
        ),
    ):
        with pytest.raises(NotAuthorised, match="aucun rôle n'est encore attribué"):
            check(question, TABLES)


def test_a_programme_without_agency_gets_its_first_from_another_programmes_agency() -> None:
    other = GRAND_EST.model_copy(update={"id": "second-2025"})
    tables = {**TABLES, "second-2025": other}
    agency = (Grant("agency:ops-1", "agency", GRAND_EST.id),)
    region = (Grant("region:r", "region", GRAND_EST.id),)
    name_first = Question(
        act="grant",
        principal="agency:ops-1",
        grants=agency,
        programme="second-2025",
        role="agency",
        subject="agency:b",
        programme_staffed=False,
    )
    assert check(name_first, tables)
    with pytest.raises(NotAuthorised, match="second-2025 n'a pas encore d'agence"):
        check(
            Question(
                act="grant",
                principal="region:r",
                grants=region,
                programme="second-2025",
                role="agency",
                subject="region:r",
                programme_staffed=False,
            ),
            tables,
        )
    # once staffed, the agency of the first programme has no say there
    with pytest.raises(NotAuthorised, match="agency dans grand-est-2024"):
        check(
            Question(
                act="grant",
                principal="agency:ops-1",
                grants=agency,
                programme="second-2025",
                role="region",
                subject="region:b",
            ),
            tables,
        )


def test_a_programme_may_change_a_row_and_keeps_the_others_from_the_charter() -> None:
    changed = Programme.model_validate(
        {
            **GRAND_EST.model_dump(),
            "id": "second-2025",
            "roles": {
                "log_time": {"roles": ["referent", "agency"], "rule": "R6", "charter": "ours"}
            },
        }
    )
    assert changed.roles["log_time"].roles == ("referent", "agency")
    assert changed.roles["decide_communication"] == GRAND_EST.roles["decide_communication"]


def test_the_readme_shows_the_table_as_the_programme_states_it() -> None:
    shown = README.split("<!-- roles table -->\n", 1)[1].split("\n<!-- end of roles table -->")[0]
    assert shown == roles_markdown(GRAND_EST)
