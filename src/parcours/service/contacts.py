"""Enrolment and contacts (R11, R14): who the pilot is, who its referents are."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from parcours import inputs as inp
from parcours.domain.pilot import Act, Pilot
from parcours.errors import ConcurrencyConflict, InvalidInput
from parcours.privacy import sealing
from parcours.service.core import ServiceCore, Write, as_uuid
from parcours.store import ledger


class ContactCommands(ServiceCore):
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
        definition = self.programme(data.programme)
        key = None if command_id is None else inp.check_command_id(command_id)
        if key is not None:
            with self._read() as session:
                row = ledger.previous(session, key)
            if row is not None:
                if row.command != "enroll":
                    raise InvalidInput("command_id", f"already used for {row.command}")
                return UUID(row.pilot_id)
        act = self._act(data.actor, definition, key)
        pilot = Pilot.enroll(
            act,
            pilot_id=uuid4(),
            name=data.name,
            programme=definition.id,
            siren=data.siren,
            charter_signed_on=inp.within_programme(
                "charter_signed_on", data.charter_signed_on, definition
            ),
        )
        if not self._commit(pilot, self._bookkeeping(pilot, act, "enroll", pilot.id, True)):
            if key is not None:
                with self._read() as session:
                    row = ledger.previous(session, key)
                if row is not None:  # the same enrolment, submitted twice at once
                    return UUID(row.pilot_id)
            raise ConcurrencyConflict("enroll: the new pilot's id was taken; try again")
        self._log.info("command", command="enroll", pilot=str(pilot.id), actor=act.actor)
        return pilot.id

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
                act, self._date(on, act), person_id=str(person_id), role=data.role, sealed=sealed
            )
            writes.append(
                lambda s: self._keys.add(
                    s,
                    person_id=str(person_id),
                    pilot_id=str(p.id),
                    key=key,
                    email=data.email,
                    now=act.at,
                )
            )
            return person_id

        return self._run(command_id, "designate_referent", pilot, actor, decide)

    def rectify_contact(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None, **fields: Any
    ) -> None:
        changes = inp.validated(inp.ContactChanges, **fields).model_dump(exclude_none=True)
        person_id = str(as_uuid(person, "person"))

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.contact(person_id)
            with self._read() as session:
                key = self._keys.keys(session, [person_id]).get(person_id)
            if key is None:
                p.rectify_contact(act, person_id, {})  # raises: erased or nothing to do
                return
            p.rectify_contact(act, person_id, sealing.seal_fields(key, person_id, changes))
            if "email" in changes:
                writes.append(lambda s: self._keys.change_email(s, person_id, changes["email"]))

        self._run(command_id, "rectify_contact", pilot, actor, decide)

    def record_objection(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> None:
        person_id = str(as_uuid(person, "person"))
        self._run(
            command_id,
            "record_objection",
            pilot,
            actor,
            lambda p, act, _w: p.record_objection(act, person_id),
        )

    def erase_person(
        self, pilot: Any, person: Any, *, actor: str, command_id: str | None = None
    ) -> None:
        """GDPR art. 17 (R14): destroy this person's key; the pilot goes on."""
        person_id = str(as_uuid(person, "person"))

        def decide(p: Pilot, act: Act, writes: list[Write]) -> None:
            p.erase_person(act, person_id)
            writes.append(lambda s: self._keys.destroy(s, [person_id]))

        self._run(command_id, "erase_person", pilot, actor, decide)
