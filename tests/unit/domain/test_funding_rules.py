"""R16 as the call states it, the pure check: every refusal's rule, field, scheme and figure,
and what stands against the cap (issue 22: tests that would catch a wrong rule)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from parcours import RuleViolation
from parcours.domain import funding
from parcours.programme import FundingScheme

CALL = FundingScheme(
    id="aap-inclusion-2024",
    title="Appel à projets inclusion numérique (test)",
    max_amount_eur=50000,
    max_months=36,
    max_rate=0.6,
    max_rate_priority_district=0.8,
    applications_open=date(2024, 3, 1),
    applications_close=date(2024, 4, 30),
    decisions_by=date(2024, 6, 30),
)
DAY = date(2024, 4, 2)


def apply(**changes: Any) -> float:
    terms: dict[str, Any] = {
        "on": DAY,
        "amount_eur": 10000,
        "months": 12,
        "rate": None,
        "eligible_cost_eur": 50000,
        "priority_district": False,
        "already": 0.0,
    }
    terms.update(changes)
    return funding.check_application(CALL, **terms)


def refusal(**changes: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        apply(**changes)
    assert caught.value.rule == "R16"
    return caught.value


def test_eur_writes_whole_and_cent_amounts() -> None:
    assert funding.eur(50000) == "50,000 €"
    assert funding.eur(1234.5) == "1,234.50 €"


def plain(text: str) -> str:
    """The message with babel's narrow and no-break spaces written as spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"on": date(2024, 2, 29)},
            "on",
            "dispositif « aap-inclusion-2024 » : candidatures ouvertes à partir du 1er mars 2024",
        ),
        (
            {"on": date(2024, 5, 1)},
            "on",
            "dispositif « aap-inclusion-2024 » : candidatures closes le 30 avril 2024 "
            "(fenêtre de l'appel)",
        ),
        ({"months": 37}, "months", "dispositif « aap-inclusion-2024 » : au plus 36 mois"),
        ({"rate": 0.61}, "rate", "dispositif « aap-inclusion-2024 » : un taux d'au plus 60 %"),
        (
            {"rate": 0.81, "priority_district": True},
            "rate",
            "un taux d'au plus 80 % en quartier prioritaire de la politique de la ville",
        ),
        (
            {"amount_eur": 30000.01},
            "amount_eur",
            "au plus 60 % du coût éligible 50 000 €, soit 30 000 €",
        ),
        (
            {"amount_eur": 40000.01, "priority_district": True},
            "amount_eur",
            "au plus 80 % du coût éligible 50 000 € en quartier prioritaire de la politique de "
            "la ville, soit 40 000 €",
        ),
        (
            {"amount_eur": 20000.5, "eligible_cost_eur": 100000, "already": 30000},
            "amount_eur",
            "dispositif « aap-inclusion-2024 » : au plus 50 000 € par projet sur 36 mois ; "
            "30 000 € déjà identifiés ou accordés, 20 000 € restants",
        ),
        (
            {"amount_eur": 1, "eligible_cost_eur": 100000, "already": 60000},
            "amount_eur",
            "60 000 € déjà identifiés ou accordés, 0 € restants",
        ),
        ({"eligible_cost_eur": None}, "eligible_cost_eur", "donnez le taux ou le coût éligible"),
    ],
)
def test_each_refusal_cites_r16_the_scheme_the_field_and_the_figure(
    changes: dict[str, Any], field: str, message: str
) -> None:
    error = refusal(**changes)
    assert error.field == field
    assert str(error).startswith(f"R16 ({field}) : ")
    assert message in plain(str(error))


def test_a_refusal_reads_in_english_on_request() -> None:
    error = refusal(amount_eur=20000.5, eligible_cost_eur=100000, already=30000)
    assert error.render("en") == (
        "R16 (amount_eur): scheme 'aap-inclusion-2024': at most €50,000 per project over 36 "
        "months; €30,000 already identified or granted, €20,000 left"
    )


@pytest.mark.parametrize(
    ("changes", "rate"),
    [
        ({"on": date(2024, 3, 1)}, 0.2),  # the first day of the window
        ({"on": date(2024, 4, 30)}, 0.2),  # its last day
        ({"months": 36}, 0.2),
        ({"rate": 0.6}, 0.6),  # the rate given is recorded
        ({"rate": 0.8, "priority_district": True}, 0.8),
        ({"amount_eur": 30000}, 0.6),  # exactly the rate of the eligible cost
        ({"amount_eur": 12345.67, "eligible_cost_eur": 45678.9}, 0.2703),  # rounded to 4 places
        ({"amount_eur": 20000, "eligible_cost_eur": 100000, "already": 30000}, 0.2),  # the cap
        ({"rate": 0.5, "eligible_cost_eur": None}, 0.5),
    ],
)
def test_what_the_call_allows_is_accepted_and_its_rate_recorded(
    changes: dict[str, Any], rate: float
) -> None:
    assert apply(**changes) == rate


def test_a_scheme_with_no_window_takes_any_day() -> None:
    open_call = CALL.model_copy(
        update={"applications_open": None, "applications_close": None, "decisions_by": None}
    )
    funding.check_application(
        open_call,
        on=date(2030, 1, 1),
        amount_eur=1,
        months=1,
        rate=None,
        eligible_cost_eur=10,
        priority_district=False,
        already=0,
    )
    funding.check_decision(open_call, date(2030, 1, 1))


def test_decisions_by_the_call_s_date_inclusive() -> None:
    funding.check_decision(CALL, date(2024, 6, 30))
    with pytest.raises(RuleViolation) as caught:
        funding.check_decision(CALL, date(2024, 7, 1))
    assert (caught.value.rule, caught.value.field) == ("R16", "on")
    assert "décisions au plus tard le 30 juin 2024 (fenêtre de l'appel)" in str(caught.value)


def test_what_stands_against_the_cap_is_the_project_s_lines_of_this_scheme_not_refused() -> None:
    def line(project: str, scheme: str, status: str, amount: float) -> dict[str, Any]:
        return {"project_id": project, "scheme": scheme, "status": status, "amount_eur": amount}

    lines = [
        line("p", CALL.id, "requested", 10000),
        line("p", CALL.id, "granted", 15000.5),
        line("p", CALL.id, "refused", 20000),
        line("q", CALL.id, "granted", 40000),
        line("p", "another-scheme", "granted", 30000),
    ]
    assert funding.standing(lines, CALL, "p") == 25000.5
    assert funding.standing(lines, CALL, "q") == 40000
    assert funding.standing([], CALL, "p") == 0


def test_the_applicable_rate_is_the_priority_district_s_there() -> None:
    assert funding.applicable_rate(CALL, priority_district=False) == 0.6
    assert funding.applicable_rate(CALL, priority_district=True) == 0.8
