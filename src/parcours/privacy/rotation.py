"""Rotation of the key-encryption key (R13: an old copy of a destroyed key opens nothing).

An erased or purged person's data key is deleted, but a copy of it, wrapped under the KEK,
may survive where we cannot reach: a backup, a PostgreSQL dead tuple or `pg_wal`, a replica,
a copy of the SQLite files taken before the erasure. A rotation re-wraps every living data
key under a new KEK, in batches, then destroys the old KEK in the key file: from then on
those copies open nothing, and an old backup opens nobody's personal data (only the
structure). It runs under a lock (an advisory lock on PostgreSQL), after any erasure,
redaction or purge, and at the latest at the scheduler's next run.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from parcours.store import key_rotation as sql
from parcours.store.eventstore import PilotStore
from parcours.store.files import Overwrite
from parcours.store.keys import KeyStore
from parcours.store.schema import person_keys, text_keys

BATCH = 500


class RotationReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    new_kek: str
    destroyed_keks: list[str]
    rewrapped: int
    batches: int
    # Every erasure and purge done before this instant is now irreversible.
    at: datetime
    # Keys of an earlier version still under PARCOURS_MASTER_KEY (not given): not rotated.
    legacy_left: int
    files: Overwrite


def rotate(store: PilotStore, keys: KeyStore, now: datetime, batch: int = BATCH) -> RotationReport:
    with sql.locked(store.engine, keys):
        new = keys.keyring.create()
        with store.writing() as session:
            sql.switch(session, new, now)
        rewrapped = batches = 0
        while True:
            with store.writing() as session:
                done = sql.rewrap_batch(session, keys, new, batch)
            if done == 0:
                break
            rewrapped += done
            batches += 1
        with store.reading() as session:
            old = sql.retiring(session, new)
            left = sql.left_under_others(session, new)
        # Keys of an earlier version not adopted (under a master key not given) are left
        # alone: they are under no KEK, so destroying the old KEKs cannot lose them.
        # The key file first: if we stop between the two, the database still says "not
        # destroyed", which is the truth on the safe side, and the next rotation records it.
        keys.destroy_keks(old)
        with store.writing() as session:
            sql.mark_destroyed(session, old, now)
            sql.clear_due(session, now)
        files = store.overwrite_freed_pages(person_keys.name, text_keys.name)
    return RotationReport(
        new_kek=new,
        destroyed_keks=old,
        rewrapped=rewrapped,
        batches=batches,
        at=now,
        legacy_left=left,
        files=files,
    )
