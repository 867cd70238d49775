"""The pilot's life from the shell: enrolment, its referents' contacts and the rights over
them (R11, R14), its phase changes (R1) and its withdrawal (R2)."""

from __future__ import annotations

from typing import Annotated

import typer

from parcours.cli import shell
from parcours.cli.shell import Actor, On, PilotArg

commands = typer.Typer()


# -- enrolment and contacts ---------------------------------------------------------------


@commands.command()
def enroll(
    name: Annotated[str, typer.Argument()],
    programme: Annotated[str | None, typer.Option()] = None,
    charter_signed_on: Annotated[str, typer.Option()] = "",
    siren: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Enroll a pilot that signed the charter; prints its id."""
    signed = shell.day(charter_signed_on or None, "charter_signed_on")
    pilot = shell.run(
        lambda: shell.app().enroll(
            name=name,
            programme=programme or shell.app().settings.programme,
            charter_signed_on=signed or shell.app().today(),
            siren=siren,
            actor=actor,
        )
    )
    shell.print_id(pilot)


@commands.command("designate-referent")
def designate_referent(
    pilot: PilotArg,
    role: Annotated[str, typer.Option()],
    first_name: Annotated[str, typer.Option()],
    last_name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    phone: Annotated[str, typer.Option()],
    title: Annotated[str | None, typer.Option()] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Designate the pilot's operational or elected referent (R11); prints the person's id."""
    person = shell.run(
        lambda: shell.app().designate_referent(
            pilot,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
            on=shell.day(on),
            actor=actor,
        )
    )
    shell.print_id(person)


@commands.command("rectify-contact")
def rectify_contact(
    pilot: PilotArg,
    person: Annotated[str, typer.Argument()],
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
) -> None:
    """Rectify a contact's fields (R14)."""
    fields = {
        k: v
        for k, v in {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "title": title,
        }.items()
        if v is not None
    }
    shell.run(lambda: shell.app().rectify_contact(pilot, person, actor=actor, **fields))


@commands.command("record-objection")
def record_objection(pilot: PilotArg, person: str, actor: Actor = "cli") -> None:
    """Record a person's objection (R14)."""
    shell.run(lambda: shell.app().record_objection(pilot, person, actor=actor))


@commands.command("erase-person")
def erase_person(pilot: PilotArg, person: str, actor: Actor = "cli") -> None:
    """Erase one person: their key is destroyed (R14, GDPR art. 17)."""
    shell.run(lambda: shell.app().erase_person(pilot, person, actor=actor))


# -- phase changes --------------------------------------------------------------------------


def _phase_command(name: str, doc: str) -> None:
    def command(pilot: PilotArg, on: On = None, actor: Actor = "cli") -> None:
        shell.run(
            lambda: getattr(shell.app(), name.replace("-", "_"))(
                pilot, on=shell.day(on), actor=actor
            )
        )

    command.__doc__ = doc
    commands.command(name)(command)


for _name, _doc in {
    "start-diagnostic": "Start the diagnostic (needs an operational referent, R11).",
    "complete-diagnostic": "Complete the diagnostic; the pilot moves to framing (R1, R3).",
    "start-deployment": "Start deployment (needs a framed project, R4, R8).",
    "start-evaluation": "Start the evaluation (R1, R8).",
    "close": "Close the pilot (needs the evaluation report, R1).",
    "record-follow-up": "Record a follow-up meeting during deployment (R5).",
}.items():
    _phase_command(_name, _doc)


@commands.command()
def withdraw(
    pilot: PilotArg,
    reason: Annotated[str, typer.Option()],
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Withdraw the pilot from the programme (R2)."""
    shell.run(lambda: shell.app().withdraw(pilot, reason=reason, on=shell.day(on), actor=actor))
