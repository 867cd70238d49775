"""The key-encryption key's life: rotation (R13) and the erasure reports that depend on it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from parcours.errors import NotFound
from parcours.privacy import rights, rotation
from parcours.service.pipeline import Service, as_uuid
from parcours.store import key_rotation, shredding


class KeyCommands(Service):
    def rotate_master_key(self) -> rotation.RotationReport:
        """Re-wrap every living data key under a new key-encryption key, in batches and
        under a lock, then destroy the old KEK: every erasure and purge done so far becomes
        irreversible, and an old backup opens nobody's personal data."""
        report = rotation.rotate(self.pipeline.store, self.pipeline.keys, self.pipeline.now())
        self.pipeline.log.info(
            "keys.rotated", rewrapped=report.rewrapped, destroyed=len(report.destroyed_keks)
        )
        return report

    def rotation_due(self) -> bool:
        with self.pipeline.reading() as session:
            return key_rotation.due_since(session) is not None

    def rotate_if_due(self) -> rotation.RotationReport | None:
        """What the scheduler runs at every tick: a rotation, if an erasure, a redaction or
        a purge destroyed keys since the last one."""
        return self.rotate_master_key() if self.rotation_due() else None

    def erasure_report(self, person: Any) -> rights.ErasureReport:
        """When this person was erased, and since when no copy of the files opens them."""
        person_id = str(as_uuid(person, "person"))
        with self.pipeline.reading() as session:
            row = shredding.erasure(session, person_id)
        if row is None:
            raise NotFound("erasure", person_id)
        irreversible = shredding.aware(row.destroyed_at)
        erased_at = shredding.aware(row.erased_at)
        assert erased_at is not None
        return rights.ErasureReport(
            pilot_id=UUID(row.pilot_id),
            person_id=UUID(person_id),
            erased_at=erased_at,
            files=None,
            irreversible_at=irreversible,
            pending=None if irreversible is not None else rights.PENDING_ROTATION,
        )
