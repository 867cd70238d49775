"""Rich tables of the views, shared by the CLI and the demo.

Every value from data goes in as a `Text` (outputs.cell): rich never reads markup in it, and
its control characters are shown, not sent to the terminal. Headers and labels come from the
catalogue, dates and numbers from `formats`, in the active language (French by default).
"""

from __future__ import annotations

import re
from datetime import date

from rich.table import Table
from rich.text import Text

from parcours import formats
from parcours.catalogue import Lang, active, has, translate
from parcours.domain.standing_views import Alert, Dashboard
from parcours.messages import headers, label, say
from parcours.outputs import cell, visible
from parcours.views import PilotView


def pilot_table(view: PilotView) -> Table:
    lang = active()
    table = Table(title=cell(f"{view.name} ({view.programme})"), show_header=False)
    table.add_column(say("col.field"), style="bold")
    table.add_column(say("col.value"))
    table.add_row(say("pilot.id"), str(view.id))
    since = formats.long_date(view.phase_since, lang)
    table.add_row(
        say("col.phase"), say("pilot.phase_since", phase=label("phase", view.phase), since=since)
    )
    table.add_row(
        say("pilot.path"),
        " → ".join(
            f"{label('phase', s.phase)} ({formats.short_date(s.since, lang)})"
            for s in view.phase_history
        ),
    )
    for contact in view.contacts:
        if contact.current:
            table.add_row(
                say(f"pilot.referent.{contact.role}"),
                cell(
                    f"{contact.first_name} {contact.last_name} <{contact.email}> "
                    f"[{label('status', contact.status)}]"
                ),
            )
    for project in view.projects:
        state = say("pilot.framed") if project.framed else say("pilot.recommended")
        table.add_row(say("pilot.project"), cell(f"{project.title} [{project.theme}, {state}]"))
    table.add_row(say("pilot.days_logged"), formats.days(view.days_logged, lang))
    table.add_row(say("pilot.follow_ups"), formats.number(len(view.follow_ups), lang))
    table.add_row(say("pilot.rex"), cell(", ".join(sorted(view.rex)) or "-"))
    table.add_row(say("pilot.alerts"), formats.number(len(view.alerts), lang))
    table.add_row(
        say("pilot.communications"),
        ", ".join(label("status", c.status) for c in view.communications) or "-",
    )
    if view.withdrawal_reason:
        table.add_row(say("pilot.withdrawn"), cell(view.withdrawal_reason))
    return table


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def alert_text(alert: Alert) -> str:
    """An alert's sentence in the active language (`alert.<key>` of the catalogue), its
    ISO dates as the reader writes them; the recorded English sentence if it has no key."""
    key = f"alert.{alert.key}"
    if not alert.key or not has(key, active()):
        return alert.message
    values: dict[str, object] = {}
    for name, value in alert.params.items():
        if _ISO_DAY.fullmatch(value):
            values[name] = date.fromisoformat(value)
        else:
            values[name] = label("phase", value) if name == "phase" else value
    return translate(key, None, **values)


def _deadline(rule: str, due: date, days_left: int, lang: Lang) -> str:
    return f"{rule} {formats.short_date(due, lang)} ({formats.days(days_left, lang)})"


def dashboard_table(board: Dashboard) -> Table:
    lang = active()
    table = Table(
        *headers("pilot", "phase", "since", "next_deadline", "alerts"),
        title=say("table.dashboard", today=formats.long_date(board.today, lang)),
    )
    for row in board.rows:
        nxt = row.next_deadline
        table.add_row(
            # its slug under its name (issue 20): what the commands' PILOT accepts
            cell(row.name if row.slug is None else f"{row.name}\n{row.slug}"),
            label("phase", row.phase),
            formats.short_date(row.phase_since, lang),
            _deadline(nxt.rule, nxt.due, nxt.days_left, lang) if nxt else "-",
            Text(
                visible(
                    "\n".join(
                        f"{a.rule} {label('severity', a.severity)} : {alert_text(a)}"
                        for a in row.alerts
                    )
                )
                or "-"
            ),
        )
    return table
