"""R7: France Numérique Ensemble's thematic working groups meet on fixed dates (seed 003,
« Calendrier des groupes de travail »): programme data, and a REX session held as one of them
falls on its date. Grand Est has no such calendar and behaves as before (issue 21)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from parcours import InvalidInput, Parcours, ProgrammeError, RuleViolation, load_programme
from parcours.programme import Programme
from tests.support.fne import FNE, fne_pilot
from tests.support.roles import LEAD

TOML = Path(load_programme.__code__.co_filename).parent / "programmes" / f"{FNE}.toml"
CALENDAR = [
    ("education-jeunesse", datetime(2024, 3, 12, 9, 30)),
    ("emploi-insertion", datetime(2024, 3, 26, 9, 30)),
    ("inclusion-sociale", datetime(2024, 4, 16, 9, 30)),
    ("sante", datetime(2024, 5, 16, 9, 30)),
    ("autonomie", datetime(2024, 5, 23, 9, 30)),
]


def test_the_minutes_calendar_is_the_programmes_data() -> None:
    fne = load_programme(FNE)
    assert [(g.theme, g.starts) for g in fne.working_groups] == CALENDAR
    assert load_programme("grand-est-2024").working_groups == ()


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        ('theme = "sante"', 'theme = "numerique-responsable"', "not one of the themes"),
        ("starts = 2024-05-16T09:30:00", "starts = 2023-12-12T09:30:00", "outside opens"),
        ("starts = 2024-05-16T09:30:00", "starts = 2027-07-01T09:30:00", "outside opens"),
    ],
)
def test_a_working_group_off_the_themes_or_the_window_is_refused(
    before: str, after: str, words: str
) -> None:
    text = TOML.read_text(encoding="utf-8")
    assert text.count(before) == 1
    with pytest.raises(ProgrammeError, match=f"working_groups.*{words}"):
        Programme.from_toml(text.replace(before, after), source="test")


def test_a_working_group_session_falls_on_its_date(app: Parcours) -> None:
    dreux = fne_pilot(app)
    session = app.schedule_rex(
        FNE,
        on=date(2024, 5, 16),
        kind="collective",
        title="Groupe de travail santé",
        theme="sante",
        actor=LEAD,
    )
    app.record_rex(dreux, session=str(session), actor=LEAD)
    assert app.get_pilot(dreux, actor=LEAD).rex[str(session)] == date(2024, 5, 16)
    # The session says which group it is, in the read model and after a rebuild alike.
    assert [s.theme for s in app.rex_sessions(FNE)] == ["sante"]
    app.rebuild_projections()
    assert [s.theme for s in app.rex_sessions(FNE)] == ["sante"]
    before = app.event_count()
    with pytest.raises(RuleViolation) as refused:
        app.schedule_rex(
            FNE, on=date(2024, 5, 17), kind="collective", title="GT", theme="sante", actor=LEAD
        )
    assert (refused.value.rule, refused.value.field) == ("R7", "on")
    assert str(refused.value) == (
        "R7 (on) : le groupe de travail « sante » se réunit le 16 mai 2024 à 09:30"
    )
    with pytest.raises(InvalidInput, match="thèmes du calendrier : education-jeunesse, ") as bad:
        app.schedule_rex(
            FNE, on=date(2024, 5, 16), kind="collective", title="GT", theme="e-health", actor=LEAD
        )
    assert bad.value.field == "theme"
    assert app.event_count() == before


def test_a_session_without_a_theme_is_any_days_even_with_a_calendar(app: Parcours) -> None:
    """« Un comité de pilotage intermédiaire » is a collective session but no working group."""
    fne_pilot(app)
    app.schedule_rex(FNE, on=date(2024, 4, 2), kind="collective", title="COPIL", actor=LEAD)
    assert [(s.title, s.theme) for s in app.rex_sessions(FNE)] == [("COPIL", None)]


def test_grand_est_has_no_working_group_to_name(app: Parcours) -> None:
    before = app.event_count()
    with pytest.raises(InvalidInput, match="« grand-est-2024 » n'a pas de calendrier") as bad:
        app.schedule_rex(
            "grand-est-2024",
            on=date(2024, 11, 28),
            kind="collective",
            title="REX",
            theme="e-health",
            actor=LEAD,
        )
    assert bad.value.field == "theme"
    assert app.event_count() == before
