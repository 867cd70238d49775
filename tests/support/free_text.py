"""A pilot whose every free-text field names someone (fictional people)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from parcours import Parcours
from tests.support.roles import REFERENT_ID, REGION
from tests.support.scenarios import INDICATOR, LEAD, REFERENT, enrolled

# (event type, field) of every free-text field the scenario below writes.
FIELDS = [
    ("ProjectFramed", "evaluation_protocol"),
    ("BlockerRaised", "description"),
    ("BlockerLifted", "how"),
    ("AlertRaised", "description"),
    ("CommunicationRequested", "title"),
    ("CommunicationDecided", "reason"),
    ("EvaluationRecorded", "findings"),
    ("EvaluationRecorded", "recommendations"),
    ("Withdrawn", "reason"),
]


def names_everywhere(app: Parcours, names: dict[str, str]) -> tuple[UUID, UUID]:
    """Two pilots (one evaluated, one withdrawn); `names[field]` is written in that field.
    Needs the clock on or after 2025-11-04."""
    pilot = enrolled(app)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    project = app.recommend_project(
        pilot, title="Guichet numérique itinérant", theme="digital-inclusion", actor=LEAD
    )
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    app.frame_project(
        pilot,
        project,
        indicators=[INDICATOR],
        evaluation_protocol=f"Count kept by {names['ProjectFramed.evaluation_protocol']}",
        actor=LEAD,
    )
    blocker = app.raise_blocker(
        pilot,
        description=f"{names['BlockerRaised.description']} refuses to sign",
        on=date(2025, 1, 10),
        actor=LEAD,
    )
    app.start_deployment(pilot, on=date(2025, 3, 3), actor=LEAD)
    app.lift_blocker(
        pilot,
        blocker,
        how=f"Talked to {names['BlockerLifted.how']}",
        on=date(2025, 3, 10),
        actor=LEAD,
    )
    app.raise_alert(
        pilot,
        kind="change",
        description=f"Mme {names['AlertRaised.description']} quitte ses fonctions",
        on=date(2025, 4, 2),
        actor=REFERENT_ID,
    )
    communication = app.request_communication(
        pilot,
        title=f"Interview of {names['CommunicationRequested.title']}",
        on=date(2025, 4, 3),
        actor=REFERENT_ID,
    )
    app.decide_communication(
        pilot,
        communication,
        approved=False,
        reason=f"{names['CommunicationDecided.reason']} did not consent",
        on=date(2025, 4, 4),
        actor=REGION,
    )
    app.report_indicator(
        pilot, project, key="people_helped", value=74, period="2025-Q2", actor=REFERENT_ID
    )
    app.start_evaluation(pilot, on=date(2025, 11, 3), actor=LEAD)
    app.record_evaluation(
        pilot,
        findings=f"{names['EvaluationRecorded.findings']} ran the desk",
        recommendations=f"Keep {names['EvaluationRecorded.recommendations']}",
        replicable=True,
        actor=LEAD,
    )
    other = enrolled(app, "Communauté de Communes du Pays de Colombey et du Sud Toulois")
    app.withdraw(
        other,
        reason=f"M. {names['Withdrawn.reason']} a démissionné",
        on=date(2025, 1, 6),
        actor=LEAD,
    )
    return pilot, other


def default_names() -> dict[str, str]:
    """A distinct fictional surname per field."""
    surnames = [
        "Abélard",
        "Brunehaut",
        "Cunégonde",
        "Dagobertin",
        "Ermengarde",
        "Frédégonde",
        "Gondebaud",
        "Hildegarde",
        "Ingonde",
    ]
    return {f"{event}.{field}": name for (event, field), name in zip(FIELDS, surnames, strict=True)}
