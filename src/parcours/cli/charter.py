"""`parcours programme-contact` and `parcours programme-contacts` (R11): the Region's and the
agency's project leads, and `parcours publish --graphic-charter` (R10) (round 2 of the
charter, issue 19).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from parcours.cli import shell
from parcours.cli.shell import Actor, Json, On, PilotArg
from parcours.cli.shell import ProgrammeOption as Programme
from parcours.messages import headers, say

commands = typer.Typer()


@commands.command("programme-contact")
def programme_contact(
    organisation: Annotated[str, typer.Argument()],
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    email: Annotated[str, typer.Option("--email")],
    phone: Annotated[str, typer.Option("--phone")],
    title: Annotated[str, typer.Option("--title")],
    programme: Programme = None,
    actor: Actor = "cli",
) -> None:
    """Designate the Region's or the agency's project lead for the programme (R11); prints
    the person's id. Sealed like a referent's contact; the same rights (R14)."""
    person = shell.run(
        lambda: shell.app().designate_programme_contact(
            programme or shell.app().settings.programme,
            organisation=organisation,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            title=title,
            actor=actor,
        )
    )
    shell.out.print(str(person))


@commands.command("programme-contacts")
def programme_contacts(
    programme: Programme = None,
    as_json: Json = False,
    actor: Actor = "cli",
) -> None:
    """The programme's project leads (R11), unsealed for the agency and the Region."""
    chosen = programme or shell.app().settings.programme
    contacts = shell.run(lambda: shell.app().programme_contacts(chosen, actor=actor))
    if as_json:
        shell.emit_json(contacts)
        return
    table = Table(
        *headers("organisation", "name", "title", "email", "current"),
        title=say("table.programme_contacts"),
    )
    for c in contacts:
        name = f"{c.first_name} {c.last_name}"
        current = say("out.yes" if c.current else "out.no")
        table.add_row(c.role, name, c.title or "", c.email, current)
    shell.out.print(table)


@commands.command("publish")
def publish(
    pilot: PilotArg,
    communication: Annotated[str, typer.Argument()],
    graphic_charter: Annotated[
        bool | None,
        typer.Option(
            "--graphic-charter/--no-graphic-charter",
        ),
    ] = None,
    on: On = None,
    actor: Actor = "cli",
) -> None:
    """Publish an approved communication (R10), saying whether the graphic charter was
    respected (leave it out when it does not apply)."""
    shell.run(
        lambda: shell.app().publish_communication(
            pilot,
            communication,
            graphic_charter_respected=graphic_charter,
            on=shell.day(on),
            actor=actor,
        )
    )
