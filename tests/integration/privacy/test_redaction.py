"""R14: a name written in free text can be made unreadable for good, one field at a time,
while the rest of the pilot stays readable and the audit trail verifies."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from parcours import NotFound, Parcours, RuleViolation
from parcours.privacy.sealing import PURGED
from tests.conftest import Clock
from tests.support.free_text import default_names, names_everywhere
from tests.support.scenarios import LEAD


def _field(app: Parcours, pilot: object, event_type: str, field: str) -> tuple[int, str]:
    for entry in app.history(pilot, actor=LEAD):
        if entry.event_type == event_type:
            return entry.sequence, entry.fields[field]
    raise AssertionError(event_type)


def test_redacting_a_name_reaches_every_field_that_holds_it_and_no_other(
    app: Parcours, clock: Clock
) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, _ = names_everywhere(app, names)
    alert_name = names["AlertRaised.description"]
    with app.pipeline.reading() as session:
        before = session.execute(sa.text("SELECT count(*) FROM parcours_text_keys")).scalar_one()

    report = app.redact(pilot, containing=alert_name.lower(), actor=LEAD)

    sequence, text = _field(app, pilot, "AlertRaised", "description")
    assert report.items == [{"sequence": sequence, "field": "description"}]
    assert text == PURGED
    assert app.get_pilot(pilot, actor=LEAD).alerts[0].description == PURGED
    assert (
        names["EvaluationRecorded.findings"]
        in _field(app, pilot, "EvaluationRecorded", "findings")[1]
    )
    assert app.history(pilot, actor=LEAD)[-1].event_type == "TextRedacted"
    assert alert_name not in repr(app.history(pilot, actor=LEAD)[-1].fields)
    assert app.verify_audit_trail().ok
    assert app.key_rotation.rotation_due()
    with app.pipeline.reading() as session:
        after = session.execute(sa.text("SELECT count(*) FROM parcours_text_keys")).scalar_one()
    assert after == before - 1


def test_redacting_one_field_of_one_event(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, _ = names_everywhere(app, names)
    sequence, _ = _field(app, pilot, "EvaluationRecorded", "findings")

    app.redact(pilot, sequence=sequence, field="findings", actor=LEAD)

    assert _field(app, pilot, "EvaluationRecorded", "findings")[1] == PURGED
    assert (
        names["EvaluationRecorded.recommendations"]
        in _field(app, pilot, "EvaluationRecorded", "recommendations")[1]
    )
    with pytest.raises(NotFound):
        app.redact(pilot, sequence=sequence, field="findings", actor=LEAD)  # already gone


def test_nothing_to_redact_appends_nothing(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    pilot, _ = names_everywhere(app, default_names())
    count = app.event_count()
    with pytest.raises(NotFound):
        app.redact(pilot, containing="Personne-Inconnue", actor=LEAD)
    assert app.event_count() == count


def test_a_purged_pilot_has_nothing_left_to_redact(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 11, 4))
    names = default_names()
    pilot, _ = names_everywhere(app, names)
    clock.set(date(2026, 2, 2))
    app.purge_expired(clock.now)
    with pytest.raises((NotFound, RuleViolation)):
        app.redact(pilot, containing=names["AlertRaised.description"], actor=LEAD)
