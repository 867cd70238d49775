"""The operator's commands: what a scheduler or a projection worker left waiting (issue 18).

`parcours projections status` and `retry`: events the read models could not fold, and the
pilots they hold back. `parcours notices` and `notices --retry`: notices parked after too
many failed deliveries. Each exits 1 while something waits, so a monitoring probe can run it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parcours import formats
from parcours.application import Parcours
from parcours.catalogue import active
from parcours.messages import headers, say
from parcours.outputs import cell


def add_operations(
    root: typer.Typer,
    projections: typer.Typer,
    app: Callable[[], Parcours],
    out: Console,
) -> None:
    """Register the commands on the CLI's root and `projections` sub-app."""

    @projections.command("status")
    def projections_status() -> None:
        """How far the read models lag, and the pilots held back by an event they could not
        fold (exit 1 when there are any)."""
        parcours = app()
        lag, letters = parcours.projection_lag(), parcours.dead_letters()
        out.print(say("out.lag", lag=lag, letters=len(letters)))
        if not letters:
            return
        table = Table(
            *headers("position", "pilot", "version", "event", "error", "attempts", "next_try")
        )
        for d in letters:
            table.add_row(
                str(d.position),
                d.pilot_id,
                str(d.version),
                cell(d.topic.rsplit(":", 1)[-1]),
                cell(d.error or say("out.held_back")),
                str(d.attempts),
                d.next_retry_at.isoformat(timespec="seconds"),
            )
        out.print(table)
        raise typer.Exit(1)

    @projections.command("retry")
    def projections_retry() -> None:
        """Fold again, in order, the events of the pilots held back (after a fix)."""
        caught_up, stale = app().retry_dead_letters(force=True)
        out.print(say("out.caught_up", caught_up=caught_up, stale=stale))
        if stale:
            raise typer.Exit(1)

    @root.command("notices")
    def notices(
        retry: Annotated[bool, typer.Option("--retry")] = False,
    ) -> None:
        """Notices parked after too many failed deliveries (exit 1 when there are any)."""
        from parcours.scheduler import DeadlineScheduler

        scheduler = DeadlineScheduler(app())
        if retry:
            out.print(say("out.notices_back", count=scheduler.retry_parked_notices()))
            return
        parked = scheduler.parked_notices()
        out.print(say("out.parked", count=len(parked)))
        if not parked:
            return
        table = Table(*headers("notice", "pilot", "kind", "rule", "due", "attempts"))
        for claim in parked:
            table.add_row(
                str(claim.notice_id),
                str(claim.pilot_id),
                claim.kind,
                claim.rule,
                formats.short_date(claim.due, active()),
                str(claim.attempts),
            )
        out.print(table)
        raise typer.Exit(1)
