"""Pilots brought to a given phase with the charter's commands (fictional people)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import func, select

from parcours import Parcours
from parcours.domain import standing
from parcours.domain.standing_views import Dashboard
from parcours.projections.board import board
from tests.support.roles import AUDITOR, LEAD, REFERENT_ID, REGION, staffed, with_referent

__all__ = ["AUDITOR", "LEAD", "REFERENT_ID", "REGION", "staffed", "with_referent"]
REFERENT = {
    "role": "operational",
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@example.org",
    "phone": "+33 3 24 00 00 00",
    "title": "Responsable TIC",
}
INDICATOR = {"key": "people_helped", "label": "People helped", "unit": "persons", "target": 300}


def enrolled(app: Parcours, name: str = "Communauté de Communes Ardenne Rives de Meuse") -> UUID:
    """A pilot enrolled by the agency, with REFERENT_ID granted as its referent."""
    pilot = app.enroll(
        name=name, programme="grand-est-2024", charter_signed_on=date(2024, 9, 2), actor=LEAD
    )
    return with_referent(app, pilot)


def in_diagnostic(app: Parcours) -> UUID:
    pilot = enrolled(app)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    return pilot


def in_framing(app: Parcours) -> tuple[UUID, UUID]:
    pilot = in_diagnostic(app)
    project = app.recommend_project(
        pilot, title="Guichet numérique itinérant", theme="digital-inclusion", actor=LEAD
    )
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    return pilot, project


def in_deployment(app: Parcours) -> tuple[UUID, UUID]:
    pilot, project = in_framing(app)
    app.frame_project(
        pilot,
        project,
        indicators=[INDICATOR],
        evaluation_protocol="Quarterly count from the mediation log",
        actor=LEAD,
    )
    app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)
    return pilot, project


def in_evaluation(app: Parcours) -> tuple[UUID, UUID]:
    pilot, project = in_deployment(app)
    app.report_indicator(
        pilot, project, key="people_helped", value=74, period="2025-Q2", actor=REFERENT_ID
    )
    app.start_evaluation(pilot, on=date(2025, 11, 3), actor=LEAD)
    return pilot, project


def evaluated_dashboard(app: Parcours, today: date) -> Dashboard:
    """The dashboard as the rules give it, every row evaluated from the cohort read model
    (what kept dashboard rows must always equal)."""
    at = app.cohort.instant(today)
    slugs = {p.id: p.slug for p in app.list_pilots()}  # issue 20: each row names its slug
    rows = [
        standing.dashboard_row(app.programme(r["programme"]), r, at).model_copy(
            update={"slug": slugs.get(UUID(r["pilot_id"]))}
        )
        for r in app.cohort.pilot_rows()
    ]
    day = at.astimezone(app.programme("grand-est-2024").zone).date()
    programmes = sorted({r.programme for r in rows})
    return Dashboard(
        today=day,
        rows=rows,
        summary=standing.summary(rows, day),
        programme_alerts=[a for p in programmes for a in app.programme_desk.alerts(p)],
    )


def kept_dashboard_rows(app: Parcours) -> int:
    with app.pipeline.reading() as session:
        return int(session.execute(select(func.count()).select_from(board)).scalar_one())
