"""`parcours scheduler tick` (once, up to `--at`; `--dry-run`, issue 20: what the tick would
record, purge and send, and nothing changed, `DeadlineScheduler.plan`) and `scheduler run`
(in the foreground); `parcours notices` and `notices --retry`: the notices parked after too
many failed deliveries (exit 1 while there are any, for a monitoring probe). The plan's words
are the catalogue's (`plan.*`), in the shell's language."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from parcours import formats
from parcours.catalogue import active
from parcours.cli import shell
from parcours.cli.shell import Json
from parcours.messages import headers, label, say
from parcours.outputs import cell, markup

commands = typer.Typer()
scheduler_cli = typer.Typer(no_args_is_help=True)


@scheduler_cli.command("tick")
def scheduler_tick(
    at: Annotated[str | None, typer.Option("--at")] = None,
    as_json: Json = False,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Record once what fell due up to --at: reminders, breaches, the retention purge."""
    from parcours.scheduler import DeadlineScheduler

    if dry_run:  # issue 20: what the tick would do, nothing written (`show_plan` below)
        plan = shell.run(lambda: DeadlineScheduler(shell.app()).plan(shell.instant(at, "at")))
        if as_json:
            shell.emit_json(plan)
        else:
            show_plan(plan, shell.out)
        return
    report = shell.run(lambda: DeadlineScheduler(shell.app()).tick(shell.instant(at, "at")))
    if as_json:
        shell.emit_json(report)
        return
    lang = active()
    table = Table(
        *headers("pilot", "kind", "rule", "due", "observed"),
        title=say("table.tick", at=formats.date_time(report.now, lang)),
    )
    for r in report.recorded:
        table.add_row(
            str(r.pilot_id),
            label("deadline", r.kind),
            r.rule,
            formats.short_date(r.due, lang),
            cell(r.observed),
        )
    shell.out.print(table)
    shell.out.print(say("out.tick", evaluated=report.evaluated, purged=len(report.purged)))


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in the foreground until SIGINT or SIGTERM."""
    import signal
    import threading

    from parcours.scheduler import DeadlineScheduler

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = DeadlineScheduler(shell.app())
    shell.run(scheduler.start)
    shell.err.print(say("out.scheduler_running"))
    stop.wait()
    scheduler.shutdown()
    shell.err.print(say("out.scheduler_stopped"))


@commands.command("notices")
def notices(
    retry: Annotated[bool, typer.Option("--retry")] = False,
) -> None:
    """Notices parked after too many failed deliveries (exit 1 when there are any)."""
    from parcours.scheduler import DeadlineScheduler

    scheduler = DeadlineScheduler(shell.app())
    if retry:
        shell.out.print(say("out.notices_back", count=scheduler.retry_parked_notices()))
        return
    parked = scheduler.parked_notices()
    shell.out.print(say("out.parked", count=len(parked)))
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
    shell.out.print(table)
    raise typer.Exit(1)


def _kind(kind: str) -> str:
    key = f"plan.kind.{kind}"
    text = say(key)
    return kind if text == key else text


def show_plan(plan: Any, out: Console) -> None:
    """The plan as tables; personal values never printed (counts only)."""
    lang = active()
    when = markup(formats.date_time(plan.now, lang))
    out.print(f"[bold]{say('plan.title', at=when)}[/bold]")
    out.print(say("plan.nothing_written"))
    names = {n.pilot_id: n.pilot_name for n in plan.notices}
    names.update({p.pilot_id: p.name for p in plan.would_purge.would_purge})
    facts = Table(
        *headers("pilot", "kind", "rule", "due", "observed"), title=say("plan.would_record")
    )
    for r in plan.would_record:
        facts.add_row(
            cell(names.get(r.pilot_id, str(r.pilot_id))),
            _kind(r.kind),
            r.rule,
            formats.short_date(r.due, lang),
            cell(r.observed),
        )
    out.print(facts)
    notices = Table(
        *headers("pilot", "kind", "rule", "due", "recipients", "state"),
        title=say("plan.would_send"),
    )
    for n in plan.notices:
        notices.add_row(
            cell(n.pilot_name),
            _kind(n.kind),
            n.rule,
            formats.short_date(n.due, lang),
            str(n.recipients),
            say("plan.new_notice" if n.status == "new" else "plan.waiting"),
        )
    out.print(notices)
    if plan.notices and not plan.receivers:
        out.print(say("plan.no_receiver"))
    purge = Table(*headers("pilot", "people", "text_keys"), title=say("plan.would_purge"))
    for p in plan.would_purge.would_purge:
        purge.add_row(cell(p.name), str(p.person_keys), str(p.text_keys))
    for programme in plan.would_purge_programme_contacts:
        purge.add_row(cell(say("plan.programme_contacts", programme=programme)), "-", "-")
    out.print(purge)
    upkeep = [
        say(key)
        for key, due in (
            ("plan.checkpoint", plan.would_checkpoint),
            ("plan.receipt", plan.would_issue_receipt),
            ("plan.rotation", plan.would_rotate_keys),
        )
        if due
    ]
    out.print(
        say(
            "plan.summary",
            evaluated=plan.evaluated,
            facts=len(plan.would_record),
            notices=len(plan.notices),
            purges=len(plan.would_purge.pilots),
            upkeep=", ".join(upkeep) or say("plan.none"),
        )
    )
