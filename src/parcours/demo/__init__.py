"""`parcours demo`: the Grand Est 2024 cohort, September 2024 to the purge in February 2026.

Round 2 of the charter shows in it: follow-ups during framing (« la mise en œuvre »), an
indicator left unreported (R8, Ballons des Hautes-Vosges from 29 December 2025), the
approach of the end of the experiment (R2, from 2 December 2025) and, when it passes, one
`ExperimentEnded` fact for every pilot still open (printed with the 1 February 2026 table).

Eight pilots (real intercommunalities, fictional people at example.org) go through the
charter on a simulated clock while the real `DeadlineScheduler` ticks every evening. The
agency grants its roles first (R15: a new database refuses every other act), each pilot's
referent acts for its own pilot only, and the agency's attempt to decide a communication is
refused once, for all to see. At the
end of 2024, mid-2025, the end of 2025 and on 1 February 2026 the dashboard and the new
alerts are printed; the run ends by verifying the audit trail and the purge, and writes the
HTML report.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from parcours import formats
from parcours.application import Parcours
from parcours.catalogue import active
from parcours.demo.cast import (
    AUDITOR,
    CHECKPOINTS,
    END,
    LEAD,
    PROGRAMME,
    REGION,
    REPORT_DAY,
    START,
    SimulatedClock,
)
from parcours.demo.cohort import Cohort
from parcours.demo.scenario import scenario
from parcours.messages import headers, label, say
from parcours.render import dashboard_table
from parcours.scheduler import DeadlineScheduler, Recorded

__all__ = ["PROGRAMME", "REPORT_DAY", "Cohort", "SimulatedClock", "play", "scenario"]


def _alerts_table(recorded: list[Recorded], names: dict[UUID, str], title: str) -> Table:
    table = Table(*headers("pilot", "rule", "event", "due", "observed"), title=title)
    lang = active()
    for r in recorded:
        if r.kind == "approaching":
            kind = say("demo.reminder", before=formats.days(r.offset, lang))
        else:
            kind = label("deadline", r.kind)
        due = formats.short_date(r.due, lang)
        table.add_row(names.get(r.pilot_id, str(r.pilot_id)), r.rule, kind, due, r.observed)
    return table


def play(path: str, console: Console, report: str | None = "parcours-report.html") -> Parcours:
    db = Path(path)
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    clock = SimulatedClock(START)
    app = Parcours(f"sqlite:///{db}", clock=clock)
    # R15: a new database is closed; its first act gives the agency its role, then the agency
    # grants the Region and an auditor (each pilot's referent is granted at its enrolment).
    app.grant(LEAD, "agency", programme=PROGRAMME, actor=LEAD)
    app.grant(REGION, "region", programme=PROGRAMME, actor=LEAD)
    app.grant(AUDITOR, "auditor", programme=PROGRAMME, actor=LEAD)
    cohort = scenario(app)
    scheduler = DeadlineScheduler(app)
    recorded: list[Recorded] = []
    days = (END - START).days + 1
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(say("demo.span"), total=days)
        for offset in range(days):
            day = START + timedelta(days=offset)
            clock.at(day, 10)
            for action in cohort.plan.get(day, []):
                action()
            recorded.extend(scheduler.tick(clock.at(day, 23)).recorded)
            if report and day == REPORT_DAY:
                # Before the purge: the report shows the year's alerts, not only "purged".
                Path(report).write_text(app.report_html(today=day), encoding="utf-8")
            if day in CHECKPOINTS:
                progress.stop()
                console.print(dashboard_table(app.dashboard(today=day)))
                new = [r for r in recorded if r.kind != "met"]
                console.print(
                    _alerts_table(
                        new,
                        {p.id: p.name for p in app.list_pilots()},
                        say("demo.new", day=formats.long_date(day, active())),
                    )
                )
                recorded.clear()
                progress.start()
            progress.advance(task)
    for refusal in cohort.refusals:
        console.print(say("demo.refused", refusal=refusal), markup=False)
    audit = app.verify_audit_trail()
    purge = app.verify_purge()
    console.print(
        say(
            "demo.verified",
            audit=say("demo.audit_ok" if audit.ok else "demo.audit_broken"),
            events=audit.events,
            pilots=audit.pilots,
            purge=say("demo.purge_ok" if purge.verified else "demo.purge_incomplete"),
            purged=len(purge.pilots),
            unreadable=purge.unreadable_events,
        )
    )
    if report:
        when = formats.long_date(REPORT_DAY, active())
        console.print(say("demo.report", day=when, report=report, db=db))
    return app
