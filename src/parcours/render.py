"""Rich tables of the views, shared by the CLI and the demo.

Every value from data goes in as a `Text` (outputs.cell): rich never reads markup in it, and
its control characters are shown, not sent to the terminal.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from parcours.cohort import Dashboard
from parcours.outputs import cell, visible
from parcours.views import PilotView


def pilot_table(view: PilotView) -> Table:
    table = Table(title=cell(f"{view.name} ({view.programme})"), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("id", str(view.id))
    table.add_row("phase", f"{view.phase} since {view.phase_since.isoformat()}")
    table.add_row(
        "path", " → ".join(f"{s.phase} ({s.since.isoformat()})" for s in view.phase_history)
    )
    for contact in view.contacts:
        if contact.current:
            table.add_row(
                f"{contact.role} referent",
                cell(
                    f"{contact.first_name} {contact.last_name} <{contact.email}> [{contact.status}]"
                ),
            )
    for project in view.projects:
        state = "framed" if project.framed else "recommended"
        table.add_row("project", cell(f"{project.title} [{project.theme}, {state}]"))
    table.add_row("days logged", f"{view.days_logged:g}")
    table.add_row("follow-ups", str(len(view.follow_ups)))
    table.add_row("REX sessions", cell(", ".join(sorted(view.rex)) or "-"))
    table.add_row("alerts raised (R9)", str(len(view.alerts)))
    table.add_row("communications (R10)", ", ".join(c.status for c in view.communications) or "-")
    if view.withdrawal_reason:
        table.add_row("withdrawn", cell(view.withdrawal_reason))
    return table


def dashboard_table(board: Dashboard) -> Table:
    table = Table(
        "pilot",
        "phase",
        "since",
        "next deadline",
        "alerts",
        title=f"Dashboard on {board.today.isoformat()}",
    )
    for row in board.rows:
        nxt = row.next_deadline
        table.add_row(
            # its slug under its name (issue 20): what the commands' PILOT accepts
            cell(row.name if row.slug is None else f"{row.name}\n{row.slug}"),
            row.phase,
            row.phase_since.isoformat(),
            f"{nxt.rule} {nxt.due.isoformat()} ({nxt.days_left} d)" if nxt else "-",
            Text(
                visible("\n".join(f"{a.rule} {a.severity}: {a.message}" for a in row.alerts)) or "-"
            ),
        )
    return table
