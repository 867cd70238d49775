"""What the scheduler reports and hands out: the facts a tick recorded, the notices, the
report of a tick and the plan of a dry run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from parcours.privacy import rights

SCHEDULER_ACTOR = "system:scheduler"


class Recorded(BaseModel):
    """A reminder, breach or fulfilment the tick recorded on a pilot."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    kind: str
    rule: str
    due: date
    offset: int = 0
    observed: str = ""


class Notice(BaseModel):
    """What a notification callback receives: enough to write the e-mail (R12: for the
    agency and the Region only; people who objected are left out, R14)."""

    model_config = ConfigDict(frozen=True)
    # Stable for one fact: delivery is at least once, a receiver drops what it has seen.
    notice_id: UUID
    pilot_id: UUID
    pilot_name: str
    kind: str
    rule: str
    due: date
    detail: dict[str, Any]
    recipients: list[dict[str, str]]
    # R14: who the controller is and where the rights are exercised (the programme's data);
    # every notice names them, the retention notice before the purge (R13) first of all.
    controller: rights.ControllerNotice | None = None


class TickReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    now: datetime
    evaluated: int
    recorded: list[Recorded]
    purged: list[UUID]
    delivered: int
    failed_deliveries: int


class PlannedNotice(BaseModel):
    """A notice a tick would hand to the callbacks: its fact, and how many people it would
    reach (never who: a dry run prints no personal value)."""

    model_config = ConfigDict(frozen=True)
    notice_id: UUID
    pilot_id: UUID
    pilot_name: str
    kind: str
    rule: str
    due: date
    recipients: int
    # "new": recorded by this tick; "pending": queued by an earlier tick, not delivered yet.
    status: str


class TickPlan(BaseModel):
    """What `tick(now)` would record, purge and send, read and nothing written
    (`DeadlineScheduler.plan`, `parcours scheduler tick --dry-run`)."""

    model_config = ConfigDict(frozen=True)
    now: datetime
    dry_run: bool = True
    evaluated: int
    would_record: list[Recorded]
    would_purge: rights.PurgeReport
    # Programmes whose own contacts (R11) would be purged (R13).
    would_purge_programme_contacts: list[str]
    notices: list[PlannedNotice]
    # How many callbacks each notice would be handed to: 0, nothing would be sent.
    receivers: int
    would_checkpoint: bool
    would_issue_receipt: bool
    would_rotate_keys: bool


Callback = Callable[[Notice], None]
