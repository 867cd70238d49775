"""What the rights of R13 and R14 answer with, and the check that a purge left nothing.

The acts themselves (the purge, the export) run through the command pipeline in
`parcours.service.personal_data`; this module holds their reports and the verification,
which needs only the store and the key table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from parcours.privacy.rotation import RotationReport
from parcours.programme import Programme
from parcours.store.files import Overwrite
from parcours.store.search import SearchReport

PURPOSE = (
    "R12: follow-up of the experiment by the agency and the Region; kept in identifying form "
    "until the end of retention (R13)"
)


class Check(BaseModel):
    """One structural check of `verify_purge`: what, where, and whether it held."""

    model_config = ConfigDict(frozen=True)
    name: str
    tables: list[str]
    ok: bool
    detail: str = ""


class PurgePlan(BaseModel):
    """A dry run's line: a pilot that would be purged and the keys that would go."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    name: str
    person_keys: int
    text_keys: int


class PurgeReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    pilots: list[UUID]
    persons: int
    keys_destroyed: int
    unreadable_events: int
    verified: bool
    texts_destroyed: int = 0
    # Whether the freed pages reached the files (SQLite: the WAL checkpointed and truncated).
    files: Overwrite | None = None
    # The rotation that followed: from `irreversible_at` no copy of the files opens them.
    rotation: RotationReport | None = None
    irreversible_at: datetime | None = None
    # One per purged pilot: the search of every table and column, inside the purge's
    # transaction, for every value it destroyed (what `verify_purge` shows again later).
    searches: list[SearchReport] = []
    checks: list[Check] = []
    dry_run: bool = False
    would_purge: list[PurgePlan] = []
    would_destroy_keys: int = 0


class ErasureReport(BaseModel):
    """R14 / GDPR art. 17: what an erasure destroyed, and what it reached."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    person_id: UUID
    erased_at: datetime
    # The key is gone from the live files once `files.complete` (SQLite WAL truncated);
    # None in a report read back later.
    files: Overwrite | None
    # When the KEK that wrapped the destroyed key was destroyed by a rotation: from then on
    # no copy of the files (a backup, a WAL, a dead tuple) opens this person's data.
    irreversible_at: datetime | None
    pending: str | None = None


class RedactionReport(BaseModel):
    """R14: free-text fields made unreadable for good, named by event sequence and field."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    items: list[dict[str, Any]]
    redacted_at: datetime
    files: Overwrite | None
    pending: str | None = None


PENDING_ROTATION = (
    "until the next key rotation (parcours gdpr rotate-key; the scheduler runs it), a copy of "
    "the database taken before the erasure still opens with the current key file"
)


class PersonalRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    pilot_name: str
    person_id: UUID
    role: str
    fields: dict[str, str]
    designated_on: date | None
    restricted: bool
    purpose: str = PURPOSE


class ControllerNotice(BaseModel):
    """R14: who is responsible for the processing and where people exercise their rights
    (« sous la responsabilité du dirigeant de Grand E-nov » … « GRAND E-NOV+, 30 rue François
    Spoerry, 68100 Mulhouse, ou un e-mail à rgdp@grandenov.plus »), from the programme's data."""

    model_config = ConfigDict(frozen=True)
    programme: str
    responsible: str
    organisation: str
    postal_address: list[str]
    email: str
    rights: str


ContactStatus = Literal["active", "restricted", "erased"]


def contact_status(contact: dict[str, Any], key: bytes | None) -> ContactStatus:
    """R14: erased once the person's key is gone (erasure, purge); restricted after an
    objection; else active."""
    if contact["erased"] or key is None:
        return "erased"
    return "restricted" if contact["objected"] else "active"


def notified(contact: dict[str, Any], key: bytes | None) -> bool:
    """R12, R14: a notice reaches a pilot's current contacts who are active (the same people
    the pilot's view shows "active"), never one who objected or whose key is gone."""
    return bool(contact["current"]) and contact_status(contact, key) == "active"


def controller_notice(programme: Programme) -> ControllerNotice | None:
    found = programme.controller
    if found is None:
        return None
    return ControllerNotice(
        programme=programme.id,
        responsible=found.responsible,
        organisation=found.organisation,
        postal_address=list(found.postal_address),
        email=found.email,
        rights=found.rights,
    )


class PersonalDataExport(BaseModel):
    model_config = ConfigDict(frozen=True)
    email: str
    records: list[PersonalRecord]
    # R14: the controller and the rights address of each programme the records belong to.
    controllers: list[ControllerNotice] = []


def retention_ended(programme: Programme, now: datetime) -> bool:
    """R13: the programme's retention is over on the day `now` falls on in its zone."""
    return now.astimezone(programme.zone).date() > programme.retention.until
