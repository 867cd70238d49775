"""The `parcours` command, in-process: the same acts as the library, errors on one line."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parcours import Parcours
from parcours import clock as clocks
from parcours.cli import cli
from tests.conftest import PARIS
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import kept_dashboard_rows


def designate(run, pilot: str, *flags: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """The operational referent of the fixtures; `flags` go before the command (e.g. -v)."""
    result: tuple[int, str, str] = run(
        *flags,
        "designate-referent",
        pilot,
        "--role",
        "operational",
        "--first-name",
        "Camille",
        "--last-name",
        "Martin",
        "--email",
        "camille.martin@example.org",
        "--phone",
        "+33 3 24 00 00 00",
    )
    return result


def deploy(run, pilot: str) -> str:  # type: ignore[no-untyped-def]
    """Diagnostic, one recommended project framed with one indicator, deployment."""
    run("start-diagnostic", pilot, "--on", "2024-09-16")
    _, out, _ = run(
        "recommend-project", pilot, "--title", "Guichet", "--theme", "digital-inclusion"
    )
    project: str = out.strip()
    run("complete-diagnostic", pilot, "--on", "2024-12-12")
    run(
        "frame-project",
        pilot,
        project,
        "--indicator",
        "people_helped:People helped:persons:300",
        "--protocol",
        "Quarterly count",
    )
    run("start-deployment", pilot, "--on", "2025-03-03")
    return project


def test_a_pilot_from_the_shell(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(
        "enroll",
        "Communauté de Communes Ardenne Rives de Meuse",
        "--charter-signed-on",
        "2024-09-02",
    )
    pilot = out.strip()
    designate(run, pilot)
    run("start-diagnostic", pilot, "--on", "2024-09-16")
    run("grant", REFERENT_ID, "referent", "--pilot", pilot)
    run("log-time", pilot, "--days", "1.5", "--on", "2024-10-08", "--actor", REFERENT_ID)
    _, out, _ = run(
        "recommend-project", pilot, "--title", "Guichet", "--theme", "digital-inclusion"
    )
    project = out.strip()
    run("complete-diagnostic", pilot, "--on", "2024-12-12")
    run(
        "frame-project",
        pilot,
        project,
        "--indicator",
        "people_helped:People helped:persons:300",
        "--protocol",
        "Quarterly count",
    )
    run("start-deployment", pilot, "--on", "2025-03-03")
    run("record-follow-up", pilot, "--on", "2025-03-20")
    _, out, _ = run("show", pilot, "--json")
    view = json.loads(out)
    assert view["phase"] == "deployment"
    assert view["follow_ups"] == ["2025-03-20"]
    _, out, _ = run("list", "--json")
    assert [row["phase"] for row in json.loads(out)] == ["deployment"]
    _, out, _ = run("show", pilot)
    assert "phase déploiement depuis le 3 mars 2025" in out
    _, out, _ = run("--lang", "en", "show", pilot)
    assert "phase deployment since 3 March 2025" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("start-diagnostic", "00000000-0000-0000-0000-000000000000"), "introuvable"),
        (("start-diagnostic", "not-an-id"), "not-an-id introuvable"),  # no such slug (issue 20)
        (("enroll", "CC X", "--charter-signed-on", "2031-01-01"), "(R2)"),
        (("enroll", "CC X", "--charter-signed-on", "yesterday"), "charter_signed_on"),
    ],
)
def test_a_mistake_is_one_line_on_stderr_and_exit_1(run, args, message) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*args, ok=False)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err + out


def test_a_malformed_email_never_echoes_the_value(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    code, _, err = run(
        "designate-referent",
        out.strip(),
        "--role",
        "operational",
        "--first-name",
        "Camille",
        "--last-name",
        "Martin",
        "--email",
        "camille@@example",
        "--phone",
        "0324000000",
        ok=False,
    )
    assert code == 1
    assert err.startswith("erreur : email")
    assert "camille@@example" not in err


def test_the_phase_rule_is_named(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    code, _, err = run("start-diagnostic", out.strip(), "--on", "2024-09-16", ok=False)
    assert code == 1
    assert "R11" in err


def test_demo_plays_a_cohort(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(
        "demo",
        "--path",
        str(tmp_path / "demo.db"),
        "--report",
        str(tmp_path / "report.html"),
        "--xlsx",
        str(tmp_path / "cohorte.xlsx"),
    )
    assert "Ardenne" in out
    assert "retiré" in out  # the dashboard's phase, in French
    flat = " ".join(out.split())  # rich wraps long lines at the console's width
    assert "piste d'audit : vérifiée" in flat
    if "purge : vérifiée" not in flat:  # say which check failed (seen once, not reproduced)
        demo = Parcours(f"sqlite:///{tmp_path / 'demo.db'}")
        failed = [c for c in demo.verify_purge().checks if not c.ok]
        pytest.fail(f"{flat[flat.find('piste') :]}\n{failed}")
    assert (tmp_path / "demo.db").exists()
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # The workbook of the report's day, one sheet per view (issue 20).
    from openpyxl import load_workbook

    sheets = load_workbook(tmp_path / "cohorte.xlsx").sheetnames
    assert sheets == [
        "Tableau de bord",
        "Budgets (R6)",
        "Cadence (R5)",
        "REX (R7)",
        "Indicateurs (R8)",
    ]


def test_history_audit_and_gdpr_from_the_shell(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    designate(run, pilot)
    _, out, _ = run("history", pilot, "--json")
    assert [e["event_type"] for e in json.loads(out)] == ["Enrolled", "ReferentDesignated"]
    _, out, _ = run("audit", "verify")
    assert "piste d'audit vérifiée" in out
    _, out, _ = run("gdpr", "export", "camille.martin@example.org")
    assert json.loads(out)["records"][0]["fields"]["first_name"] == "Camille"
    _, out, _ = run("gdpr", "purge", "--at", "2026-02-01T00:00:00+01:00")
    assert json.loads(out)["verified"] is True
    _, out, _ = run("gdpr", "export", "camille.martin@example.org")
    assert json.loads(out)["records"] == []
    run("gdpr", "verify")


def test_scheduler_tick_from_the_shell(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    _, out, _ = run("scheduler", "tick", "--at", "2025-01-01T08:00:00+01:00", "--json")
    report = json.loads(out)
    assert {(r["kind"], r["rule"]) for r in report["recorded"]} >= {("missed", "R3")}
    _, out, _ = run("scheduler", "tick", "--at", "2025-01-01T08:00:00+01:00", "--json")
    assert json.loads(out)["recorded"] == []
    code, _, err = run("scheduler", "tick", "--at", "2025-01-01", ok=False)
    assert code == 1
    assert err.startswith("erreur : at : ")


def test_scheduler_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PARCOURS_DATABASE_URL": f"sqlite:///{tmp_path}/run.db"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from parcours.cli import main; main()", "scheduler", "run"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    assert "planificateur en marche" in proc.stderr.readline()
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "planificateur arrêté" in proc.stderr.read()


def test_verbose_logs_on_stderr_carry_no_personal_value(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    _, _, err = designate(run, pilot, "-v")
    assert "designate_referent" in err  # the command was logged…
    _, _, err2 = run("-v", "gdpr", "export", "camille.martin@example.org")
    _, _, err3 = run(
        "-v",
        "designate-referent",
        pilot,
        "--role",
        "operational",
        "--first-name",
        "Camille",
        "--last-name",
        "Martin",
        "--email",
        "camille.martin@",
        "--phone",
        "+33 3 24 00 00 00",
        ok=False,
    )
    for text in (err, err2, err3):
        for value in ("Camille", "Martin", "camille.martin", "+33 3 24", "+33324"):
            assert value not in text  # …with no personal value in any line


def test_audit_export_verifies_alone_from_the_shell(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    run("grant", REFERENT_ID, "referent", "--pilot", pilot)
    run("log-time", pilot, "--days", "1", "--on", "2024-09-03", "--actor", REFERENT_ID)
    export = tmp_path / "audit.jsonl"
    run("audit", "export", pilot, "--out", str(export))
    _, out, _ = run("audit", "verify-export", str(export))
    assert "3 événements" in out
    lines = export.read_text().splitlines()
    forged = lines[0].replace("agency:project-lead", "agency:someone-else")
    export.write_text("\n".join([forged, lines[1]]))
    code, _, err = run("audit", "verify-export", str(export), ok=False)
    assert code == 1
    assert "à la ligne 1" in err


def test_the_fne_call_from_the_shell_on_the_day_applied_for(run) -> None:  # type: ignore[no-untyped-def]
    """R16 from the shell: `--on` names the day a line was applied for, so that the call's
    window (until 30 April 2024) is judged on it, not on the day it is typed."""
    fne = "fne-eure-et-loir-2024"
    run("grant", "agency:project-lead", "agency", "--programme", fne)
    _, out, _ = run(
        "enroll", "CA du Pays de Dreux", "--programme", fne, "--charter-signed-on", "2024-02-20"
    )
    pilot = out.strip()
    designate(run, pilot)
    run("start-diagnostic", pilot, "--on", "2024-02-20")
    _, out, _ = run("recommend-project", pilot, "--title", "Médiation", "--theme", "sante")
    project = out.strip()
    run("complete-diagnostic", pilot, "--on", "2024-03-28")
    line = ["identify-funding", pilot, project, "--scheme", "fne-call-for-projects"]
    amounts = ["--rate", "0.5", "--months", "12"]
    code, _, err = run(*line, "--amount-eur", "90000", *amounts, "--on", "2024-04-15", ok=False)
    assert code == 1
    assert "R16 (amount_eur) : dispositif « fne-call-for-projects »" in err
    code, _, err = run(*line, "--amount-eur", "1000", *amounts, "--on", "2024-05-02", ok=False)
    assert code == 1
    assert "R16 (on) : dispositif « fne-call-for-projects »" in err
    _, out, _ = run(*line, "--amount-eur", "1000", *amounts, "--on", "2024-04-30")
    run("decide-funding", pilot, out.strip(), "--granted", "--on", "2024-06-28")


def test_indicators_csv_and_evaluation_from_the_shell(run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    designate(run, pilot)
    project = deploy(run, pilot)
    code, _, err = run(
        "identify-funding",
        pilot,
        project,
        "--scheme",
        "fne-call-for-projects",
        "--amount-eur",
        "1000",
        "--rate",
        "0.5",
        "--months",
        "12",
        ok=False,
    )
    assert code == 1  # R16: the call is France Numérique Ensemble's, not Grand Est's
    assert "scheme : le programme « grand-est-2024 » n'a aucun dispositif de financement" in err
    run("grant", REFERENT_ID, "referent", "--pilot", pilot)
    for period, value in (("2025-Q2", "74"), ("2025-Q3", "160")):
        run(
            "report-indicator",
            pilot,
            project,
            "--key",
            "people_helped",
            "--value",
            value,
            "--period",
            period,
            "--actor",
            REFERENT_ID,
        )
    _, out, _ = run("indicators", pilot, "--csv", "--csv-dialect", "rfc4180")  # for machines
    assert out.splitlines()[1:] == [
        "Guichet,people_helped,People helped,persons,300,2025-Q2,74",
        "Guichet,people_helped,People helped,persons,300,2025-Q3,160",
    ]
    run("start-evaluation", pilot, "--on", "2025-11-03")
    run(
        "record-evaluation",
        pilot,
        "--findings",
        "Three villages a week",
        "--recommendations",
        "Extend",
        "--replicable",
    )
    _, out, _ = run("evaluation", pilot)
    assert "Three villages a week" in out
    assert "People helped" in out


def test_dashboard_refresh_keeps_the_rows_and_shows_the_same(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # --today is as recorded at the end of that day (issue 20): the shell's clock stands
    # on that day, so what is recorded here was recorded by then.
    monkeypatch.setattr(clocks, "system_clock", lambda: datetime(2025, 1, 6, 12, tzinfo=PARIS))
    _, out, _ = run("enroll", "CC du Pays de Bitche", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    designate(run, pilot)
    run("start-diagnostic", pilot, "--on", "2024-09-16")
    _, evaluated, _ = run("dashboard", "--today", "2025-01-06", "--json")
    _, kept, _ = run("dashboard", "--today", "2025-01-06", "--json", "--refresh")
    assert json.loads(kept) == json.loads(evaluated)
    assert {a["rule"] for a in json.loads(kept)[0]["alerts"]} >= {"R3"}
    app = Parcours(os.environ["PARCOURS_DATABASE_URL"])
    assert kept_dashboard_rows(app) == 1
    app.close_connections()


def test_roles_from_the_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15, done when: grant the agency, the Region and one referent, play a pilot to
    deployment, watch the agency's approval of a communication refused and the Region's
    accepted, and see the grants in `parcours history`."""
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/roles.db")
    monkeypatch.delenv("PARCOURS_ACTOR", raising=False)
    runner = CliRunner()

    def shell(*args: str, ok: bool = True) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args))
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.exit_code, result.stdout, result.stderr

    code, _, err = shell(
        "enroll", "CC X", "--charter-signed-on", "2024-09-02", "--actor", "agency:ops-1", ok=False
    )
    assert code == 1
    assert err.startswith("erreur : R15 : aucun rôle n'est encore attribué")
    assert "parcours grant agency:ops-1 agency" in err
    assert len(err.strip().splitlines()) == 1

    shell("grant", "agency:ops-1", "agency")  # the first act: to itself
    monkeypatch.setenv("PARCOURS_ACTOR", "agency:ops-1")
    shell("grant", "region:chef-projet", "region")
    _, out, _ = shell(
        "enroll",
        "Communauté de Communes Ardenne Rives de Meuse",
        "--charter-signed-on",
        "2024-09-02",
    )
    pilot = out.strip()
    shell("grant", "pilot:ardenne-ops", "referent", "--pilot", pilot)
    designate(shell, pilot)
    deploy(shell, pilot)
    shell("log-time", pilot, "--days", "2", "--on", "2025-03-10", "--actor", "pilot:ardenne-ops")
    _, out, _ = shell(
        "request-communication",
        pilot,
        "--title",
        "Communiqué",
        "--on",
        "2025-03-11",
        "--actor",
        "pilot:ardenne-ops",
    )
    news = out.strip()
    code, _, err = shell(
        "decide-communication", pilot, news, "--approve", "--on", "2025-03-12", ok=False
    )
    assert code == 1
    assert err.strip() == (
        "erreur : R10/R15 : seule la Région peut décider d'une communication "
        "(agency:ops-1 détient agency)"
    )
    shell(
        "decide-communication",
        pilot,
        news,
        "--approve",
        "--on",
        "2025-03-12",
        "--actor",
        "region:chef-projet",
    )
    _, out, _ = shell("history", pilot, "--json")
    events = json.loads(out)
    granted = [e for e in events if e["event_type"] == "RoleGranted"]
    assert [(e["actor"], e["fields"]["principal"]) for e in granted] == [
        ("agency:ops-1", "pilot:ardenne-ops")
    ]
    decided = [e for e in events if e["event_type"] == "CommunicationDecided"]
    assert [e["actor"] for e in decided] == ["region:chef-projet"]
    monkeypatch.setenv("COLUMNS", "160")  # the table on one line per event
    _, out, _ = shell("history", pilot)
    assert "referent role granted to pilot:ardenne-ops (R15)" in out
    _, out, _ = shell("principals", "--json")
    assert {(r["principal"], r["role"]) for r in json.loads(out)} == {
        ("agency:ops-1", "agency"),
        ("region:chef-projet", "region"),
        ("pilot:ardenne-ops", "referent"),
    }
    _, out, _ = shell("principals", "--history")
    assert "region role granted to region:chef-projet" in out
    code, _, err = shell("show", pilot, "--actor", "auditor:nobody", ok=False)
    assert code == 1
    assert "R12/R15" in err


