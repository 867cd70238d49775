"""Round 2 programme data: every date and figure of R2, R4, R5, R8, R11, R14 and R16 is data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from parcours import InvalidInput, ProgrammeError, load_programme
from parcours.programme import Programme

GRAND_EST = load_programme("grand-est-2024")
FNE = load_programme("fne-eure-et-loir-2024")
TOML = Path(load_programme.__code__.co_filename).parent / "programmes" / "grand-est-2024.toml"


def test_le_temps_de_l_experimentation_prendra_fin_en_janvier_2026() -> None:
    assert GRAND_EST.experiment_ends == date(2026, 1, 31)  # R2
    assert GRAND_EST.end_of_experiment.announce_days_before == 60


def test_la_mise_en_oeuvre_is_judged_per_month_of_at_least_15_days() -> None:
    assert GRAND_EST.mise_en_oeuvre.min_days_judged == 15  # R5
    assert GRAND_EST.mise_en_oeuvre.framing_judged_from is not None


def test_les_indicateurs_remontent_chaque_trimestre() -> None:
    assert GRAND_EST.indicator_reports.cadence_months == 3  # R8


def test_sous_la_responsabilite_du_dirigeant_de_grand_e_nov() -> None:
    controller = GRAND_EST.controller
    assert controller is not None  # R14
    assert controller.responsible == "le dirigeant de Grand E-nov"
    assert controller.address() == "GRAND E-NOV+, 30 rue François Spoerry, 68100 Mulhouse"
    assert controller.email == "rgdp@grandenov.plus"


def test_contacts_a_completer_obligatoirement_for_the_region_and_the_agency() -> None:
    assert [(c.organisation, c.required) for c in GRAND_EST.programme_contacts] == [
        ("region", True),
        ("agency", True),
    ]  # R11
    assert "Usages numériques" in GRAND_EST.contact_role("region").label


def test_the_charter_names_no_call_so_a_scheme_asked_is_refused_naming_it() -> None:
    """R16: FNE's call is its own programme's (fne-eure-et-loir-2024), not Grand Est's."""
    assert GRAND_EST.funding_schemes == ()
    with pytest.raises(InvalidInput, match="« fne-call-for-projects »") as refused:
        GRAND_EST.funding_scheme("fne-call-for-projects")
    assert refused.value.field == "scheme"
    assert "grand-est-2024" in str(refused.value)


def test_a_definition_kept_before_round_2_still_loads_and_ends_with_its_retention() -> None:
    old = json.loads(GRAND_EST.model_dump_json())
    for name in (
        "experiment_ends",
        "end_of_experiment",
        "mise_en_oeuvre",
        "indicator_reports",
        "controller",
        "programme_contacts",
    ):
        old.pop(name)
    # A scheme kept before round 2 had no funder and no window (FNE's, as Grand Est held it).
    scheme = json.loads(FNE.funding_scheme("fne-call-for-projects").model_dump_json())
    for name in ("funder", "applications_open", "applications_close", "decisions_by"):
        scheme.pop(name)
    old["funding_schemes"] = [scheme]

    again = Programme.model_validate_json(json.dumps(old))

    assert again.experiment_ends == again.retention.until
    assert again.controller is None
    assert again.programme_contacts == ()
    assert again.funding_schemes[0].funder is None


@pytest.mark.parametrize(
    ("before", "after", "field"),
    [
        ("experiment_ends = 2026-01-31", "experiment_ends = 2026-02-01", "experiment_ends"),
        ("cadence_months = 3", "cadence_months = 0", "indicator_reports.cadence_months"),
        ('email = "rgdp@grandenov.plus"', 'email = "nobody"', "controller.email"),
        ("min_days_judged = 15", "min_days_judged = 32", "mise_en_oeuvre.min_days_judged"),
    ],
)
def test_a_malformed_round_2_field_is_named(
    tmp_path: Path, before: str, after: str, field: str
) -> None:
    text = TOML.read_text(encoding="utf-8")
    assert before in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(before, after), encoding="utf-8")
    with pytest.raises(ProgrammeError, match=field.replace(".", r"\.") or "root"):
        load_programme(bad)


def test_a_call_window_out_of_order_is_refused() -> None:
    data = json.loads(FNE.model_dump_json())
    data["funding_schemes"][0].update(
        applications_open="2024-03-01", applications_close="2024-02-01"
    )
    with pytest.raises(ValueError, match="out of order"):
        Programme.model_validate_json(json.dumps(data))
