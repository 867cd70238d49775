"""Every plain text field of every command: how to send a value in and read it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from parcours import Parcours
from tests.adversarial.doors import (
    TODAY,
    blocked,
    communication,
    contact,
    deploying,
    diagnosing,
    evaluating,
    framing,
    fresh,
    last_fields,
    project,
    requested,
)
from tests.support.roles import REFERENT_ID, REGION
from tests.support.scenarios import INDICATOR, LEAD, REFERENT


@dataclass(frozen=True)
class TextField:
    name: str  # as InvalidInput names it
    max_length: int
    multiline: bool
    act: Callable[[Parcours, dict[str, Any], str], Any]
    read: Callable[[Parcours, dict[str, Any], Any], Any]
    prepare: Callable[[Parcours], dict[str, Any]] = field(default=lambda app: {})
    setup: Callable[[Parcours, dict[str, Any]], dict[str, Any]] = field(default=lambda a, c: c)


def _referent(key: str) -> TextField:
    return TextField(
        key,
        200,
        False,
        lambda app, c, v: app.designate_referent(c["pilot"], actor=LEAD, **{**REFERENT, key: v}),
        lambda app, c, made: getattr(contact(app, c, made), key),
        diagnosing,
    )


TEXT_FIELDS = [
    _referent("first_name"),
    _referent("last_name"),
    _referent("title"),
    TextField(
        "title",
        200,
        False,
        lambda app, c, v: app.recommend_project(
            c["pilot"], title=v, theme="digital-inclusion", actor=LEAD
        ),
        lambda app, c, made: project(app, c, made).title,
        diagnosing,
    ),
    TextField(
        "session",
        200,
        False,
        lambda app, c, v: app.record_rex(c["pilot"], session=v, on=date(2024, 11, 28), actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["session"],
        diagnosing,
    ),
    TextField(
        "description",
        2000,
        True,
        lambda app, c, v: app.raise_alert(
            c["pilot"], kind="change", description=v, on=TODAY, actor=REFERENT_ID
        ),
        lambda app, c, alert: next(
            a.description
            for a in app.get_pilot(c["pilot"], actor=LEAD).alerts
            if a.alert_id == alert
        ),
        deploying,
    ),
    TextField(
        "title",
        300,
        False,
        lambda app, c, v: app.request_communication(
            c["pilot"], title=v, on=TODAY, actor=REFERENT_ID
        ),
        lambda app, c, comm: communication(app, {**c, "communication": comm}).title,
        deploying,
    ),
    TextField(
        "reason",
        2000,
        True,
        lambda app, c, v: app.decide_communication(
            c["pilot"], c["communication"], approved=False, reason=v, on=TODAY, actor=REGION
        ),
        lambda app, c, _: communication(app, c).reason,
        deploying,
        requested,
    ),
    TextField(
        "reason",
        2000,
        True,
        lambda app, c, v: app.withdraw(c["pilot"], reason=v, on=TODAY, actor=LEAD),
        lambda app, c, _: app.get_pilot(c["pilot"], actor=LEAD).withdrawal_reason,
        setup=fresh,
    ),
    TextField(
        "findings",
        2000,
        True,
        lambda app, c, v: app.record_evaluation(
            c["pilot"], findings=v, recommendations="Étendre", replicable=True, actor=LEAD
        ),
        lambda app, c, _: app.get_pilot(c["pilot"], actor=LEAD).evaluation.findings,  # type: ignore[union-attr]
        evaluating,
    ),
    TextField(
        "recommendations",
        2000,
        True,
        lambda app, c, v: app.record_evaluation(
            c["pilot"], findings="Trois villages", recommendations=v, replicable=False, actor=LEAD
        ),
        lambda app, c, _: app.get_pilot(c["pilot"], actor=LEAD).evaluation.recommendations,  # type: ignore[union-attr]
        evaluating,
    ),
    TextField(
        "evaluation_protocol",
        2000,
        True,
        lambda app, c, v: app.frame_project(
            c["pilot"], c["project"], indicators=[INDICATOR], evaluation_protocol=v, actor=LEAD
        ),
        lambda app, c, _: project(app, c, c["project"]).evaluation_protocol,
        setup=framing,
    ),
    TextField(
        "label",
        200,
        False,
        lambda app, c, v: app.frame_project(
            c["pilot"],
            c["project"],
            indicators=[{**INDICATOR, "label": v}],
            evaluation_protocol="Comptage",
            actor=LEAD,
        ),
        lambda app, c, _: project(app, c, c["project"]).indicators[0].label,
        setup=framing,
    ),
    TextField(
        "name",
        200,
        False,
        lambda app, c, v: app.source_solution(
            c["pilot"], c["project"], name=v, provider="Grand E-Nov+", regional=True, actor=LEAD
        ),
        lambda app, c, _: last_fields(app, c["pilot"])["name"],
        deploying,
    ),
    TextField(
        "provider",
        200,
        False,
        lambda app, c, v: app.source_solution(
            c["pilot"], c["project"], name="Plateforme", provider=v, regional=True, actor=LEAD
        ),
        lambda app, c, _: last_fields(app, c["pilot"])["provider"],
        deploying,
    ),
    TextField(
        "description",
        2000,
        True,
        lambda app, c, v: app.raise_blocker(c["pilot"], description=v, on=TODAY, actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["description"],
        deploying,
    ),
    TextField(
        "how",
        2000,
        True,
        lambda app, c, v: app.lift_blocker(c["pilot"], c["blocker"], how=v, on=TODAY, actor=LEAD),
        lambda app, c, _: last_fields(app, c["pilot"])["how"],
        deploying,
        blocked,
    ),
    TextField(
        "title",
        200,
        False,
        lambda app, c, v: app.schedule_rex(
            "grand-est-2024", on=date(2025, 6, 12), kind="collective", title=v, actor=LEAD
        ),
        lambda app, c, session: next(
            s.title for s in app.rex_sessions() if s.session_id == str(session)
        ),
    ),
]
