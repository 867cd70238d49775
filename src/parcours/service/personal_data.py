"""Personal data (R12–R14): the retention purge, the right of access, and their checks.

Purging a pilot destroys every key of its people in the same transaction as the
`PersonalDataPurged` event and the deletion of its snapshots; on SQLite the WAL is then
checkpointed and truncated so that the destroyed keys are overwritten on disk
(`secure_delete`), not merely unlinked.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.privacy import rights, sealing
from parcours.projections import readers
from parcours.service.pipeline import Service, Write
from parcours.store.files import Overwrite
from parcours.store.schema import person_keys

# The purge is the retention rule's act (R13), not a person's: the scheduler and
# `purge_expired` run it under this reserved principal.
RETENTION_ACTOR = "system:retention"


class PersonalData(Service):
    def purge_expired(self, now: datetime | None = None) -> rights.PurgeReport:
        """R13: purge every pilot whose programme's retention has ended at `now`."""
        instant = now or self.pipeline.now()
        with self.pipeline.reading() as session:
            living = readers.pilots_in_phase(session, "purged", negate=True)
        due = [
            UUID(pilot_id)
            for pilot_id, programme in living
            if self.retention_ended(programme, instant)
        ]
        persons = keys = 0
        for pilot_id in due:
            destroyed = self.purge_pilot(pilot_id)
            persons += destroyed[0]
            keys += destroyed[1]
        files = self.settle() if due else None
        check = rights.verify_purge(self.pipeline.store, self.pipeline.keys, due)
        return check.model_copy(update={"persons": persons, "keys_destroyed": keys, "files": files})

    def settle(self) -> Overwrite:
        """After a purge: make the freed pages reach the files (SQLite: the WAL checkpointed
        and truncated, checked; PostgreSQL: the key table rewritten)."""
        files = self.pipeline.store.overwrite_freed_pages(person_keys.name)
        if not files.complete:
            self.pipeline.log.warning("purge.files_not_overwritten", detail=files.detail)
        return files

    def retention_ended(self, programme_id: str, now: datetime) -> bool:
        return rights.retention_ended(self.pipeline.programme(programme_id), now)

    def purge_pilot(self, pilot_id: UUID) -> tuple[int, int]:
        """Destroy the keys of every person of the pilot and its snapshots, with the
        `PersonalDataPurged` fact, in one transaction; returns (persons, keys destroyed)."""
        counted: dict[str, int] = {}
        pipeline = self.pipeline

        def decide(pilot: Pilot, act: Act, writes: list[Write]) -> None:
            person_ids = sorted(pilot.contacts)
            with pipeline.reading() as session:
                counted["keys"] = len(pipeline.keys.keys(session, person_ids))
            counted["persons"] = len(person_ids)
            pilot.purge(act, person_ids, counted["keys"])
            writes.append(lambda s: pipeline.keys.destroy(s, person_ids))
            writes.append(lambda s: pipeline.store.delete_snapshots(s, pilot.id))

        pipeline.run(None, "purge", pilot_id, RETENTION_ACTOR, decide)
        return counted["persons"], counted["keys"]

    def verify_purge(self) -> rights.PurgeReport:
        """No key of a purged pilot's people remains; their personal fields are unreadable."""
        with self.pipeline.reading() as session:
            purged = [UUID(p) for p, _ in readers.pilots_in_phase(session, "purged")]
        return rights.verify_purge(self.pipeline.store, self.pipeline.keys, purged)

    def export_personal_data(self, *, email: str) -> rights.PersonalDataExport:
        """R14, right of access: every personal value held about the person with this email."""
        address = inp.validated(inp.EmailOnly, email=email).email
        keys = self.pipeline.keys
        with self.pipeline.reading() as session:
            found = keys.persons_with_email(session, address)
        records = []
        for person_id, pilot_id in found:
            pilot = self.pipeline.load(pilot_id)
            contact = pilot.contacts.get(person_id)
            if contact is None:
                continue
            with self.pipeline.reading() as session:
                key = keys.keys(session, [person_id]).get(person_id)
            if key is None:
                continue
            records.append(
                rights.PersonalRecord(
                    pilot_id=pilot.id,
                    pilot_name=pilot.name,
                    person_id=UUID(person_id),
                    role=contact["role"],
                    fields=sealing.unseal_fields(key, person_id, contact["sealed"]),
                    designated_on=contact["designated_on"],
                    restricted=contact["objected"],
                )
            )
        return rights.PersonalDataExport(email=address, records=records)