def test_gdpr_key_file_rotation_dry_run_and_verify_from_the_shell(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys" / "keyring.json"
    monkeypatch.setenv("PARCOURS_KEY_FILE", str(key_file))
    # a database of its own: the fixture's was made under the default key file
    monkeypatch.setenv("PARCOURS_DATABASE_URL", f"sqlite:///{tmp_path}/keyed.db")
    _, out, _ = run("gdpr", "init-key")
    assert "fichier de clés créé" in out
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    run("grant", "agency:project-lead", "agency")
    _, out, _ = run("enroll", "CC X", "--charter-signed-on", "2024-09-02")
    pilot = out.strip()
    designate(run, pilot)
    _, out, _ = run("gdpr", "purge", "--at", "2026-02-01T00:00:00+01:00", "--dry-run")
    plan = json.loads(out)
    assert plan["dry_run"] is True
    assert plan["would_purge"][0]["person_keys"] == 1
    _, out, _ = run("gdpr", "export", "camille.martin@example.org")
    assert json.loads(out)["records"]  # the dry run changed nothing
    _, out, _ = run("gdpr", "rotate-key")
    assert "clé renouvelée" in out
    _, out, _ = run("gdpr", "export", "camille.martin@example.org")
    assert json.loads(out)["records"]  # the living survive a rotation
    run("gdpr", "purge", "--at", "2026-02-01T00:00:00+01:00")
    _, out, _ = run("gdpr", "verify")
    checks = json.loads(out)["checks"]
    assert all(c["ok"] for c in checks)
    assert any("parcours_events" in c["tables"] for c in checks)
