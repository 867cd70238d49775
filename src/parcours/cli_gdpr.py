"""`parcours gdpr …`: personal data from the shell (R12–R14): the key file and its rotation,
the right of access, erasure reports, the retention purge (and its dry run), its proof."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parcours.cli import Actor, Json, app, emit_json, err, instant, out, run
from parcours.messages import say
from parcours.settings import Settings
from parcours.store.keyring import default_key_file, init_key_file

gdpr_cli = typer.Typer(
    no_args_is_help=True,
)


@gdpr_cli.command("init-key")
def init_key(
    key_file: Annotated[
        str | None,
        typer.Option("--key-file"),
    ] = None,
) -> None:
    """Create the key file that holds the key-encryption keys (mode 0600), if missing."""
    path = Path(key_file or Settings.from_env().key_file_setting() or default_key_file())
    created = run(lambda: init_key_file(path.expanduser()))
    out.print(say("out.key_created" if created else "out.key_there", path=path), markup=False)
    out.print(say("out.key_advice", path=path), markup=False)


@gdpr_cli.command("rotate-key")
def rotate_key(as_json: Json = False) -> None:
    """Re-wrap every living data key under a new key-encryption key and destroy the old one:
    erasures and purges done so far become irreversible, old backups open nobody."""
    report = run(lambda: app().rotate_master_key())
    if as_json:
        emit_json(report)
        return
    out.print(
        say(
            "out.rotated",
            kek=report.new_kek,
            rewrapped=report.rewrapped,
            batches=report.batches,
            destroyed=", ".join(report.destroyed_keks) or say("out.none"),
        ),
        markup=False,
    )
    if not report.files.complete:
        err.print(say("out.warning", detail=report.files.detail), markup=False, soft_wrap=True)


@gdpr_cli.command("export")
def gdpr_export(email: str, actor: Actor = "cli") -> None:
    """Right of access (R14): every personal value held about this email, as JSON."""
    emit_json(run(lambda: app().export_personal_data(email=email, actor=actor)))


@gdpr_cli.command("erasure")
def gdpr_erasure(person: str) -> None:
    """When this person was erased, and since when no copy of the files opens them."""
    emit_json(run(lambda: app().erasure_report(person)))


@gdpr_cli.command("purge")
def gdpr_purge(
    at: Annotated[str | None, typer.Option("--at")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Purge the pilots whose retention has ended (R13)."""
    when = instant(at, "at")
    emit_json(run(lambda: app().purge_expired(when, dry_run=dry_run)))


@gdpr_cli.command("migrate")
def gdpr_migrate() -> None:
    """Seal the free text an earlier version stored in clear (once, after upgrading, with no
    other process writing): a recorded rewrite; the audit trail is verified after it."""
    report = run(lambda: app().seal_clear_text())
    emit_json(report)
    if not report.audit_verified:
        raise typer.Exit(1)


@gdpr_cli.command("verify")
def gdpr_verify() -> None:
    """Check that no key of a purged pilot's people remains and their data is unreadable."""
    report = run(lambda: app().verify_purge())
    emit_json(report)
    if not report.verified:
        raise typer.Exit(1)


__all__ = ["gdpr_cli"]
