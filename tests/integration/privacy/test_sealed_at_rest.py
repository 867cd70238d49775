"""R12: personal values are sealed from the first event; no plaintext reaches the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import structlog

from parcours import Parcours, Settings
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import LEAD, REFERENT, in_evaluation

PERSONAL = [
    REFERENT["first_name"],
    REFERENT["last_name"],
    REFERENT["email"],
    "+33324000000",
    REFERENT["phone"],
    REFERENT["title"],
]


def _database_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("parcours.db*")))


def test_no_personal_value_in_the_sqlite_file(tmp_path: Path, clock: Clock) -> None:
    settings = Settings(url=f"sqlite:///{tmp_path}/parcours.db", snapshot_interval=3)
    app = staffed(Parcours(settings=settings, clock=clock))
    pilot, _ = in_evaluation(app)
    app.designate_referent(
        pilot,
        role="elected",
        first_name="Dominique",
        last_name="Lefèvre",
        email="dominique.lefevre@example.org",
        phone="06 12 34 56 78",
        title="Vice-présidente",
        on=date(2025, 11, 4),
        actor=LEAD,
    )
    assert app.get_pilot(pilot, actor=LEAD).referent("elected") is not None
    app.close_connections()
    raw = _database_bytes(tmp_path)
    assert b"Snapshot" in raw, "the scenario should have taken snapshots"
    for value in [*PERSONAL, "Dominique", "Lefèvre", "dominique.lefevre", "+33612345678"]:
        assert value.encode() not in raw, value
        assert value.encode("utf-16-le") not in raw, value


def test_no_personal_value_in_the_logs(tmp_path: Path, clock: Clock) -> None:
    from parcours import logs

    logs.configure(level="info")
    with structlog.testing.capture_logs() as captured:
        app = staffed(Parcours(f"sqlite:///{tmp_path}/parcours.db", clock=clock))
        pilot, _ = in_evaluation(app)
        app.rectify_contact(
            pilot,
            app.get_pilot(pilot, actor=LEAD).contacts[0].person_id,
            email="c.martin@example.org",
            actor=LEAD,
        )
    text = repr(captured)
    assert any(entry.get("command") == "designate_referent" for entry in captured)
    for value in [*PERSONAL, "c.martin@example.org"]:
        assert value not in text, value


def test_the_masking_processor_hides_personal_fields() -> None:
    from parcours.logs import MASK, mask_personal

    masked = mask_personal(
        None,
        "info",
        {"email": "x@example.org", "event": "call +33 6 12 34 56 78 or a.b@example.org"},
    )
    assert masked["email"] == MASK
    assert "example.org" not in masked["event"]
    assert "12 34" not in masked["event"]


def test_masking_leaves_dates_and_ids_alone() -> None:
    from parcours.logs import mask_personal

    pilot = "7333afe0-b8b0-4c1e-9d43-0a5e3c1f0b2e"
    line = f"pilot {pilot} at 2026-11-23T17:30:12Z, national 03 24 00 00 00"
    masked = mask_personal(None, "info", {"event": line})["event"]
    assert "7333afe0-b8b0-4c1e-9d43-0a5e3c1f0b2e" in masked
    assert "2026-11-23T17:30:12Z" in masked
    assert "03 24 00 00 00" not in masked
