"""The shape of a pilot's state, as the events that fold into it see it.

The events (`domain.events`) only mutate this state; the aggregate (`domain.pilot.Pilot`)
holds it and guards the commands. Naming the shape here, not the aggregate, keeps the arrow
one way: the aggregate knows its events, the events know only the state.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol


class PilotState(Protocol):
    name: str
    programme: str
    siren: str | None
    charter_signed_on: date
    phase: str
    phase_since: date
    phase_history: list[list[Any]]
    withdrawal_reason: str | None
    referents: dict[str, str]
    contacts: dict[str, dict[str, Any]]
    projects: dict[str, dict[str, Any]]
    time_logs: list[dict[str, Any]]
    follow_ups: list[date]
    rex: dict[str, date]
    alerts: dict[str, dict[str, Any]]
    communications: dict[str, dict[str, Any]]
    evaluation: dict[str, Any] | None
    fundings: dict[str, dict[str, Any]]
    blockers: dict[str, dict[str, Any]]
    deadline_marks: list[str]
    experiment_ended_on: date | None
