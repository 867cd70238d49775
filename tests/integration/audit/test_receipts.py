"""Receipts as a user meets them: the key outside the database, the scheduler's daily receipt,
one pilot's proofs checked with the file and the public key, and `parcours audit` from the
shell (the issue's "done when", with sqlite3 as the attacker's tool)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from parcours import Parcours
from parcours.cli import cli
from parcours.errors import ConfigurationError
from parcours.scheduler import DeadlineScheduler
from parcours.settings import Settings
from tests.conftest import Clock
from tests.support.roles import staffed
from tests.support.scenarios import in_deployment

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def keyed(tmp_path: Path, clock: Clock) -> Parcours:
    return staffed(
        Parcours(
            settings=Settings(url=f"sqlite:///{tmp_path}/p.db", audit_key=str(tmp_path / "k.pem")),
            clock=clock,
        )
    )


def test_the_signing_key_is_made_on_first_use_outside_the_database_mode_0600(
    keyed: Parcours, tmp_path: Path
) -> None:
    receipt = keyed.audit_receipt()
    key = tmp_path / "k.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    assert receipt["key_id"] in {keyed.audit_receipt()["key_id"]}  # the same key, reused
    assert keyed.audit_public_key().startswith("-----BEGIN PUBLIC KEY-----")
    keyed.close_connections()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path, clock: Clock) -> None:
    made = staffed(Parcours(settings=Settings(audit_key=str(tmp_path / "open.pem")), clock=clock))
    made.audit_receipt()
    (tmp_path / "open.pem").chmod(0o644)
    other = staffed(Parcours(settings=Settings(audit_key=str(tmp_path / "open.pem")), clock=clock))
    from parcours.audit import keys

    keys._LOADED.clear()  # a new process would read the file again
    with pytest.raises(ConfigurationError, match="chmod 600"):
        other.audit_receipt()


def test_an_in_memory_store_keeps_its_key_in_memory(clock: Clock) -> None:
    app = staffed(Parcours(clock=clock))
    in_deployment(app)
    receipt = app.audit_receipt()
    assert app.verify_audit_trail(receipt=receipt).ok
    assert Parcours(clock=clock).audit_public_key() != app.audit_public_key()


def test_the_scheduler_issues_one_receipt_a_day_to_a_folder_and_a_callback(
    keyed: Parcours, tmp_path: Path
) -> None:
    in_deployment(keyed)
    folder = tmp_path / "receipts"
    scheduler = DeadlineScheduler(keyed, receipts_dir=folder)
    got: list[dict[str, Any]] = []
    scheduler.on_receipt(got.append)
    scheduler.on_receipt(lambda receipt: 1 / 0)  # a failing receiver stops nothing
    start = datetime(2026, 2, 1, 8, tzinfo=UTC)
    for hours in (0, 5, 30):
        scheduler.tick(start + timedelta(hours=hours))

    files = sorted(folder.iterdir())
    assert len(files) == len(got) == 2
    assert json.loads(files[0].read_text()) == got[0]
    assert keyed.verify_audit_trail(receipt=got[0]).ok
    keyed.close_connections()


def test_a_pilots_proofs_verify_with_the_file_and_the_public_key_alone(keyed: Parcours) -> None:
    pilot, _ = in_deployment(keyed)
    in_deployment(keyed)
    receipt = keyed.audit_receipt()
    in_deployment(keyed)  # events after the receipt are not in its proofs
    document = json.loads(json.dumps(keyed.prove_pilot(pilot, receipt=receipt)))
    public = keyed.audit_public_key()
    keyed.close_connections()

    report = Parcours.verify_pilot_proofs(document, public)
    assert report.ok, report.problems
    assert report.events == len(document["events"]) == document["last_version"]

    forged = json.loads(json.dumps(document))
    forged["events"][2]["state"] = forged["events"][3]["state"]
    broken = Parcours.verify_pilot_proofs(forged, public).first_break
    assert broken is not None
    assert (broken.version, "not included") == (3, broken.reason[:12])
    dropped = dict(document, events=document["events"][:1] + document["events"][2:])
    assert Parcours.verify_pilot_proofs(dropped, public).first_break.reason == (  # type: ignore[union-attr]
        "version 2 is missing"
    )


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PARCOURS_AUDIT_KEY", str(tmp_path / "audit.pem"))
    monkeypatch.setenv("PARCOURS_ACTOR", "agency:project-lead")
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.exit_code, result.stdout, result.stderr

    invoke("grant", "agency:project-lead", "agency")  # a store is closed by default (R15)
    return invoke


def _pilot(run: Run) -> str:
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    run("grant", "pilot:referent", "referent", "--pilot", pilot)  # its version 2
    for day in ("2024-09-03", "2024-09-04", "2024-09-05"):
        run("log-time", pilot, "--days", "1", "--on", day, "--actor", "pilot:referent")
    return pilot


def test_a_truncated_pilot_is_caught_from_the_shell(run: Run, tmp_path: Path) -> None:
    pilot = _pilot(run)
    _, pem, _ = run("audit", "public-key")
    _, receipt, _ = run("audit", "receipt")
    (tmp_path / "receipt.json").write_text(receipt)
    _, out, _ = run("audit", "verify", "--receipt", str(tmp_path / "receipt.json"))
    assert "prolonge le" in out  # the receipt (the line wraps at the console width)
    with sqlite3.connect(tmp_path / "cli.db") as db:  # the attacker's last event of the pilot
        db.execute(
            "DELETE FROM parcours_events WHERE originator_version = "
            "(SELECT max(originator_version) FROM parcours_events)"
        )

    code, _, err = run("audit", "verify", "--receipt", str(tmp_path / "receipt.json"), ok=False)
    assert code == 1
    assert err.count("\n") == 1
    assert "the log no longer extends the receipt" in err
    assert f"pilot {pilot} version 5" in err
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_an_edited_event_is_named_from_the_shell(run: Run, tmp_path: Path) -> None:
    pilot = _pilot(run)
    _, receipt, _ = run("audit", "receipt")
    (tmp_path / "receipt.json").write_text(receipt)
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute(
            "UPDATE parcours_events SET state = replace(state, '\"days\":1.0', '\"days\":9.0') "
            "WHERE originator_version = 3"
        )
    code, _, err = run("audit", "verify", "--receipt", str(tmp_path / "receipt.json"), ok=False)
    assert code == 1
    assert f"pilot {pilot} version 3" in err


def test_prove_and_verify_export_from_the_shell(run: Run, tmp_path: Path) -> None:
    pilot = _pilot(run)
    _, pem, _ = run("audit", "public-key")
    (tmp_path / "key.pem").write_text(pem)
    _, receipt, _ = run("audit", "receipt")
    (tmp_path / "receipt.json").write_text(receipt)
    proof = tmp_path / "pilot.json"
    run("audit", "prove", pilot, "--receipt", str(tmp_path / "receipt.json"), "--out", str(proof))
    os.environ.pop("PARCOURS_DATABASE_URL", None)  # the auditor has no database

    _, out, _ = run("audit", "verify-export", str(proof), "--public-key", str(tmp_path / "key.pem"))
    assert "preuves vérifiées : 5 événements" in out
    document = json.loads(proof.read_text())
    document["events"][1]["version"] = 3
    proof.write_text(json.dumps(document))
    code, _, err = run(
        "audit", "verify-export", str(proof), "--public-key", str(tmp_path / "key.pem"), ok=False
    )
    assert code == 1
    assert "version 2 is missing" in err
