"""`parcours demo`: the command only; the simulated Grand Est cohort is `parcours.demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from parcours.cli import shell

commands = typer.Typer()


@commands.command()
def demo(
    path: Annotated[str, typer.Option("--path")] = "parcours-demo.db",
    report_path: Annotated[str, typer.Option("--report")] = "parcours-report.html",
) -> None:
    """Play the Grand Est cohort from September 2024 to the purge, with the scheduler ticking;
    print the dashboard as it goes and write the HTML report."""
    from parcours.demo import play

    shell.run(lambda: play(path, shell.out, report_path))
