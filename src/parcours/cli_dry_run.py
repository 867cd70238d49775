"""`parcours scheduler tick --dry-run` (issue 20): what the tick would record, purge and send,
printed, and nothing changed (`DeadlineScheduler.plan`). `cli.py`'s `scheduler tick` hands
over to `show_plan` when the option is given. Its words are the catalogue's (`plan.*`), in
the shell's language."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from parcours import formats
from parcours.catalogue import active
from parcours.messages import headers, say
from parcours.outputs import cell, markup


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
