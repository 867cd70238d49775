"""`parcours demo`: the command only; the simulated Grand Est cohort is `parcours.demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from parcours.cli import shell
from parcours.messages import say

commands = typer.Typer()


@commands.command()
def demo(
    path: Annotated[str, typer.Option("--path")] = "parcours-demo.db",
    report_path: Annotated[str, typer.Option("--report")] = "parcours-report.html",
    xlsx_path: Annotated[str, typer.Option("--xlsx")] = "parcours-cohorte.xlsx",
) -> None:
    """Play the Grand Est cohort from September 2024 to the purge, with the scheduler ticking;
    print the dashboard as it goes and write the HTML report and the cohort's workbook."""
    from parcours.cli import workbook
    from parcours.demo import REPORT_DAY, play

    app = shell.run(lambda: play(path, shell.out, report_path))
    # The workbook of the same day as the report: one sheet per view (issue 20).
    shell.run(lambda: workbook.write_xlsx(xlsx_path, workbook.cohort_sheets(app, REPORT_DAY)))
    shell.out.print(say("demo.workbook", day=REPORT_DAY, path=xlsx_path))
