"""The pilot's people (R11) and their rights (R12–R14): referents designated, rectified,
objecting, erased; free text redacted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from parcours.domain import events as ev
from parcours.domain.phases import Phase
from parcours.domain.pilot.act import Act
from parcours.domain.pilot.core import PilotCore
from parcours.errors import InvalidInput, RuleViolation

ROLES = ("operational", "elected")


class PeopleActs(PilotCore):
    def designate_referent(
        self, act: Act, on: date, *, person_id: str, role: str, sealed: dict[str, str]
    ) -> None:
        self._active("designate_referent")
        if role not in ROLES:
            raise InvalidInput("role", "input.one_of", choices=ROLES, rule="R11")
        if role == "elected" and "title" not in sealed:
            raise RuleViolation("R11", "rule.r11.elected_title", "title")
        self._check_date(on, act)
        self.trigger_event(
            ev.ReferentDesignated,
            **self._stamp(act, on),
            person_id=person_id,
            role=role,
            sealed=sealed,
        )

    def rectify_contact(self, act: Act, person_id: str, sealed: dict[str, str]) -> None:
        self._living_contact(person_id)
        if not sealed:
            raise InvalidInput("fields", "rule.r14.nothing_to_rectify")
        self.trigger_event(
            ev.ContactRectified, **self._stamp(act, act.today), person_id=person_id, sealed=sealed
        )

    def record_objection(self, act: Act, person_id: str) -> None:
        if self._living_contact(person_id)["objected"]:
            raise RuleViolation("R14", "rule.r14.objection_recorded")
        self.trigger_event(ev.ObjectionRecorded, **self._stamp(act, act.today), person_id=person_id)

    def erase_person(self, act: Act, person_id: str) -> None:
        self._living_contact(person_id)
        self.trigger_event(ev.PersonErased, **self._stamp(act, act.today), person_id=person_id)

    def redact(self, act: Act, items: list[dict[str, Any]]) -> None:
        """R14: free-text fields made unreadable for good (their keys go with the event)."""
        if self.phase == Phase.PURGED.value:
            raise RuleViolation("R13", "rule.r13.purged_text_gone")
        if not items:
            raise InvalidInput("fields", "rule.r14.nothing_to_redact")
        self.trigger_event(ev.TextRedacted, **self._stamp(act, act.today), items=items)
