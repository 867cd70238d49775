"""Personal data (R12–R14): the retention purge (and its dry run), the right of access.

Purging a pilot destroys, in one transaction with the `PersonalDataPurged` event: every key
of its people, every key of its free text, its snapshots; and, in that same transaction,
after the destruction and while the values are still known, searches every table and column
of the database for each of them (`store/search.py`) and records the result (ids, tables,
counts; never a value). After the commit the freed pages are made to reach the files (SQLite:
the WAL checkpointed and truncated, checked), and the key-encryption key is rotated, so the
wrapped keys left in old copies open nothing. Verification is in `service/purge_checks.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from parcours import inputs as inp
from parcours.domain import events as ev
from parcours.domain.pilot import Act, Pilot
from parcours.domain.programme_contacts import ProgrammeContacts
from parcours.privacy import free_text, rights, rotation, sealing
from parcours.projections import readers
from parcours.service.bookkeeping import Write
from parcours.service.migration import Migration
from parcours.service.pipeline import Service
from parcours.service.programme_contacts import ProgrammeContactCommands
from parcours.service.purge_checks import verify
from parcours.store import key_rotation, search, shredding
from parcours.store.files import Overwrite
from parcours.store.schema import person_keys, text_keys

# The purge is the retention rule's act (R13), not a person's: the scheduler and
# `purge_expired` run it under this reserved principal.
RETENTION_ACTOR = "system:retention"


class PersonalData(Service):
    def purge_expired(
        self, now: datetime | None = None, *, dry_run: bool = False, rotate: bool = True
    ) -> rights.PurgeReport:
        """R13: purge every pilot whose programme's retention has ended at `now`.

        `dry_run`: list what would go (pilots, people, keys) and change nothing.
        `rotate`: then rotate the key-encryption key (the purge becomes irreversible for
        every copy of the files); without it the scheduler's next tick does."""
        clock = self.pipeline.now()
        # aware, and not after the clock: a purge "as of 2030" would purge everyone (issue 18)
        instant = clock if now is None else inp.caller_instant("now", now, clock)
        due = self.due(instant)
        if dry_run:
            return self.plan(due)
        outcomes = [self.purge_pilot(pilot_id) for pilot_id in due]
        # R11/R13: the programmes' own contacts go at the same end of retention.
        desks, desk_persons, desk_keys = ProgrammeContactCommands(self.pipeline).purge_expired(
            instant
        )
        files = self.settle() if due or desks else None
        turned = None
        if due and rotate:
            turned = rotation.rotate(self.pipeline.store, self.pipeline.keys, self.pipeline.now())
        check = verify(self.pipeline, due)
        return check.model_copy(
            update={
                "persons": sum(o["persons"] for o in outcomes) + desk_persons,
                "keys_destroyed": sum(o["keys"] for o in outcomes) + desk_keys,
                "texts_destroyed": sum(o["texts"] for o in outcomes),
                "files": files,
                "rotation": turned,
                "irreversible_at": None if turned is None else turned.at,
                "searches": [o["search"] for o in outcomes],
            }
        )

    def due(self, now: datetime) -> list[UUID]:
        with self.pipeline.reading() as session:
            living = readers.pilots_in_phase(session, "purged", negate=True)
        return [
            UUID(pilot_id) for pilot_id, programme in living if self.retention_ended(programme, now)
        ]

    def plan(self, due: list[UUID]) -> rights.PurgeReport:
        """What a purge would destroy, read and nothing written."""
        ids = [str(p) for p in due]
        with self.pipeline.reading() as session:
            names = {r.pilot_id: r.name for r in readers.pilot_summaries(session)}
            people = self.pipeline.keys.persons_of_pilots(session, ids)
            texts = self.pipeline.keys.text_keys_of_pilots(session, ids)
            plans = [
                rights.PurgePlan(
                    pilot_id=pilot_id,
                    name=names.get(str(pilot_id), ""),
                    person_keys=len(self.pipeline.keys.persons_of_pilots(session, [str(pilot_id)])),
                    text_keys=len(self.pipeline.keys.text_keys_of_pilots(session, [str(pilot_id)])),
                )
                for pilot_id in due
            ]
        return rights.PurgeReport(
            pilots=due,
            persons=len(people),
            keys_destroyed=0,
            texts_destroyed=0,
            unreadable_events=0,
            verified=False,
            dry_run=True,
            would_purge=plans,
            would_destroy_keys=len(people) + len(texts),
        )

    def settle(self) -> Overwrite:
        """After a purge: make the freed pages reach the files (SQLite: the WAL checkpointed
        and truncated, checked; PostgreSQL: the key tables rewritten)."""
        files = self.pipeline.store.overwrite_freed_pages(person_keys.name, text_keys.name)
        if not files.complete:
            self.pipeline.log.warning("purge.files_not_overwritten", detail=files.detail)
        return files

    def retention_ended(self, programme_id: str, now: datetime) -> bool:
        return rights.retention_ended(self.pipeline.programme(programme_id), now)

    def purge_pilot(self, pilot_id: UUID) -> dict[str, Any]:
        """Destroy the keys of every person of the pilot and of its free text, and its
        snapshots, with the `PersonalDataPurged` fact, in one transaction that then searches
        the whole database for the destroyed values and records what it found."""
        outcome: dict[str, Any] = {}
        pipeline = self.pipeline
        migration = Migration(pipeline)
        if migration.has_clear_text(pilot_id):
            # Text an earlier version stored in clear: sealed first, so the purge reaches it.
            migration.seal_clear_text([pilot_id])

        def decide(pilot: Pilot, act: Act, writes: list[Write]) -> None:
            person_ids = sorted(pilot.contacts)
            values, keks, counts = self._known_values(pilot)
            outcome.update(persons=len(person_ids), keys=counts["persons"], texts=counts["texts"])
            pilot.purge(act, person_ids, counts["persons"])

            def destroy_and_search(session: Session) -> None:
                pipeline.keys.destroy(session, person_ids)
                pipeline.keys.destroy_texts(
                    session, pipeline.keys.text_keys_of_pilots(session, [str(pilot.id)])
                )
                pipeline.store.delete_snapshots(session, pilot.id)
                found = search.search(session, values)
                outcome["search"] = found
                shredding.record_purge(
                    session,
                    pilot_id=str(pilot.id),
                    at=act.at,
                    kek_ids=sorted(keks),
                    report=found.model_dump(mode="json"),
                )
                key_rotation.mark_due(session, act.at)

            writes.append(destroy_and_search)

        pipeline.run(None, "purge", pilot_id, pipeline.system(RETENTION_ACTOR), decide)
        if outcome["search"].hits:
            self.pipeline.log.warning(
                "purge.values_found", pilot=str(pilot_id), hits=len(outcome["search"].hits)
            )
        return outcome

    def _known_values(self, pilot: Pilot) -> tuple[list[tuple[str, str]], set[str], dict[str, int]]:
        """Every personal and free-text value of the pilot still readable (the purge's search
        list), the KEKs that wrap their keys, and how many keys there are."""
        events = list(self.pipeline.store.events.get(pilot.id))
        sealed = [
            (e.person_id, e.sealed)
            for e in events
            if isinstance(e, ev.ReferentDesignated | ev.ContactRectified)
        ]
        written = [
            getattr(e, name, None) for e in events for name in getattr(type(e), "free_text", ())
        ]
        tokens = [str(t) for t in written if free_text.is_token(t)]
        keys = self.pipeline.keys
        with self.pipeline.reading() as session:
            people = keys.keys(session, {p for p, _ in sealed} | set(pilot.contacts))
            texts = keys.text_keys(session, {free_text.key_id_of(t) for t in tokens})
            keks = keys.keks_of_persons(session, people) | keys.keks_of_texts(session, texts)
        values = [
            ("personal", value)
            for person, fields in sealed
            for value in sealing.unseal_fields(people.get(person), person, fields).values()
            if value != sealing.PURGED
        ]
        values += [("free text", free_text.open_token(t, texts)) for t in tokens]
        values += [
            ("free text (clear)", t) for t in written if isinstance(t, str) and t not in tokens
        ]
        values = [(k, v) for k, v in values if v != sealing.PURGED]
        return values, keks, {"persons": len(people), "texts": len(texts)}

    def verify_purge(self, *, actor: str | None = None) -> rights.PurgeReport:
        """No key of a purged pilot remains, no column holds one of their values in clear, the
        KEKs that wrapped their keys are destroyed; with the searches the purges recorded."""
        self.pipeline.permit_optional("verify_purge", actor)
        with self.pipeline.reading() as session:
            purged = [UUID(p) for p, _ in readers.pilots_in_phase(session, "purged")]
        return verify(self.pipeline, purged)

    def export_personal_data(self, *, email: str, actor: str) -> rights.PersonalDataExport:
        """R14, right of access: every personal value held about the person with this email,
        in the programmes where `actor` is the agency or the Region (R12, R15)."""
        permit = self.pipeline.permit("export_personal_data", actor)
        address = inp.validated(inp.EmailOnly, email=email).email
        keys = self.pipeline.keys
        with self.pipeline.reading() as session:
            found = keys.persons_with_email(session, address)
        records = []
        programmes: set[str] = set()
        for person_id, pilot_id in found:
            holder = self._holder(pilot_id)
            contact = holder.contacts.get(person_id)
            if contact is None or holder.programme not in permit.programmes:
                continue
            with self.pipeline.reading() as session:
                key = keys.keys(session, [person_id]).get(person_id)
            if key is None:
                continue
            programmes.add(holder.programme)
            records.append(
                rights.PersonalRecord(
                    pilot_id=holder.id,
                    pilot_name=getattr(holder, "name", None) or f"programme {holder.programme}",
                    person_id=UUID(person_id),
                    role=contact["role"],
                    fields=sealing.unseal_fields(key, person_id, contact["sealed"]),
                    designated_on=contact["designated_on"],
                    restricted=contact["objected"],
                )
            )
        # R14: the controller and the rights address, from the programmes' data (the
        # programmes the actor acts in, when nothing was found).
        named = sorted(programmes or set(permit.programmes))
        controllers = [rights.controller_notice(self.pipeline.programme(p)) for p in named]
        return rights.PersonalDataExport(
            email=address, records=records, controllers=[c for c in controllers if c]
        )

    def _holder(self, holder_id: str) -> Pilot | ProgrammeContacts:
        """Whose contact a key belongs to: a pilot, or a programme's contacts (R11)."""
        found = self.pipeline.get_aggregate(UUID(holder_id))
        if isinstance(found, ProgrammeContacts):
            return found
        return self.pipeline.load(holder_id)
