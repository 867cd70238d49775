"""`parcours projections`: the read models rebuilt, checked against the event log, followed
by a worker in this process; and what the worker left waiting (issue 18): `status` and
`retry` of the events the read models could not fold, and the pilots they hold back. `check`
and `status` exit 1 while something differs or waits, so a monitoring probe can run them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from parcours.cli import shell
from parcours.messages import headers, say
from parcours.outputs import cell

projections_cli = typer.Typer(
    help="Read models: rebuild, check, follow, status, retry.", no_args_is_help=True
)


# `status` and `retry` first: `parcours projections --help` lists them in this order.
@projections_cli.command("status")
def projections_status() -> None:
    """How far the read models lag, and the pilots held back by an event they could not
    fold (exit 1 when there are any)."""
    parcours = shell.app()
    lag, letters = parcours.projection_lag(), parcours.dead_letters()
    shell.out.print(say("out.lag", lag=lag, letters=len(letters)))
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
    shell.out.print(table)
    raise typer.Exit(1)


@projections_cli.command("retry")
def projections_retry() -> None:
    """Fold again, in order, the events of the pilots held back (after a fix)."""
    caught_up, stale = shell.app().retry_dead_letters(force=True)
    shell.out.print(say("out.caught_up", caught_up=caught_up, stale=stale))
    if stale:
        raise typer.Exit(1)


@projections_cli.command("rebuild")
def projections_rebuild() -> None:
    """Rebuild every read model from the event log."""
    with _progress(say("out.rebuilding")) as advance:
        folded = shell.app().rebuild_projections(advance)
    shell.out.print(say("out.rebuilt", events=folded))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; elsewhere nothing (not even a blank line before an
    error: the one error boundary's line stays the only one)."""
    if not shell.err.is_terminal:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(console=shell.err, transient=True) as progress:
        task = progress.add_task(label, total=shell.app().event_count())
        yield lambda n: progress.advance(task, n)


@projections_cli.command("check")
def projections_check() -> None:
    """Rebuild into scratch tables and compare with the live read models; exit 1 on a difference."""
    with _progress(say("out.checking")) as advance:
        report = shell.app().check_projections(advance)
    if report.ok:
        shell.out.print(say("out.projections_match", rows=report.rows))
        return
    for d in report.differences:
        shell.err.print(
            say("out.difference", table=d.table, key=d.key, live=d.live, rebuilt=d.rebuilt),
            markup=False,
            soft_wrap=True,
        )
    raise typer.Exit(1)


@projections_cli.command("run")
def projections_run(
    interval: Annotated[float, typer.Option()] = 0.5,
) -> None:
    """Follow the log in this process (a projection worker), until SIGINT or SIGTERM."""
    import signal
    import threading

    from parcours.projections.worker import ProjectionWorker

    # a broken database fails before the banner
    worker = ProjectionWorker(shell.app(), shell.app().pipeline.store, interval)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    shell.err.print(say("out.worker_running"))

    def report(folded: int, lag: int) -> None:
        if folded or lag:
            shell.err.print(say("out.worker_folded", folded=folded, lag=lag))

    worker.run(stop, report)
    shell.err.print(say("out.worker_stopped"))
