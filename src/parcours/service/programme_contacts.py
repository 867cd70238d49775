"""The programme's own contacts (R11): the Region's and the agency's project leads, with the
same sealing, rights and erasure as a pilot's referents (R12–R14).

One aggregate per programme (`domain.programme_contacts`) holds them, so that designating
one is an act on the programme, not on a pilot. Its values are sealed under a key per person
kept in the same key table as the referents' (the key's owner is the aggregate's id): the
right of access finds them by e-mail, erasure destroys the key, and the retention purge
destroys them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from parcours import charter_inputs as cin
from parcours import inputs as inp
from parcours.domain.pilot import Act
from parcours.domain.programme_contacts import ProgrammeContacts, desk_id
from parcours.domain.standing import alert
from parcours.domain.standing_views import Alert
from parcours.errors import NotFound
from parcours.privacy import rights, sealing
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Service, as_uuid
from parcours.service.queries import contact_view, masked_contact
from parcours.service.requests import Request
from parcours.views import ContactView

T = TypeVar("T")
Shred = Callable[..., None]
# The purge is the retention rule's act (R13): the reserved principal of service.personal_data.
RETENTION_ACTOR = "system:retention"
Decide = Callable[[ProgrammeContacts, Act, list[Write]], T]


class ProgrammeContactCommands(Service):
    def designate_programme_contact(
        self,
        programme: str,
        *,
        organisation: str,
        first_name: str,
        last_name: str,
        email: str,
        phone: str,
        title: str | None,
        actor: str,
        on: date | None = None,
    ) -> UUID:
        """R11: `organisation`'s ("region" or "agency") project lead for the programme; its
        values sealed under a key of its own. Returns the person's id."""
        data = inp.validated(
            cin.ProgrammeContactInput,
            organisation=organisation,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
        )
        self.pipeline.programme(programme).contact_role(data.organisation)
        person_id = uuid4()

        def decide(desk: ProgrammeContacts, act: Act, writes: list[Write]) -> UUID:
            key = sealing.new_key()
            fields = data.model_dump(exclude={"organisation"})
            desk.designate(
                act,
                self.pipeline.date(on, act),
                person_id=str(person_id),
                organisation=data.organisation,
                sealed=sealing.seal_fields(key, str(person_id), fields),
            )
            writes.append(
                lambda s: self.pipeline.keys.add(
                    s,
                    person_id=str(person_id),
                    pilot_id=str(desk.id),
                    key=key,
                    email=data.email,
                    now=act.at,
                )
            )
            return person_id

        return self._run("designate_programme_contact", programme, actor, decide, create=True)

    def rectify(self, programme: str, person: Any, *, actor: str, **fields: Any) -> None:
        changes = inp.validated(inp.ContactChanges, **fields).model_dump(exclude_none=True)
        person_id = str(as_uuid(person, "person"))

        def decide(desk: ProgrammeContacts, act: Act, writes: list[Write]) -> None:
            desk.contact(person_id)
            with self.pipeline.reading() as session:
                key = self.pipeline.keys.keys(session, [person_id]).get(person_id)
            sealed = {} if key is None else sealing.seal_fields(key, person_id, changes)
            desk.rectify(act, person_id, sealed)
            if "email" in changes:
                writes.append(
                    lambda s: self.pipeline.keys.change_email(s, person_id, changes["email"])
                )

        self._run("rectify_contact", programme, actor, decide)

    def record_objection(self, programme: str, person: Any, *, actor: str) -> None:
        person_id = str(as_uuid(person, "person"))
        self._run(
            "record_objection",
            programme,
            actor,
            lambda desk, act, _w: desk.record_objection(act, person_id),
        )

    def erase(
        self, programme: str, person: Any, *, actor: str, shred: Shred | None = None
    ) -> tuple[UUID, datetime]:
        """R14 / GDPR art. 17: destroy this person's key (with `shred`, as a pilot's
        referent's is: recorded, a rotation made due); (the aggregate's id, when)."""
        person_id = str(as_uuid(person, "person"))

        def decide(desk: ProgrammeContacts, act: Act, writes: list[Write]) -> tuple[UUID, datetime]:
            desk.erase(act, person_id)
            if shred is None:
                writes.append(lambda s: self.pipeline.keys.destroy(s, [person_id]))
            else:
                writes.append(partial(shred, pilot_id=str(desk.id), person_id=person_id, at=act.at))
            return desk.id, act.at

        return self._run("erase_person", programme, actor, decide)

    def purge(self, programme: str, actor: str) -> tuple[int, int]:
        """R13: destroy the keys of every contact of the programme; (persons, keys)."""
        counted: dict[str, int] = {}

        def decide(desk: ProgrammeContacts, act: Act, writes: list[Write]) -> None:
            person_ids = sorted(desk.contacts)
            with self.pipeline.reading() as session:
                counted["keys"] = len(self.pipeline.keys.keys(session, person_ids))
            counted["persons"] = len(person_ids)
            desk.purge(act, person_ids, counted["keys"])
            writes.append(lambda s: self.pipeline.keys.destroy(s, person_ids))

        desk = self.desk(self.pipeline.programme(programme).id)
        if desk is None or desk.purged_on is not None:
            return 0, 0
        self._run("purge", programme, self.pipeline.system(actor), decide)
        return counted["persons"], counted["keys"]

    def purge_expired(self, now: datetime) -> tuple[list[UUID], int, int]:
        """R13: purge the contacts of every programme whose retention has ended at `now`;
        (the contacts aggregates purged, persons, keys destroyed)."""
        done: list[UUID] = []
        persons = keys = 0
        for programme_id in self.pipeline.programmes.known_ids():
            definition = self.pipeline.programme(programme_id)
            desk = self.desk(definition.id)
            if desk is None or desk.purged_on is not None:
                continue
            if not rights.retention_ended(definition, now):
                continue
            counted = self.purge(definition.id, RETENTION_ACTOR)
            persons, keys = persons + counted[0], keys + counted[1]
            done.append(desk.id)
        return done, persons, keys

    # -- queries ------------------------------------------------------------------------------

    def desk(self, programme: str) -> ProgrammeContacts | None:
        try:
            found: Any = self.pipeline.store.repository.get(desk_id(programme))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, ProgrammeContacts) else None

    def programme_contacts(self, programme: str, *, actor: str) -> list[ContactView]:
        """R11: the programme's project leads, present and past, unsealed while their keys
        exist (`role` is their organisation); an auditor reads them masked (R12)."""
        definition = self.pipeline.programme(programme)
        permit = self.pipeline.permit("programme_contacts", actor, programme=definition.id)
        desk = self.desk(definition.id)
        if desk is None:
            return []
        with self.pipeline.reading() as session:
            keys = self.pipeline.keys.keys(session, desk.contacts)
        views = [contact_view(pid, c, keys.get(pid)) for pid, c in desk.contacts.items()]
        return [masked_contact(v) for v in views] if permit.masked else views

    def desk_as_of(self, programme: str, at: datetime) -> ProgrammeContacts | None:
        """The programme's contacts as recorded at `at` (each event carries the instant
        the clock gave its act), or None when none was recorded by then."""
        ident = desk_id(programme)
        events: list[Any] = list(self.pipeline.store.events.get(ident))
        versions = [e.originator_version for e in events if e.timestamp <= at]
        if not versions:
            return None
        found: Any = self.pipeline.store.repository.get(ident, version=max(versions))
        return found if isinstance(found, ProgrammeContacts) else None

    def alerts(self, programme: str, at: datetime | None = None) -> list[Alert]:
        """R11: an alert for each required project lead the programme has none of (as
        recorded at `at`, when given)."""
        definition = self.pipeline.programme(programme)
        required = [c.organisation for c in definition.programme_contacts if c.required]
        desk = self.desk(definition.id) if at is None else self.desk_as_of(definition.id, at)
        if desk is not None and desk.purged_on is not None:
            return []  # after retention, nobody is to be designated
        missing = required if desk is None else desk.missing(required)
        return [
            alert("R11", "warning", "r11_programme", {"organisation": organisation})
            for organisation in missing
        ]

    # -- running an act on the programme's contacts -------------------------------------------

    def _run(
        self, command: str, programme: str, actor: Any, decide: Decide[T], create: bool = False
    ) -> T:
        """Validate, authorise, load (or open) the programme's contacts, decide, append with
        our rows in one transaction (`Pipeline.run_aggregate`)."""
        definition = self.pipeline.programme(programme)
        principal, system = self.pipeline.principal(actor, command)
        request = Request(command, principal, programme=definition.id, system=system)

        def load(act: Act) -> ProgrammeContacts:
            desk = self.desk(definition.id)
            if desk is not None:
                return desk
            if not create:
                raise NotFound("programme contact", definition.id)
            return ProgrammeContacts.open(act, definition.id)

        return self.pipeline.run_aggregate(
            request,
            definition,
            load,
            lambda desk, act, writes, _permit: decide(desk, replace(act, command=command), writes),
        )
