"""The Grand Est 2024 cohort's story, pilot by pilot (real intercommunalities, fictional
people at example.org)."""

from __future__ import annotations

from datetime import date

from parcours.application import Parcours
from parcours.demo.cast import (
    LEAD,
    referent,
)
from parcours.demo.cohort import Cohort


def scenario(app: Parcours) -> Cohort:
    c = Cohort(app)
    c.pilot(
        "ardenne",
        "Communauté de Communes Ardenne Rives de Meuse",
        ("Camille", "Martin", "Responsable TIC"),
        date(2024, 9, 2),
        (date(2024, 9, 16), date(2024, 12, 12)),
        date(2025, 3, 3),
        evaluation=date(2025, 11, 3),
        closure=date(2025, 12, 15),
    )
    c.pilot(
        "colombey",
        "Communauté de Communes du Pays de Colombey et du Sud Toulois",
        ("Lou", "Bernard", "Chargée de mission numérique"),
        date(2024, 9, 5),
        (date(2024, 9, 23), date(2025, 1, 20)),
        date(2025, 4, 7),
        gap=8,
    )
    c.pilot(
        "bruche",
        "Communauté de Communes de la Vallée de la Bruche",
        ("Sacha", "Petit", "Directeur général des services"),
        date(2024, 9, 9),
        (date(2024, 9, 30), date(2025, 1, 31)),
        None,
        withdrawal=date(2024, 12, 16),
    )
    c.pilot(
        "sauer",
        "Communauté de Communes Sauer-Pechelbronn",
        ("Noa", "Lambert", "Chef de projet"),
        date(2024, 9, 10),
        (date(2024, 10, 1), date(2024, 12, 18)),
        date(2025, 4, 14),
        rex=(date(2024, 11, 28), date(2025, 3, 13)),
    )
    c.pilot(
        "pompey",
        "Communauté de Communes du Bassin de Pompey",
        ("Alix", "Moreau", "Responsable innovation"),
        date(2024, 9, 12),
        (date(2024, 10, 7), date(2024, 12, 20)),
        date(2025, 5, 5),
        days_logged=4.5,
    )
    c.pilot(
        "moselle",
        "Communauté de Communes Rives de Moselle",
        ("Eden", "Girard", "Chargé de mission"),
        date(2024, 9, 16),
        (date(2024, 10, 14), date(2024, 12, 16)),
        date(2025, 3, 17),
    )
    c.pilot(
        "ballons",
        "Communauté de Communes des Ballons des Hautes-Vosges",
        ("Maël", "Fontaine", "Secrétaire générale"),
        date(2024, 9, 18),
        (date(2024, 10, 21), date(2024, 12, 19)),
        date(2025, 7, 15),
        reports_until=date(2025, 10, 1),  # its December report never comes: R8 from 29 Dec
    )
    c.pilot(
        "barr",
        "Communauté de Communes du Pays de Barr",
        ("Lina", "Chevalier", "Responsable numérique"),
        date(2024, 9, 20),
        (date(2024, 10, 28), date(2024, 12, 17)),
        date(2025, 3, 10),
        evaluation=date(2025, 12, 1),
    )
    c.later(
        date(2025, 2, 10),
        "sauer",
        app.raise_alert,
        kind="confidentiality",
        description="Survey answers shared by mistake",
        on=date(2025, 2, 10),
        actor=referent("sauer"),
    )
    c.communication(
        "moselle",
        "Press release: the itinerant desk",
        date(2025, 5, 5),
        date(2025, 5, 12),
        approved=True,
        published=date(2025, 5, 20),
    )
    c.communication(
        "pompey",
        "Interview before the evaluation",
        date(2025, 9, 1),
        date(2025, 9, 8),
        approved=False,
        reason="Wait for the evaluation",
    )
    c.on(date(2025, 3, 20), lambda: _support(c))
    c.blocker(
        "ardenne",
        "No parking place for the itinerant desk",
        date(2025, 4, 2),
        date(2025, 4, 24),
        how="The town hall square, on market days",
    )
    return c


def _support(c: Cohort) -> None:
    """Ardenne: two solutions sourced, one of them developed in the region (R1)."""
    app, pilot, project = c.app, c.ids["ardenne"], c.projects["ardenne"]
    app.source_solution(
        pilot,
        project,
        name="Camping-car numérique équipé",
        provider="Mobil'Est (Reims)",
        regional=True,
        actor=LEAD,
    )
    app.source_solution(
        pilot,
        project,
        name="Prise de rendez-vous en ligne",
        provider="Éditeur national",
        regional=False,
        actor=LEAD,
    )
    # No funding line: Grand Est's charter names no call for projects of its own (R16); France
    # Numérique Ensemble's call belongs to its programme, which this demo does not play.
