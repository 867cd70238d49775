"""`parcours audit`: tamper evidence from the shell, for an auditor as much as an operator.

    parcours audit public-key > parcours-audit.pem       the key receipts are signed with
    parcours audit receipt > receipt-2025-06-02.json      a signed tree head: keep it outside
    parcours audit verify --receipt receipt-….json        exit 1, one line, if anything broke
    parcours audit prove PILOT --receipt r.json --out pilot.json
    parcours audit verify-export pilot.json --public-key parcours-audit.pem

and, as before, `verify` alone, `export` / `verify-export` of one pilot's hash chain (JSON
lines) and `checkpoint`. Failures reach the CLI's one error boundary (errors.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from parcours.application import Parcours
from parcours.cli import shell
from parcours.cli.shell import Json
from parcours.errors import InvalidInput
from parcours.messages import say
from parcours.outputs import markup

audit_cli = typer.Typer(no_args_is_help=True)
ReceiptFile = Annotated[str | None, typer.Option("--receipt")]
KeyFile = Annotated[
    str | None,
    typer.Option("--public-key"),
]


def _fail(line: str) -> None:
    shell.err.print(say("cli.prefix") + line, markup=False, soft_wrap=True)
    raise typer.Exit(1)


@audit_cli.command("verify")
def verify(receipt: ReceiptFile = None, public_key: KeyFile = None, as_json: Json = False) -> None:
    """Recompute every chain, every leaf of the audit log, the snapshots and the ledger;
    with --receipt, also check that the log still extends it. Exit 1 and name the first
    break if any."""
    document = None if receipt is None else _read(receipt, "receipt")
    key = None if public_key is None else _read(public_key, "public_key")
    report = shell.app().verify_audit_trail(receipt=document, public_key=key)
    if as_json:
        shell.emit_json(report)
    elif report.ok:
        against = ""
        if report.receipt is not None:
            against = say("out.extends_receipt", size=report.receipt.size)
        shell.out.print(
            say(
                "out.audit_verified",
                pilots=report.pilots,
                events=report.events,
                leaves=report.leaves,
                against=against,
            )
        )
    if not report.ok and report.first_break is not None:
        _fail(report.first_break.line())


@audit_cli.command("receipt")
def receipt() -> None:
    """Print a signed receipt of the audit log as it is now (JSON): keep it outside."""
    shell.out.print_json(json.dumps(shell.app().audit_receipt()))


@audit_cli.command("public-key")
def public_key() -> None:
    """Print the public key receipts are signed with (PEM), to give to auditors."""
    print(shell.app().audit_public_key(), end="")


@audit_cli.command("prove")
def prove(
    pilot: Annotated[str, typer.Argument()],
    receipt: ReceiptFile = None,
    out_file: Annotated[str | None, typer.Option("--out")] = None,
) -> None:
    """Write the pilot's events with their inclusion proofs under the receipt (a new one
    if none is given): checkable with the file and the public key alone."""
    document = None if receipt is None else _read(receipt, "receipt")
    proof = shell.app().prove_pilot(pilot, receipt=document)
    text = json.dumps(proof, ensure_ascii=False, indent=1)
    if out_file is None:
        print(text)
        return
    Path(out_file).write_text(text + "\n", encoding="utf-8")
    shell.out.print(say("out.proofs_written", events=len(proof["events"]), path=markup(out_file)))


@audit_cli.command("verify-export")
def verify_export(
    path: Annotated[str, typer.Argument()],
    public_key: KeyFile = None,
) -> None:
    """Check a file from `prove` (with --public-key) or from `export`, with nothing but
    the file; exit 1 on a break."""
    text = _read(path, "path")
    document = _as_json(text)
    if isinstance(document, dict) and document.get("format") == "parcours-pilot-proof":
        if public_key is None:
            raise InvalidInput("public_key", "input.proof_needs_key")
        report = Parcours.verify_pilot_proofs(document, _read(public_key, "public_key"))
        if report.ok:
            shell.out.print(say("out.proofs_verified", events=report.events))
            return
        assert report.first_break is not None
        _fail(report.first_break.line())
    _verify_chain_export(text)


@audit_cli.command("export")
def export(
    pilot: Annotated[str, typer.Argument()],
    out_file: Annotated[str, typer.Option("--out")],
    actor: Annotated[
        str,
        typer.Option("--actor", envvar="PARCOURS_ACTOR"),
    ] = "cli",
) -> None:
    """Write the pilot's history with its hash chain, one JSON line per event."""
    lines = shell.app().export_audit(pilot, actor=actor)
    with open(out_file, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    shell.out.print(say("out.events_written", events=len(lines), path=markup(out_file)))


@audit_cli.command("checkpoint")
def checkpoint() -> None:
    """Record every pilot's chain head (the scheduler does it daily)."""
    shell.out.print(say("out.checkpoint", pilots=shell.app().checkpoint_audit_trail()))


def _verify_chain_export(text: str) -> None:
    try:
        lines = [json.loads(raw) for raw in text.splitlines() if raw.strip()]
    except ValueError as exc:
        raise InvalidInput("path", "input.unreadable_export", kind=type(exc).__name__) from None
    try:
        report = Parcours.verify_audit_export(lines)
    except (LookupError, TypeError, ValueError, AttributeError):  # lines of another shape
        raise InvalidInput("path", say("audit.not_an_export")) from None
    if report.ok:
        shell.out.print(say("out.export_verified", events=report.events))
        return
    assert report.first_break is not None
    _fail(
        say(
            "out.export_broken",
            line=report.first_break.version,
            reason=report.first_break.reason,
        )
    )


def _read(path: str, field: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InvalidInput(field, "input.unreadable", path=path, kind=type(exc).__name__) from None


def _as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
