"""What queries return: pydantic models, personal values decrypted while their keys exist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ContactView(_View):
    person_id: UUID
    role: str
    current: bool
    # active; restricted after an objection (R14); erased or purged once the key is gone.
    status: Literal["active", "restricted", "erased"]
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str | None
    designated_on: date | None


class IndicatorView(_View):
    key: str
    label: str
    unit: str
    target: float | None
    reports: dict[str, float]


class ProjectView(_View):
    project_id: UUID
    title: str
    theme: str
    framed: bool
    evaluation_protocol: str | None
    indicators: list[IndicatorView]
    owner: str | None = None  # « maîtrise d'ouvrage » (R16)


class PhaseStep(_View):
    phase: str
    since: date


class RaisedAlert(_View):
    """R9: a warning the pilot gave the Region and the agency."""

    alert_id: UUID
    kind: str
    description: str
    on: date


class CommunicationView(_View):
    communication_id: UUID
    title: str
    status: Literal["requested", "approved", "refused", "published"]
    requested_on: date
    decided_on: date | None
    published_on: date | None
    reason: str | None
    # R10: the Region's graphic charter respected on publication (None: not said / n.a.).
    graphic_charter_respected: bool | None = None


class TimeEntry(_View):
    on: date
    days: float
    phase: str


class Evaluation(_View):
    findings: str
    recommendations: str
    replicable: bool
    on: date | None


class PilotView(_View):
    id: UUID
    name: str
    programme: str
    siren: str | None
    phase: str
    phase_since: date
    charter_signed_on: date
    phase_history: list[PhaseStep]
    contacts: list[ContactView]
    projects: list[ProjectView]
    time_logged: list[TimeEntry]
    days_logged: float
    follow_ups: list[date]
    rex: dict[str, date]
    alerts: list[RaisedAlert]
    communications: list[CommunicationView]
    evaluation: Evaluation | None
    withdrawal_reason: str | None
    version: int
    recorded_at: datetime

    def referent(self, role: str) -> ContactView | None:
        return next((c for c in self.contacts if c.role == role and c.current), None)


class PilotSummary(_View):
    id: UUID
    name: str
    programme: str
    phase: str
    phase_since: date
    # Its short name and SIREN (issue 20), accepted wherever its id is.
    slug: str | None = None
    siren: str | None = None


class HistoryEntry(_View):
    sequence: int
    recorded_at: datetime
    effective: date | None
    actor: str
    command_id: str
    correlation_id: str
    event_type: str
    summary: str
    fields: dict[str, Any]


class HeldRole(_View):
    """A role held (R15): by whom, where, since when, granted by whom."""

    principal: str
    role: str
    programme: str
    pilot_id: UUID | None
    granted_by: str
    granted_at: datetime
