"""Issue 16, item 6: the free text that round 1 stored in clear is sealed by a recorded,
verified rewrite, tried on a copy of the committed fixture: afterwards no clear text is in
the file's bytes, the history reads the same, the audit trail verifies, the rewrite is
recorded, and the purge then reaches that text."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from parcours import Parcours
from parcours.privacy.sealing import PURGED
from parcours.store import rewrite
from tests.conftest import Clock
from tests.integration.store.test_fixture_database import (
    ARDENNE,
    ARDENNE_EVENTS,
    FIXTURE,
    clock,  # noqa: F401  (the fixture's clock)
    pilot_ids,
)
from tests.support.roles import LEAD, staffed

CLEAR = [b"Referent on leave until May", b"Quarterly count from the mediation log"]
FREE = {
    "AlertRaised": "description",
    "ProjectFramed": "evaluation_protocol",
    "CommunicationRequested": "title",
}


def _texts(app: Parcours, pilot: object) -> list[tuple[int, str, str]]:
    return [
        (e.sequence, field, e.fields[field])
        for e in app.history(pilot, actor=LEAD)
        for kind, field in FREE.items()
        if e.event_type == kind
    ]


def test_the_round1_store_is_sealed_by_a_recorded_verified_rewrite(
    tmp_path: Path,
    clock: Clock,  # noqa: F811
) -> None:
    shutil.copyfile(FIXTURE, tmp_path / "round1.db")
    url = f"sqlite:///{tmp_path}/round1.db"
    app = staffed(Parcours(url, clock=clock))
    ardenne = pilot_ids(app)[ARDENNE]
    before = _texts(app, ardenne)
    raw = (tmp_path / "round1.db").read_bytes()
    assert all(text in raw for text in CLEAR), "the fixture holds clear free text"

    events_before = app.verify_audit_trail().events  # the fixture's 144 and the grants
    report = app.seal_clear_text()

    assert report.audit_verified
    assert report.skipped == []
    assert report.events >= 3
    assert report.fields == report.events
    assert ardenne in report.pilots
    assert app.verify_audit_trail().ok
    assert _texts(app, ardenne) == before  # same texts, now opened from their tokens
    history = app.history(ardenne, actor=LEAD)
    assert len(history) == ARDENNE_EVENTS
    assert app.verify_audit_trail().events == events_before  # rewritten, none added
    with app.pipeline.reading() as session:
        record = rewrite.recorded(session, "seal-free-text-v1")
        checkpoints = session.execute(
            sa.text("SELECT count(*) FROM parcours_audit_checkpoints")
        ).scalar_one()
    assert record is not None
    assert record["runs"][0]["events"] == report.events
    assert checkpoints == 1  # the old ones (hashes over clear text) dropped, a new one taken
    assert app.seal_clear_text().events == 0  # once is enough
    app.close_connections()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("round1.db*"))
    for text in CLEAR:
        assert text not in raw

    again = staffed(Parcours(url, clock=clock))
    clock.now = datetime(2026, 2, 1, 9, tzinfo=UTC)
    purged = again.purge_expired(clock.now)
    assert purged.verified, [c for c in purged.checks if not c.ok]
    assert {t for _, _, t in _texts(again, ardenne)} == {PURGED}
    assert again.verify_audit_trail().ok
    again.close_connections()


def test_the_purge_of_an_unmigrated_store_seals_first_and_reaches_the_text(
    tmp_path: Path,
    clock: Clock,  # noqa: F811
) -> None:
    shutil.copyfile(FIXTURE, tmp_path / "round1.db")
    app = staffed(Parcours(f"sqlite:///{tmp_path}/round1.db", clock=clock))
    ardenne = pilot_ids(app)[ARDENNE]

    clock.now = datetime(2026, 2, 1, 9, tzinfo=UTC)
    report = app.purge_expired(clock.now)

    assert report.verified, [c for c in report.checks if not c.ok]
    assert {t for _, _, t in _texts(app, ardenne)} == {PURGED}
    assert app.verify_audit_trail().ok
    app.close_connections()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("round1.db*"))
    for text in CLEAR:
        assert text not in raw
