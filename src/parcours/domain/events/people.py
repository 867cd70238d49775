"""The people of a pilot and their rights: referents designated (R11), rectified, objecting,
erased, purged (R12–R14), free text redacted (R14).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parcours.domain import people
from parcours.domain.events.base import PilotEvent
from parcours.domain.events.phases import PhaseChanged
from parcours.domain.state import PilotState


@dataclass(frozen=True)
class ReferentDesignated(PilotEvent):
    """R11. `sealed` maps a field name to its ciphertext under the person's own key."""

    person_id: str
    role: str
    sealed: dict[str, str]

    def mutate_pilot(self, pilot: PilotState) -> None:
        people.designate(
            pilot.contacts, pilot.referents, self.person_id, self.role, self.sealed, self.on
        )


@dataclass(frozen=True)
class ContactRectified(PilotEvent):
    """R14, rectification: new ciphertexts for some fields, under the same key."""

    person_id: str
    sealed: dict[str, str]

    def mutate_pilot(self, pilot: PilotState) -> None:
        people.rectify(pilot.contacts, self.person_id, self.sealed)


@dataclass(frozen=True)
class ObjectionRecorded(PilotEvent):
    """R14, opposition: the person is left out of notifications and third-party exports."""

    person_id: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        people.record_objection(pilot.contacts, self.person_id)


@dataclass(frozen=True)
class PersonErased(PilotEvent):
    """R14 / GDPR art. 17: the person's key is destroyed; their ciphertexts stay unreadable."""

    person_id: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        people.erase(pilot.contacts, pilot.referents, self.person_id)


@dataclass(frozen=True)
class PersonalDataPurged(PhaseChanged):
    """R2/R13: every key of the pilot's people destroyed at the end of retention."""

    persons: list[str]
    keys_destroyed: int
    legal_basis: str

    def mutate_pilot(self, pilot: PilotState) -> None:
        super().mutate_pilot(pilot)
        people.purge(pilot.contacts, pilot.referents, self.persons)


@dataclass(frozen=True)
class TextRedacted(PilotEvent):
    """R14: free-text fields made unreadable for good (their keys destroyed); `items` names
    each one by the sequence of its event and its field, never by its text."""

    items: list[dict[str, Any]]
