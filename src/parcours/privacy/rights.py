"""What the rights of R13 and R14 answer with, and the check that a purge left nothing.

The acts themselves (the purge, the export) run through the command pipeline in
`parcours.service.personal_data`; this module holds their reports and the verification,
which needs only the store and the key table.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from parcours.domain import events as ev
from parcours.privacy import sealing
from parcours.programme import Programme
from parcours.store.eventstore import PilotStore
from parcours.store.files import Overwrite
from parcours.store.keys import KeyStore

PURPOSE = (
    "R12: follow-up of the experiment by the agency and the Region; kept in identifying form "
    "until the end of retention (R13)"
)


class PurgeReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    pilots: list[UUID]
    persons: int
    keys_destroyed: int
    unreadable_events: int
    verified: bool
    # Whether the freed pages reached the files (SQLite: the WAL checkpointed and truncated).
    files: Overwrite | None = None


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


class PersonalDataExport(BaseModel):
    model_config = ConfigDict(frozen=True)
    email: str
    records: list[PersonalRecord]


def retention_ended(programme: Programme, now: datetime) -> bool:
    """R13: the programme's retention is over on the day `now` falls on in its zone."""
    return now.astimezone(programme.zone).date() > programme.retention.until


def verify_purge(store: PilotStore, keys_table: KeyStore, pilot_ids: list[UUID]) -> PurgeReport:
    """No key of a purged pilot's people remains; every personal field of theirs is unreadable."""
    with store.reading() as session:
        left = keys_table.persons_of_pilots(session, [str(p) for p in pilot_ids])
    sealed = [
        event
        for pilot_id in pilot_ids
        for event in store.events.get(pilot_id)
        if isinstance(event, ev.ReferentDesignated | ev.ContactRectified)
    ]
    with store.reading() as session:
        keys = keys_table.keys(session, {e.person_id for e in sealed})
    readable = 0
    for event in sealed:
        plain = sealing.unseal_fields(keys.get(event.person_id), event.person_id, event.sealed)
        readable += sum(1 for v in plain.values() if v != sealing.PURGED)
    unreadable = len(sealed) if readable == 0 else 0
    return PurgeReport(
        pilots=list(pilot_ids),
        persons=0,
        keys_destroyed=0,
        unreadable_events=unreadable,
        verified=not left and readable == 0,
    )
