"""R14 in the foundation: rectification shows the latest value; erasure leaves [purged]."""

from __future__ import annotations

import pytest

from parcours import Parcours, RuleViolation
from tests.support.scenarios import LEAD, in_diagnostic


def test_rectification_shows_the_latest_value(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    person = app.get_pilot(pilot, actor=LEAD).contacts[0].person_id
    app.rectify_contact(pilot, person, email="camille.m@example.org", actor=LEAD)
    contact = app.get_pilot(pilot, actor=LEAD).contacts[0]
    assert contact.email == "camille.m@example.org"
    assert contact.first_name == "Camille"


def test_an_objection_restricts_the_contact(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    person = app.get_pilot(pilot, actor=LEAD).contacts[0].person_id
    app.record_objection(pilot, person, actor=LEAD)
    assert app.get_pilot(pilot, actor=LEAD).contacts[0].status == "restricted"


def test_erasure_destroys_the_key_and_the_pilot_goes_on(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    person = app.get_pilot(pilot, actor=LEAD).contacts[0].person_id
    app.erase_person(pilot, person, actor=LEAD)
    contact = app.get_pilot(pilot, actor=LEAD).contacts[0]
    assert (contact.status, contact.email, contact.first_name) == ("erased", "[purged]", "[purged]")
    assert app.get_pilot(pilot, actor=LEAD).referent("operational") is None
    before = app.event_count()
    with pytest.raises(RuleViolation, match="R14"):
        app.rectify_contact(pilot, person, email="back@example.org", actor=LEAD)
    assert app.event_count() == before
