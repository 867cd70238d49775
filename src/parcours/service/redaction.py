"""Redaction (R14): one free-text field, or every field that names someone, made unreadable
for good, the pilot going on. A person's erasure destroys their key, which reaches their
contact fields; a name they were written under in free text ("Mme X quitte ses fonctions")
is reached by redacting the fields that hold it: `redact(pilot, containing="X", …)`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.errors import InvalidInput, NotFound
from parcours.privacy import free_text
from parcours.privacy.rights import PENDING_ROTATION, RedactionReport
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service
from parcours.store import key_rotation
from parcours.store.schema import text_keys


class Redaction(Service):
    def redact(
        self,
        pilot: Any,
        *,
        actor: str,
        sequence: int | None = None,
        field: str | None = None,
        containing: str | None = None,
        command_id: str | None = None,
    ) -> RedactionReport:
        """Destroy the keys of the chosen free-text fields: the one `field` of the event at
        `sequence` (or every free-text field of that event), or every free-text field of
        the pilot whose text contains `containing` (case-insensitive). The history shows
        `[purged]` there from now on; the audit chain still verifies (it hashes tokens)."""
        if sequence is None and containing is None:
            raise InvalidInput("sequence", "input.redact_what")
        needle = None if containing is None else inp.check_text("containing", containing)
        found: dict[str, Any] = {}

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            chosen = self._chosen(p, sequence, field, needle)
            if not chosen:
                raise NotFound("free text", f"{sequence or ''} {field or ''}".strip() or "match")
            items = [{"sequence": s, "field": f} for s, f, _ in chosen]
            key_ids = [free_text.key_id_of(t) for _, _, t in chosen]
            p.redact(act, items)
            found.update(pilot_id=p.id, at=act.at, items=items)
            writes.append(lambda s: self._shred(s, key_ids, act.at))

        self.pipeline.run(command_id, "redact", pilot, actor, decide)
        files = self.pipeline.store.overwrite_freed_pages(text_keys.name)
        return RedactionReport(
            pilot_id=found.get("pilot_id") or self.pipeline.pilot_id(pilot),
            items=found.get("items", []),
            redacted_at=found.get("at") or self.pipeline.now(),
            files=files,
            pending=PENDING_ROTATION,
        )

    def _chosen(
        self, pilot: Pilot, sequence: int | None, field: str | None, needle: str | None
    ) -> list[tuple[int, str, str]]:
        """(sequence, field, token) of the free-text fields to redact."""
        candidates = []
        for event in self.pipeline.store.events.get(pilot.id):
            version = int(event.originator_version)
            if sequence is not None and version != sequence:
                continue
            for name in getattr(type(event), "free_text", ()):
                value = getattr(event, name, None)
                if free_text.is_token(value) and (field is None or field == name):
                    candidates.append((version, name, str(value)))
        with self.pipeline.reading() as session:
            keys = self.pipeline.keys.text_keys(
                session, {free_text.key_id_of(t) for _, _, t in candidates}
            )
        living = [c for c in candidates if free_text.key_id_of(c[2]) in keys]
        if needle is None:
            return living
        wanted = needle.casefold()
        return [c for c in living if wanted in free_text.open_token(c[2], keys).casefold()]

    def _shred(self, session: Session, key_ids: list[str], at: datetime) -> None:
        self.pipeline.keys.destroy_texts(session, key_ids)
        key_rotation.mark_due(session, at)


__all__ = ["Redaction"]
