"""What every hostile-input test shares: the door check, the prepared pilots, the budgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings

from parcours import InvalidInput, Parcours, ParcoursError
from tests.support.fne import fne_in_deployment
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import (
    LEAD,
    enrolled,
    in_deployment,
    in_diagnostic,
    in_evaluation,
    in_framing,
)

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(HOSTILE, max_examples=12)
TODAY = date(2025, 4, 1)
OPENS, ENDS = date(2024, 1, 1), date(2026, 1, 31)  # grand-est-2024's window (R2)
CLOCK_DAY = date(2026, 3, 1)  # the conftest clock
_PREPARED: dict[tuple[int, str], dict[str, Any]] = {}


def at_the_door(app: Parcours, name: str, act: Callable[[], Any], *, refused: bool) -> Any:
    """Run `act`: a refusal appends nothing, and is an InvalidInput naming `name` when the
    specification refuses the value. Returns (accepted, result)."""
    before = app.event_count()
    result, refusal = attempt(act)
    if refusal is not None:
        assert app.event_count() == before, "a refused command appended events"
        if refused:
            assert isinstance(refusal, InvalidInput), repr(refusal)
            assert name in refusal.field, (name, refusal.field)
        return False, None
    assert not refused, f"{name}: a value the policy refuses was accepted"
    return True, result


def attempt(act: Callable[[], Any]) -> tuple[Any, ParcoursError | None]:
    try:
        return act(), None
    except ParcoursError as exc:
        return None, exc


def prepared(app: Parcours, make: Callable[[Parcours], dict[str, Any]]) -> dict[str, Any]:
    """What a test's examples share (one pilot in the right phase), made once per database."""
    key = (id(make), app.settings.url)
    if key not in _PREPARED:
        _PREPARED[key] = make(app)
    return _PREPARED[key]


def last_fields(app: Parcours, pilot: Any) -> dict[str, Any]:
    return app.history(pilot, actor=LEAD)[-1].fields


def diagnosing(app: Parcours) -> dict[str, Any]:
    return {"pilot": in_diagnostic(app)}


def deploying(app: Parcours) -> dict[str, Any]:
    pilot, project = in_deployment(app)
    return {"pilot": pilot, "project": project}


def fne_deploying(app: Parcours) -> dict[str, Any]:
    """R16: a pilot of the programme that owns the call, deployed inside its window."""
    pilot, project = fne_in_deployment(app)
    return {"pilot": pilot, "project": project}


def evaluating(app: Parcours) -> dict[str, Any]:
    pilot, project = in_evaluation(app)
    return {"pilot": pilot, "project": project}


def framing(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    pilot, project = in_framing(app)
    return {"pilot": pilot, "project": project}


def fresh(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pilot": enrolled(app, name="CC du Pays de Bitche")}


def requested(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    comm = app.request_communication(ctx["pilot"], title="Lettre", on=TODAY, actor=REFERENT_ID)
    return {**ctx, "communication": comm}


def blocked(app: Parcours, ctx: dict[str, Any]) -> dict[str, Any]:
    blocker = app.raise_blocker(ctx["pilot"], description="Réseau", on=TODAY, actor=LEAD)
    return {**ctx, "blocker": blocker}


def contact(app: Parcours, c: dict[str, Any], person: UUID) -> Any:
    return next(x for x in app.get_pilot(c["pilot"], actor=LEAD).contacts if x.person_id == person)


def project(app: Parcours, c: dict[str, Any], project: UUID) -> Any:
    return next(
        x for x in app.get_pilot(c["pilot"], actor=LEAD).projects if x.project_id == project
    )


def communication(app: Parcours, c: dict[str, Any]) -> Any:
    comms = app.get_pilot(c["pilot"], actor=LEAD).communications
    return next(x for x in comms if x.communication_id == c["communication"])
