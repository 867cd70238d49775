"""R13: at the end of retention the personal data and its keys are gone, history stays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from parcours import Parcours, Settings
from tests.conftest import Clock
from tests.integration.privacy.test_sealed_at_rest import PERSONAL
from tests.support.roles import REFERENT_ID, staffed
from tests.support.scenarios import LEAD, REFERENT, in_deployment, in_diagnostic

AFTER_RETENTION = datetime(2026, 2, 1, 0, 30, tzinfo=UTC)  # 1 February, 01:30 in Paris


def _keys(url: str) -> list[bytes]:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        found = [
            bytes(k) for (k,) in c.execute(sa.text("SELECT data_key FROM parcours_person_keys"))
        ]
    engine.dispose()
    return found


def test_purge_leaves_no_personal_value_nor_key_in_the_file(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path}/parcours.db"
    app = staffed(Parcours(settings=Settings(url=url, snapshot_interval=3), clock=clock))
    pilot, _ = in_deployment(app)
    keys = _keys(url)
    assert keys
    report = app.purge_expired(AFTER_RETENTION)
    assert report.pilots == [pilot]
    assert (report.persons, report.keys_destroyed, report.verified) == (1, 1, True)
    assert app.get_pilot(pilot, actor=LEAD).phase == "purged"
    assert app.get_pilot(pilot, actor=LEAD).contacts[0].email == "[purged]"
    assert app.export_personal_data(email=REFERENT["email"], actor=LEAD).records == []
    app.close_connections()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("parcours.db*"))
    for value in PERSONAL:
        assert value.encode() not in raw, value
    for key in keys:
        assert key not in raw, "a destroyed key is still in the file's bytes"


def test_purge_waits_for_the_end_of_retention(app: Parcours) -> None:
    in_diagnostic(app)
    last_day = datetime(2026, 1, 31, 22, 59, tzinfo=UTC)  # 23:59 in Paris, still retained
    assert app.purge_expired(last_day).pilots == []
    assert app.list_pilots()[0].phase == "diagnostic"


def test_purge_is_idempotent_and_history_survives(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    first = app.purge_expired(AFTER_RETENTION)
    count = app.event_count()
    again = app.purge_expired(AFTER_RETENTION)
    assert first.pilots == [pilot]
    assert again.pilots == []
    assert app.event_count() == count
    entries = app.history(pilot, actor=LEAD)
    designated = next(e for e in entries if e.event_type == "ReferentDesignated")
    assert set(designated.fields["sealed"].values()) == {"[purged]"}
    assert entries[-1].event_type == "PersonalDataPurged"
    assert entries[-1].actor == "system:retention"
    assert app.verify_purge().verified


def test_access_export_lists_the_person_across_pilots(app: Parcours) -> None:
    first = in_diagnostic(app)
    second = app.enroll(
        name="CC Sauer-Pechelbronn",
        programme="grand-est-2024",
        charter_signed_on=date(2024, 9, 3),
        actor=LEAD,
    )
    app.designate_referent(
        second, actor=LEAD, **{**REFERENT, "role": "elected", "email": "Camille.Martin@example.org"}
    )
    export = app.export_personal_data(email="camille.martin@example.org", actor=LEAD)
    assert {r.pilot_id for r in export.records} == {first, second}
    assert all(r.fields["last_name"] == "Martin" for r in export.records)


def test_history_shows_who_did_what_and_when(app: Parcours, clock: Clock) -> None:
    pilot = in_diagnostic(app)
    entries = app.history(pilot, actor=LEAD)
    assert [e.event_type for e in entries] == [
        "Enrolled",
        "RoleGranted",  # the referent's role (R15), granted by the agency
        "ReferentDesignated",
        "DiagnosticStarted",
    ]
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert entries[1].fields == {"principal": REFERENT_ID, "role": "referent"}
    assert entries[3].effective == date(2024, 9, 16)
    assert entries[3].actor == LEAD
    assert entries[3].recorded_at == clock.now
    assert entries[2].fields["sealed"]["email"] == REFERENT["email"]
