"""`parcours grant`, `parcours revoke`, `parcours principals` (R15).

The principal acting is `PARCOURS_ACTOR` / `--actor`. On a new database no one holds a role
and the only act accepted is the first grant, giving `agency` to its own author: hence
`parcours grant agency:ops-1 agency` with no actor set acts as the principal it names.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from parcours import formats
from parcours.catalogue import active
from parcours.cli import shell
from parcours.cli.shell import Json, ProgrammeOption
from parcours.messages import headers, say

commands = typer.Typer()

ActorOrSelf = Annotated[
    str | None,
    typer.Option(
        "--actor",
        envvar="PARCOURS_ACTOR",
    ),
]
Principal = Annotated[str, typer.Argument()]
Role = Annotated[str, typer.Argument()]
PilotOption = Annotated[str | None, typer.Option("--pilot")]


@commands.command()
def grant(
    principal: Principal,
    role: Role,
    programme: ProgrammeOption = None,
    pilot: PilotOption = None,
    actor: ActorOrSelf = None,
) -> None:
    """Give a role (R15): agency, region, auditor in a programme; referent of one pilot."""
    shell.run(
        lambda: shell.app().grant(
            principal, role, actor=actor or principal, programme=programme, pilot=pilot
        )
    )
    where = (
        say("out.where_pilot", pilot=pilot)
        if pilot
        else (programme or shell.app().settings.programme)
    )
    shell.out.print(say("out.holds", principal=principal, role=role, where=where), markup=False)


@commands.command()
def revoke(
    principal: Principal,
    role: Role,
    programme: ProgrammeOption = None,
    pilot: PilotOption = None,
    actor: ActorOrSelf = None,
) -> None:
    """Take a role back (R15); the last agency of a programme cannot be."""
    shell.run(
        lambda: shell.app().revoke(
            principal, role, actor=actor or principal, programme=programme, pilot=pilot
        )
    )
    shell.out.print(say("out.no_longer_holds", principal=principal, role=role), markup=False)


@commands.command()
def principals(
    programme: ProgrammeOption = None,
    history: Annotated[bool, typer.Option("--history")] = False,
    as_json: Json = False,
    actor: Annotated[str | None, typer.Option("--actor", envvar="PARCOURS_ACTOR")] = None,
) -> None:
    """Who holds which role, where; --history: the programme's grants as facts."""
    if history:
        entries = shell.run(lambda: shell.app().role_history(programme, actor=actor or "cli"))
        if as_json:
            shell.emit_json(entries)
            return
        table = Table(
            *headers("sequence", "recorded_utc", "actor", "event"), title=say("table.roles")
        )
        lang = active()
        for e in entries:
            summary = e.summary
            recorded = f"{formats.short_date(e.recorded_at.date(), lang)} {e.recorded_at:%H:%M}"
            table.add_row(str(e.sequence), recorded, e.actor, summary)
        shell.out.print(table)
        return
    rows = shell.run(lambda: shell.app().principals(actor=actor, programme=programme))
    if as_json:
        shell.emit_json(rows)
        return
    table = Table(
        *headers("principal", "role", "programme", "pilot", "granted_by"),
        title=say("table.principals"),
    )
    for r in rows:
        table.add_row(r.principal, r.role, r.programme, str(r.pilot_id or ""), r.granted_by)
    shell.out.print(table)
