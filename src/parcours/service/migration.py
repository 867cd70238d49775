"""The one-time sealing of free text that earlier versions stored in clear (issue 16).

Chosen: **a recorded, verified rewrite**, not re-appended sealed copies. Re-appending would
leave the clear originals in the stored bytes, and making them unreadable means rewriting
those bytes all the same, so the audit chain over them must be recomputed either way; a
rewrite in place keeps one event per fact (sequence numbers, `as_of` replays and exports
unchanged) and touches only the free-text fields. Each pilot is rewritten in one
transaction, under its lock:

1. its audit chain is recomputed over the stored bytes and must match the recorded one
   (a broken chain is not migrated: the report names it);
2. every clear free-text field is sealed under a new key of its own, in place;
3. the chain is recomputed from the first rewritten event on and its links replaced;
4. its snapshots (which hold the clear state) are deleted.

Then the audit checkpoints are dropped (their heads are hashes over the clear text, a digest
that could be brute-forced from the rest of the event), the migration is recorded in
`parcours_meta` (when, which pilots, how many events and fields, the new heads), a fresh
checkpoint is taken, the read models are rebuilt from the sealed events, the freed pages are
overwritten, and the whole audit trail is verified. The old chain heads are not kept, so
receipts taken before the migration no longer match: the receipts' log starts over here.

Run it once after upgrading (`parcours gdpr migrate`), with no other process writing; the
purge also runs it for a pilot it is about to purge, so the purge reaches that text too.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.application import LRUCache
from eventsourcing.utils import TopicError, resolve_topic
from pydantic import BaseModel, ConfigDict

from parcours import audit
from parcours.privacy import free_text
from parcours.projections import readers
from parcours.service.pipeline import Service
from parcours.service.read_models import ReadModelUpkeep
from parcours.store import log_backfill, rewrite
from parcours.store.files import Overwrite

NAME = "seal-free-text-v1"


class MigrationReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    pilots: list[UUID]
    events: int
    fields: int
    skipped: list[dict[str, str]]
    checkpoints_dropped: int
    audit_verified: bool
    files: Overwrite | None = None


class Migration(Service):
    def seal_clear_text(self, pilots: list[UUID] | None = None) -> MigrationReport:
        """Seal, in place, every free-text field stored in clear (see the module's doc)."""
        targets = pilots if pilots is not None else self._every_pilot()
        now = self.pipeline.now()
        done: list[UUID] = []
        events = fields = 0
        skipped: list[dict[str, str]] = []
        heads: dict[str, str] = {}
        for pilot_id in targets:
            outcome = self._migrate(pilot_id, now)
            if isinstance(outcome, str):
                skipped.append({"pilot_id": str(pilot_id), "reason": outcome})
            elif outcome is not None:
                done.append(pilot_id)
                events += outcome[0]
                fields += outcome[1]
                heads[str(pilot_id)] = outcome[2]
        dropped = 0
        files = None
        if done:
            with self.pipeline.writing() as session:
                dropped = rewrite.drop_checkpoints(session)
                runs = (rewrite.recorded(session, NAME) or {}).get("runs", [])
                runs.append(
                    {
                        "at": now.isoformat(),
                        "pilots": [str(p) for p in done],
                        "events": events,
                        "fields": fields,
                        "heads": heads,
                        "checkpoints_dropped": dropped,
                    }
                )
                rewrite.record(session, NAME, now, {"runs": runs})
            self._forget_cached_pilots()
            # The audit log hashed the clear bytes: it starts over the sealed store (its
            # earlier receipts no longer extend; the README says so).
            log_backfill.restart(self.pipeline.store, NAME)
            audit.checkpoint(self.pipeline.store, now)
            ReadModelUpkeep(self.pipeline).rebuild_projections()
            files = self.pipeline.store.overwrite_freed_pages(
                rewrite.events_table(self.pipeline.store).name
            )
        verified = audit.verify_audit_trail(self.pipeline.store).ok
        return MigrationReport(
            pilots=done,
            events=events,
            fields=fields,
            skipped=skipped,
            checkpoints_dropped=dropped,
            audit_verified=verified,
            files=files,
        )

    def has_clear_text(self, pilot_id: UUID) -> bool:
        with self.pipeline.reading() as session:
            rows = rewrite.stored_events(session, self.pipeline.store, pilot_id)
        return any(_clear_fields(row) for row in rows)

    def _every_pilot(self) -> list[UUID]:
        with self.pipeline.reading() as session:
            return [UUID(r.pilot_id) for r in readers.pilot_summaries(session)]

    def _migrate(self, pilot_id: UUID, now: Any) -> tuple[int, int, str] | str | None:
        """(events, fields, new head) rewritten, a reason it was not, or None if clean."""
        store, keys = self.pipeline.store, self.pipeline.keys
        with store.writing() as session:
            store.lock_pilot(session, pilot_id)
            rows = rewrite.stored_events(session, store, pilot_id)
            old = rewrite.links(session, pilot_id)
            recomputed = rewrite.chain_of(pilot_id, rows, {})
            broken = [v for v, digest in recomputed.items() if old.get(v) != digest]
            if broken:
                return f"audit chain broken at version {min(broken)}: not migrated"
            states: dict[int, bytes] = {}
            fields = 0
            for row in rows:
                names = _clear_fields(row)
                if not names:
                    continue
                data = json.loads(bytes(row.state))
                for name in names:
                    token, key_id, key = free_text.seal(data[name], name)
                    keys.add_text(session, key_id=key_id, pilot_id=str(pilot_id), key=key, now=now)
                    data[name] = token
                    fields += 1
                states[int(row.originator_version)] = json.dumps(
                    data, separators=(",", ":"), ensure_ascii=False
                ).encode()
            if not states:
                return None
            new = rewrite.chain_of(pilot_id, rows, states)
            rewrite.replace(session, store, pilot_id, states, new, old)
            store.delete_snapshots(session, pilot_id)
        head = new[max(new)].hex()
        return len(states), fields, head

    def _forget_cached_pilots(self) -> None:
        """The repository's cache holds pilots as they were read (with the clear text)."""
        repository = self.pipeline.store.repository
        if isinstance(repository.cache, LRUCache):
            repository.cache = LRUCache(maxsize=repository.cache.maxsize)


def _clear_fields(row: Any) -> list[str]:
    """The free-text fields of a stored event that hold clear text."""
    try:
        names = getattr(resolve_topic(row.topic), "free_text", ())
    except TopicError:
        return []
    if not names:
        return []
    data = json.loads(bytes(row.state))
    return [n for n in names if isinstance(data.get(n), str) and not free_text.is_token(data[n])]
