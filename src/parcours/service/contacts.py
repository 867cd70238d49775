"""Enrolment and contacts (R11, R14): who the pilot is, who its referents are."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.orm import Session

from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.errors import ProgrammeError
from parcours.privacy import sealing
from parcours.privacy.rights import PENDING_ROTATION, ErasureReport
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service, as_uuid
from parcours.service.programme_contacts import ProgrammeContactCommands
from parcours.store import key_rotation, shredding
from parcours.store.schema import person_keys


class ContactCommands(Service):
    # -- enrolment and contacts (R11, R14) --------------------------------------------------

    def enroll(
        self,
        *,
        name: str,
        programme: str,
        charter_signed_on: date,
        actor: str,
        siren: str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        data = inp.validated(
            inp.EnrollInput,
            name=name,
            programme=programme,
            charter_signed_on=charter_signed_on,
            siren=siren,
            actor=actor,
        )
        definition = self.pipeline.programme(data.programme)
        signed_on = inp.within_programme("charter_signed_on", data.charter_signed_on, definition)
        return self.pipeline.create(
            command_id,
            "enroll",
            definition,
            data.actor,
            lambda act: Pilot.enroll(
                act,
                pilot_id=uuid4(),
                name=data.name,
                programme=definition.id,
                siren=data.siren,
                charter_signed_on=signed_on,
            ),
        )

    def designate_referent(
        self,
        pilot: Any,
        *,
        role: str,
        first_name: str,
        last_name: str,
        email: str,
        phone: str,
        actor: str,
        title: str | None = None,
        on: date | None = None,
        command_id: str | None = None,
    ) -> UUID:
        data = inp.validated(
            inp.ReferentInput,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
        )
        person_id = uuid4()

        def decide(p: Pilot, act: Act, writes: list[Write]) -> UUID:
            key = sealing.new_key()
            fields = data.model_dump(exclude={"role"})
            sealed = sealing.seal_fields(key, str(person_id), fields)
            p.designate_referent(
                act,
                self.pipeline.date(on, act),
                person_id=str(person_id),
                role=data.role,
                sealed=sealed,
            )
            writes.append(
                lambda s: self.pipeline.keys.add(
                    s,
                    person_id=str(person_id),
                    pilot_id=str(p.id),
                    key=key,
                    email=data.email,
                    now=act.at,
                )
            )
            return person_id

        return self.pipeline.run(command_id, "designate_referent", pilot, actor, decide)

    def rectify_contact(
        self,
        /,
        pilot: Any,
        person: Any,
        *,
        actor: str,
        command_id: str | None = None,
        **fields: Any,
    ) -> None:
        if self._programme(pilot):
            return ProgrammeContactCommands(self.pipeline).rectify(
                pilot, person, actor=actor, **fields
            )
        changes = inp.validated(inp.ContactChanges, **fields).model_dump(exclude_none=True)
        person_id = str(as_uuid(person, "person"))

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.contact(person_id)
            with self.pipeline.reading() as session:
                key = self.pipeline.keys.keys(session, [person_id]).get(person_id)
            if key is None:
                p.rectify_contact(act, person_id, {})  # raises: erased or nothing to do
                return
            p.rectify_contact(act, person_id, sealing.seal_fields(key, person_id, changes))
            if "email" in changes:
                writes.append(
                    lambda s: self.pipeline.keys.change_email(s, person_id, changes["email"])
                )

        self.pipeline.run(command_id, "rectify_contact", pilot, actor, decide)

    def record_objection(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> None:
        if self._programme(pilot):
            return ProgrammeContactCommands(self.pipeline).record_objection(
                pilot, person, actor=actor
            )
        person_id = str(as_uuid(person, "person"))
        self.pipeline.run(
            command_id,
            "record_objection",
            pilot,
            actor,
            lambda p, act, _w: p.record_objection(act, person_id),
        )

    def erase_person(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> ErasureReport:
        """GDPR art. 17 (R14): destroy this person's key; the pilot goes on. `pilot` may be a
        programme's id, for one of its own contacts (R11).

        After the commit the SQLite WAL is checkpointed and truncated, so that a copy of the
        files taken from then on holds neither the key nor its wrapped form; the report
        says whether that completed."""
        if self._programme(pilot):
            return self._erased(
                person,
                ProgrammeContactCommands(self.pipeline).erase(
                    pilot, person, actor=actor, shred=self._shred
                ),
            )
        person_id = str(as_uuid(person, "person"))
        erased: dict[str, Any] = {}

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.erase_person(act, person_id)
            erased.update(pilot_id=p.id, at=act.at)
            writes.append(partial(self._shred, pilot_id=str(p.id), person_id=person_id, at=act.at))

        self.pipeline.run(command_id, "erase_person", pilot, actor, decide)
        return self._erased(
            person, (erased.get("pilot_id") or self.pipeline.pilot_id(pilot), erased.get("at"))
        )

    def _erased(self, person: Any, where: tuple[UUID, datetime | None]) -> ErasureReport:
        files = self.pipeline.store.overwrite_freed_pages(person_keys.name)
        if not files.complete:
            self.pipeline.log.warning("erasure.files_not_overwritten", detail=files.detail)
        return ErasureReport(
            pilot_id=where[0],
            person_id=as_uuid(person, "person"),
            erased_at=where[1] or self.pipeline.now(),
            files=files,
            irreversible_at=None,
            pending=PENDING_ROTATION,
        )

    def _shred(self, session: Session, *, pilot_id: str, person_id: str, at: datetime) -> None:
        """Destroy the key, record under which KEK it was wrapped, and make a rotation due:
        until that KEK is destroyed, an old copy of the wrapped key still opens."""
        keys = self.pipeline.keys
        kek = sorted(keys.keks_of_persons(session, [person_id]))
        keys.destroy(session, [person_id])
        shredding.record_erasure(
            session, person_id=person_id, pilot_id=pilot_id, at=at, kek_id=kek[0] if kek else None
        )
        key_rotation.mark_due(session, at)

    def _programme(self, pilot: Any) -> bool:
        """True when `pilot` names a programme: the act is on one of its own contacts (R11)."""
        if not isinstance(pilot, str):
            return False
        try:
            self.pipeline.programme(pilot)
        except ProgrammeError:
            return False
        return True
