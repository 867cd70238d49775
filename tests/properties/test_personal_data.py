"""R13/R14 under random interleavings: designate, rectify, object, erase and purge.

Before its erasure a person's view shows the latest rectified value; after an erasure or the
purge, none of that person's values can be read anywhere the API reaches.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from parcours import Parcours, ParcoursError, RuleViolation
from tests.support.roles import staffed
from tests.support.scenarios import LEAD

names = st.sampled_from(["Alix", "Noé", "Maëlle", "Yanis", "Inès", "Jules"])
surnames = st.sampled_from(["Roux", "Faure", "Gauthier", "Perrin", "Morel"])


class PersonalData(RuleBasedStateMachine):
    people = Bundle("people")

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2025, 6, 1, tzinfo=UTC)
        self.app = staffed(Parcours(clock=lambda: self.now))
        self.pilot = self.app.enroll(
            name="CC Sauer-Pechelbronn",
            programme="grand-est-2024",
            charter_signed_on=date(2024, 9, 2),
            actor=LEAD,
        )
        self.latest: dict[object, dict[str, str]] = {}
        self.gone: dict[object, set[str]] = {}
        self.counter = 0
        self.purged = False

    def _email(self) -> str:
        self.counter += 1
        return f"person{self.counter}@example.org"

    @rule(
        target=people, first=names, last=surnames, role=st.sampled_from(["operational", "elected"])
    )
    def designate(self, first: str, last: str, role: str) -> object:
        email = self._email()
        try:
            person = self.app.designate_referent(
                self.pilot,
                role=role,
                first_name=first,
                last_name=last,
                email=email,
                phone="+33 3 88 00 00 00",
                title="Vice-président",  # R11: mandatory for the elected referent
                actor=LEAD,
            )
        except ParcoursError:
            assert self.purged
            return None
        self.latest[person] = {"first_name": first, "last_name": last, "email": email}
        return person

    @rule(person=people, first=names)
    def rectify(self, person: object, first: str) -> None:
        if person is None:
            return
        email = self._email()
        try:
            self.app.rectify_contact(self.pilot, person, first_name=first, email=email, actor=LEAD)
        except ParcoursError:
            assert person in self.gone
            return
        self.latest[person].update(first_name=first, email=email)

    @rule(person=people)
    def object_(self, person: object) -> None:
        if person is None or person in self.gone:
            return
        contact = next(
            c for c in self.app.get_pilot(self.pilot, actor=LEAD).contacts if c.person_id == person
        )
        if contact.status == "restricted":
            with pytest.raises(RuleViolation, match="R14"):
                self.app.record_objection(self.pilot, person, actor=LEAD)
        else:
            self.app.record_objection(self.pilot, person, actor=LEAD)

    @rule(person=consumes(people))
    def erase(self, person: object) -> None:
        if person is None or person in self.gone:
            return
        self.app.erase_person(self.pilot, person, actor=LEAD)
        self.gone[person] = set(self.latest[person].values())

    @rule()
    def purge(self) -> None:
        # The clock reaches the end of retention first: a purge may not run ahead of it.
        self.now = max(self.now, datetime(2026, 2, 1, tzinfo=UTC))
        self.app.purge_expired(self.now)
        self.purged = True
        for person, values in self.latest.items():
            self.gone.setdefault(person, set()).update(values.values())

    @invariant()
    def the_latest_value_is_shown_and_erased_ones_are_not(self) -> None:
        view = self.app.get_pilot(self.pilot, actor=LEAD)
        shown = repr(view.model_dump())
        history = repr([e.fields for e in self.app.history(self.pilot, actor=LEAD)])
        for contact in view.contacts:
            if contact.person_id in self.gone:
                assert contact.status == "erased"
            else:
                expected = self.latest[contact.person_id]
                assert (contact.first_name, contact.email) == (
                    expected["first_name"],
                    expected["email"],
                )
        for values in self.gone.values():
            for value in values:
                if value.endswith("@example.org"):
                    assert value not in shown
                    assert value not in history
                    assert self.app.export_personal_data(email=value, actor=LEAD).records == []

    def teardown(self) -> None:
        self.app.close_connections()


PersonalData.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPersonalData = PersonalData.TestCase
