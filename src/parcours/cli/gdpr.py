"""`parcours gdpr …`: personal data from the shell (R12–R14): the key file and its rotation,
the right of access, erasure reports, the retention purge (and its dry run), its proof."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parcours.cli import shell
from parcours.cli.shell import Actor, Json
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
    created = shell.run(lambda: init_key_file(path.expanduser()))
    shell.out.print(say("out.key_created" if created else "out.key_there", path=path), markup=False)
    shell.out.print(say("out.key_advice", path=path), markup=False)


@gdpr_cli.command("rotate-key")
def rotate_key(as_json: Json = False) -> None:
    """Re-wrap every living data key under a new key-encryption key and destroy the old one:
    erasures and purges done so far become irreversible, old backups open nobody."""
    report = shell.run(lambda: shell.app().rotate_master_key())
    if as_json:
        shell.emit_json(report)
        return
    shell.out.print(
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
        shell.err.print(
            say("out.warning", detail=report.files.detail), markup=False, soft_wrap=True
        )


@gdpr_cli.command("export")
def gdpr_export(email: str, actor: Actor = "cli") -> None:
    """Right of access (R14): every personal value held about this email, as JSON."""
    shell.emit_json(shell.run(lambda: shell.app().export_personal_data(email=email, actor=actor)))


@gdpr_cli.command("erasure")
def gdpr_erasure(person: str) -> None:
    """When this person was erased, and since when no copy of the files opens them."""
    shell.emit_json(shell.run(lambda: shell.app().erasure_report(person)))


@gdpr_cli.command("purge")
def gdpr_purge(
    at: Annotated[str | None, typer.Option("--at")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Purge the pilots whose retention has ended (R13)."""
    when = shell.instant(at, "at")
    shell.emit_json(shell.run(lambda: shell.app().purge_expired(when, dry_run=dry_run)))


@gdpr_cli.command("migrate")
def gdpr_migrate() -> None:
    """Seal the free text an earlier version stored in clear (once, after upgrading, with no
    other process writing): a recorded rewrite; the audit trail is verified after it."""
    report = shell.run(lambda: shell.app().seal_clear_text())
    shell.emit_json(report)
    if not report.audit_verified:
        raise typer.Exit(1)


@gdpr_cli.command("verify")
def gdpr_verify() -> None:
    """Check that no key of a purged pilot's people remains and their data is unreadable."""
    report = shell.run(lambda: shell.app().verify_purge())
    shell.emit_json(report)
    if not report.verified:
        raise typer.Exit(1)


__all__ = ["gdpr_cli"]
