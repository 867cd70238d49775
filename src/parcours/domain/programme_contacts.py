"""R11, the programme's own mandatory contacts: « Pour la Région Grand Est et Grand E-Nov+ »,
their project leads (name, title, e-mail, phone), « à compléter obligatoirement ».

They belong to no pilot: one aggregate per programme holds them (its id derived from the
programme's id, so every process finds the same one). Their values arrive sealed under a key
per person, as a pilot's referents' do (R12–R14): the same access, rectification, opposition
and erasure, and the same purge at the end of retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from parcours.domain import people
from parcours.domain.pilot import Act
from parcours.errors import InvalidInput, NotFound, RuleViolation


def desk_id(programme_id: str) -> UUID:
    """The id of a programme's contacts aggregate."""
    return uuid5(NAMESPACE_URL, f"parcours:programme-contacts:{programme_id}")


@dataclass(frozen=True)
class ContactsOpened(Aggregate.Created):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None
    programme: str

    def apply(self, aggregate: Any) -> None:
        aggregate.programme = self.programme


@dataclass(frozen=True)
class ContactsEvent(Aggregate.Event):
    actor: str
    command_id: str
    correlation_id: str
    on: date | None

    def apply(self, aggregate: Any) -> None:
        self.mutate_contacts(aggregate)

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        """Fold this fact (no guard: it runs on replay)."""


@dataclass(frozen=True)
class ProgrammeContactDesignated(ContactsEvent):
    """R11: `organisation`'s project lead; `sealed` maps a field to its ciphertext."""

    person_id: str
    organisation: str
    sealed: dict[str, str]

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        people.designate(
            desk.contacts, desk.leads, self.person_id, self.organisation, self.sealed, self.on
        )


@dataclass(frozen=True)
class ProgrammeContactRectified(ContactsEvent):
    person_id: str
    sealed: dict[str, str]

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        people.rectify(desk.contacts, self.person_id, self.sealed)


@dataclass(frozen=True)
class ProgrammeContactObjected(ContactsEvent):
    person_id: str

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        people.record_objection(desk.contacts, self.person_id)


@dataclass(frozen=True)
class ProgrammeContactErased(ContactsEvent):
    person_id: str

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        people.erase(desk.contacts, desk.leads, self.person_id)


@dataclass(frozen=True)
class ProgrammeContactsPurged(ContactsEvent):
    """R13: every key of the programme's contacts destroyed at the end of retention."""

    persons: list[str]
    keys_destroyed: int
    legal_basis: str

    def mutate_contacts(self, desk: ProgrammeContacts) -> None:
        people.purge(desk.contacts, desk.leads, self.persons)
        desk.purged_on = self.on


class ProgrammeContacts(Aggregate):
    programme: str

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.leads: dict[str, str] = {}
        self.purged_on: date | None = None

    @classmethod
    def open(cls, act: Act, programme: str) -> ProgrammeContacts:
        return cls._create(
            ContactsOpened,
            id=desk_id(programme),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            correlation_id=act.correlation,
            on=None,
            programme=programme,
        )

    def designate(
        self, act: Act, on: date, *, person_id: str, organisation: str, sealed: dict[str, str]
    ) -> None:
        self._not_purged()
        if "title" not in sealed:
            raise RuleViolation("R11", "rule.r11.lead_title", "title")
        self._trigger(
            ProgrammeContactDesignated,
            act,
            on,
            person_id=person_id,
            organisation=organisation,
            sealed=sealed,
        )

    def rectify(self, act: Act, person_id: str, sealed: dict[str, str]) -> None:
        self._living(person_id)
        if not sealed:
            raise InvalidInput("fields", "rule.r14.nothing_to_rectify")
        self._trigger(ProgrammeContactRectified, act, act.today, person_id=person_id, sealed=sealed)

    def record_objection(self, act: Act, person_id: str) -> None:
        if self._living(person_id)["objected"]:
            raise RuleViolation("R14", "rule.r14.objection_recorded")
        self._trigger(ProgrammeContactObjected, act, act.today, person_id=person_id)

    def erase(self, act: Act, person_id: str) -> None:
        self._living(person_id)
        self._trigger(ProgrammeContactErased, act, act.today, person_id=person_id)

    def purge(self, act: Act, persons: list[str], keys_destroyed: int) -> None:
        self._not_purged()
        self._trigger(
            ProgrammeContactsPurged,
            act,
            act.today,
            persons=persons,
            keys_destroyed=keys_destroyed,
            legal_basis="R13",
        )

    def contact(self, person_id: str) -> dict[str, Any]:
        try:
            return self.contacts[person_id]
        except KeyError:
            raise NotFound("person", person_id) from None

    def missing(self, required: list[str]) -> list[str]:
        """The organisations of `required` with no current project lead (R11)."""
        return [organisation for organisation in required if organisation not in self.leads]

    def _living(self, person_id: str) -> dict[str, Any]:
        found = self.contact(person_id)
        if found["erased"]:
            raise RuleViolation("R14", "rule.r14.erased")
        return found

    def _not_purged(self) -> None:
        if self.purged_on is not None:
            raise RuleViolation("R13", "rule.r13.programme_purged", day=self.purged_on)

    def _trigger(self, event: type[ContactsEvent], act: Act, on: date, **fields: Any) -> None:
        self.trigger_event(
            event,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            correlation_id=act.correlation,
            on=on,
            **fields,
        )
