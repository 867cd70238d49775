"""Retention purge (R2, R13) and the right of access (R14), over the key table.

Purging a pilot destroys every key of its people in the same transaction as the
`PersonalDataPurged` event and the deletion of its snapshots; on SQLite the WAL is then
checkpointed and truncated so that the destroyed keys are overwritten on disk
(`secure_delete`), not merely unlinked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from parcours.domain import events as ev
from parcours.domain.pilot import Act, Pilot
from parcours.inputs import caller_instant
from parcours.privacy import sealing
from parcours.projections.pilots import pilots
from parcours.store.schema import person_keys

if TYPE_CHECKING:
    from parcours.service.core import ServiceCore, Write

RETENTION_ACTOR = "system:retention"
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


def retention_ended(app: ServiceCore, programme_id: str, now: datetime) -> bool:
    programme = app.programme(programme_id)
    return now.astimezone(programme.zone).date() > programme.retention.until


def purge_expired(app: ServiceCore, now: datetime) -> PurgeReport:
    now = caller_instant("now", now, app.now())  # aware, not after the clock (issue 18)
    with app._read() as session:
        rows = session.execute(
            select(pilots.c.pilot_id, pilots.c.programme).where(pilots.c.phase != "purged")
        ).all()
    due = [UUID(r.pilot_id) for r in rows if retention_ended(app, r.programme, now)]
    persons = keys = 0
    for pilot_id in due:
        destroyed = purge_pilot(app, pilot_id)
        persons += destroyed[0]
        keys += destroyed[1]
    if due:
        _overwrite_freed_pages(app)
    check = verify_purge(app, due)
    return check.model_copy(update={"persons": persons, "keys_destroyed": keys})


def purge_pilot(app: ServiceCore, pilot_id: UUID) -> tuple[int, int]:
    counted: dict[str, int] = {}

    def decide(pilot: Pilot, act: Act, writes: list[Write]) -> None:
        person_ids = sorted(pilot.contacts)
        with app._read() as session:
            counted["keys"] = len(app._keys.keys(session, person_ids))
        counted["persons"] = len(person_ids)
        pilot.purge(act, person_ids, counted["keys"])
        writes.append(lambda s: app._keys.destroy(s, person_ids))
        writes.append(lambda s: _delete_snapshots(app, s, pilot.id))

    app._run(None, "purge", pilot_id, RETENTION_ACTOR, decide)
    return counted["persons"], counted["keys"]


def _delete_snapshots(app: ServiceCore, session: Any, pilot_id: UUID) -> None:
    snapshots = app._store.snapshots
    if snapshots is None:
        return
    table = getattr(snapshots.recorder, "events_record_cls").__table__  # noqa: B009
    session.execute(table.delete().where(table.c.originator_id == pilot_id))


def _overwrite_freed_pages(app: ServiceCore) -> None:
    """Deleted rows linger on disk until the engine reuses their space: make it do so now."""
    engine = app._store.engine
    if engine.dialect.name == "sqlite" and app._store.datastore.is_sqlite_filedb:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine.dialect.name == "postgresql":
        # VACUUM FULL rewrites the key table into a new file and drops the old one; the
        # filesystem, not PostgreSQL, decides when those blocks are overwritten.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM FULL {person_keys.name}")


def verify_purge(app: ServiceCore, pilot_ids: list[UUID] | None = None) -> PurgeReport:
    """No key of a purged pilot's people remains; every personal field of theirs is unreadable."""
    with app._read() as session:
        if pilot_ids is None:
            pilot_ids = [
                UUID(r)
                for r in session.execute(
                    select(pilots.c.pilot_id).where(pilots.c.phase == "purged")
                ).scalars()
            ]
        ids = [str(p) for p in pilot_ids]
        left = (
            session.execute(
                select(person_keys.c.person_id).where(person_keys.c.pilot_id.in_(ids))
            ).all()
            if ids
            else []
        )
    sealed = [
        event
        for pilot_id in pilot_ids
        for event in app._store.events.get(pilot_id)
        if isinstance(event, ev.ReferentDesignated | ev.ContactRectified)
    ]
    with app._read() as session:
        keys = app._keys.keys(session, {e.person_id for e in sealed})
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


def export_personal_data(app: ServiceCore, email: str) -> PersonalDataExport:
    with app._read() as session:
        found = app._keys.persons_with_email(session, email)
    records = []
    for person_id, pilot_id in found:
        pilot = app._load(pilot_id)
        contact = pilot.contacts.get(person_id)
        if contact is None:
            continue
        with app._read() as session:
            key = app._keys.keys(session, [person_id]).get(person_id)
        if key is None:
            continue
        records.append(
            PersonalRecord(
                pilot_id=pilot.id,
                pilot_name=pilot.name,
                person_id=UUID(person_id),
                role=contact["role"],
                fields=sealing.unseal_fields(key, person_id, contact["sealed"]),
                designated_on=contact["designated_on"],
                restricted=contact["objected"],
            )
        )
    return PersonalDataExport(email=email, records=records)
