"""`parcours`: the shell, a thin client of the public API; one module per concern.

This module builds the root command (its callback: `--db`, `-v`, `--debug`, `--lang`,
`--version`) from the commands of each module, in the order `parcours --help` lists them:

- shell.py: what the commands share (`out`/`err`, `app()`, `run`, `day`, `instant`,
  `emit_json`, the option types); errors.py: the one error boundary (`OneLineErrors`, the
  root's class); language.py: the shell's language and its help from the catalogue;
- pilots.py: enrolment, contacts, phases, withdrawal; work.py: the work inside the phases;
  views.py: the reads; charter.py, roles.py, exports.py (+ workbook.py), rules.py, demo.py;
- the sub-commands: audit.py, projections.py, scheduler.py (and `notices`), gdpr.py.

Every failure is one line on stderr, exit 1 (errors.py); whatever comes from data is shown
inert (outputs.py: no markup, no escape, no formula)."""

from __future__ import annotations

from typing import Annotated

import typer

from parcours import logs
from parcours.cli import (
    audit,
    charter,
    demo,
    exports,
    gdpr,
    pilots,
    projections,
    roles,
    rules,
    scheduler,
    shell,
    views,
    work,
)
from parcours.cli.errors import Boundary, OneLineErrors
from parcours.cli.shell import DbOption
from parcours.settings import Settings

cli = typer.Typer(
    cls=OneLineErrors,
    name="parcours",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@cli.callback()
def _root(
    db: DbOption = None,
    verbose: Annotated[bool, typer.Option("-v")] = False,
    debug: Annotated[bool, typer.Option("--debug")] = False,
    lang: Annotated[str | None, typer.Option("--lang", metavar="fr|en")] = None,
    version: rules.VersionOption = False,
) -> None:
    # --lang was read before parsing (language.requested): --help is eager.
    Boundary.debug = debug
    settings = Settings.from_env(url=db)
    logs.configure(
        "json" if settings.log_format == "json" else "console",
        "info" if verbose else settings.log_level,
    )
    shell.state.url = settings.url
    shell.state.app = None


# The root's own commands, merged in (a Typer added without a name), in this order.
for _commands in (
    pilots.commands,  # enroll … withdraw
    work.commands,  # log-time … schedule-rex
    views.commands,  # indicators, evaluation, list, show, history, dashboard … report
    scheduler.commands,  # notices
    demo.commands,
    roles.commands,  # grant, revoke, principals (R15)
    charter.commands,  # programme-contact(s) (R11), publish (R10)
    exports.commands,  # export --xlsx
    rules.commands,  # regles / rules
):
    cli.add_typer(_commands)
cli.add_typer(audit.audit_cli, name="audit")
cli.add_typer(projections.projections_cli, name="projections")
cli.add_typer(scheduler.scheduler_cli, name="scheduler")
cli.add_typer(gdpr.gdpr_cli, name="gdpr")


def main() -> None:
    cli()


__all__ = ["cli", "main"]
