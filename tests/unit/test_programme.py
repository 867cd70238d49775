from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parcours import Parcours, ProgrammeError, load_programme
from tests.support.roles import LEAD, staffed


def test_grand_est_carries_the_numbers_of_the_charter() -> None:
    p = load_programme("grand-est-2024")
    assert p.calendar.diagnostic_due == date(2024, 12, 31)  # R3
    assert p.calendar.deployment_start_due == date(2025, 6, 30)  # R4
    assert (p.follow_ups.min_per_month, p.follow_ups.max_per_month) == (1, 2)  # R5
    assert p.time_budget.diagnostic_days == 2  # R6
    assert p.time_budget.deployment_days_per_month == 2  # R6
    assert p.rex.required == {2024: 1, 2025: 2}  # R7
    assert p.retention.until == date(2026, 1, 31)  # R13
    assert p.timezone == "Europe/Paris"


def test_a_malformed_programme_names_the_field(tmp_path: Path) -> None:
    text = (
        Path(load_programme.__code__.co_filename).parent / "programmes" / "grand-est-2024.toml"
    ).read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("min_per_month = 1", 'min_per_month = "one"'))
    with pytest.raises(ProgrammeError, match=r"follow_ups\.min_per_month"):
        load_programme(bad)


def test_an_unknown_programme_lists_the_known_ones() -> None:
    with pytest.raises(ProgrammeError, match="grand-est-2024"):
        load_programme("nowhere")


def test_a_registered_programme_survives_a_restart(tmp_path: Path) -> None:
    text = (
        Path(load_programme.__code__.co_filename).parent / "programmes" / "grand-est-2024.toml"
    ).read_text()
    second = tmp_path / "grand-est-2025.toml"
    second.write_text(text.replace('id = "grand-est-2024"', 'id = "grand-est-2025"'))
    url = f"sqlite:///{tmp_path}/p.db"
    Parcours(url).register_programme(str(second))
    again = staffed(Parcours(url), "grand-est-2025")
    pilot = again.enroll(
        name="CC X",
        programme="grand-est-2025",
        charter_signed_on=date(2025, 9, 1),
        actor=LEAD,
    )
    assert again.get_pilot(pilot, actor=LEAD).programme == "grand-est-2025"
