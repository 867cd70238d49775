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

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from parcours import formats
from parcours.application import Parcours
from parcours.catalogue import active
from parcours.errors import NotAuthorised
from parcours.messages import headers, label, say
from parcours.render import dashboard_table
from parcours.scheduler import DeadlineScheduler, Recorded

PARIS = ZoneInfo("Europe/Paris")
# Principals (R15) are opaque handles, never a person's name: they are stored in every event.
# The demo plays Grand Est's cohort (besides the settings' default, the one place of the code
# that names a programme).
PROGRAMME = "grand-est-2024"
LEAD = "agency:project-lead"
REGION = "region:project-lead"
AUDITOR = "auditor:ccrc-1"


def referent(key: str) -> str:
    """The principal of a pilot's operational referent (granted for that pilot only)."""
    return f"pilot:{key}-ops"


START, END = date(2024, 9, 1), date(2026, 2, 1)
CHECKPOINTS = (date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31), date(2026, 2, 1))
REPORT_DAY = date(2025, 12, 31)

Plan = dict[date, list[Callable[[], object]]]


class SimulatedClock:
    """Stands for "now"; the demo moves it forward day by day."""

    def __init__(self, start: date) -> None:
        self.now = datetime.combine(start, time(9), PARIS)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int) -> datetime:
        self.now = datetime.combine(day, time(hour), PARIS)
        return self.now


class Cohort:
    """The scenario: what each pilot does, on which day."""

    def __init__(self, app: Parcours) -> None:
        self.app = app
        self.plan: Plan = defaultdict(list)
        self.ids: dict[str, UUID] = {}
        self.projects: dict[str, UUID] = {}
        self.news: dict[str, UUID] = {}
        self.refusals: list[str] = []
        self.sessions: dict[date, str] = {
            day: str(
                app.schedule_rex(PROGRAMME, on=day, kind="collective", title=title, actor=LEAD)
            )
            for day, title in (
                (date(2024, 11, 28), "REX collectif — bilan des diagnostics"),
                (date(2025, 3, 13), "REX collectif — lancement des déploiements"),
                (date(2025, 10, 9), "REX collectif — premiers résultats"),
            )
        }

    def on(self, day: date, action: Callable[[], object]) -> None:
        self.plan[day].append(action)

    def later(self, day: date, key: str, command: Callable[..., object], **kwargs: object) -> None:
        """On `day`, run `command(pilot id, **kwargs)` for the pilot enrolled as `key`."""
        self.on(day, lambda: command(self.ids[key], **kwargs))

    def pilot(
        self,
        key: str,
        name: str,
        referent_name: tuple[str, str, str],
        signed: date,
        diagnostic: tuple[date, date],
        deployment: date | None,
        days_logged: float = 2.0,
        rex: tuple[date, ...] = (date(2024, 11, 28), date(2025, 3, 13), date(2025, 10, 9)),
        gap: int | None = None,
        evaluation: date | None = None,
        closure: date | None = None,
        withdrawal: date | None = None,
        reports_until: date | None = None,
    ) -> None:
        app, first, last, function = self.app, *referent_name
        self.on(
            signed,
            lambda: self.ids.__setitem__(
                key,
                app.enroll(name=name, programme=PROGRAMME, charter_signed_on=signed, actor=LEAD),
            ),
        )
        self.on(
            signed,
            lambda: app.grant(referent(key), "referent", pilot=self.ids[key], actor=LEAD),
        )
        self.on(
            signed,
            lambda: app.designate_referent(
                self.ids[key],
                role="operational",
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@example.org".lower(),
                phone="+33 3 26 00 00 00",
                title=function,
                on=signed,
                actor=LEAD,
            ),
        )
        start, done = diagnostic
        self.on(start, lambda: app.start_diagnostic(self.ids[key], on=start, actor=LEAD))
        for n in range(4):
            logged_on = start + timedelta(days=14 * n + 7)
            self.later(
                logged_on,
                key,
                app.log_time,
                days=days_logged / 4,
                on=logged_on,
                actor=referent(key),
            )
        for day in rex:
            if withdrawal is None or day < withdrawal:
                # a session the cohort scheduled is linked; any other is an individual one
                session = self.sessions.get(day, f"rex-individual-{day:%Y-%m}")
                self.later(day, key, app.record_rex, session=session, on=day, actor=LEAD)
        if withdrawal is not None and withdrawal <= done:
            self.later(
                withdrawal,
                key,
                app.withdraw,
                on=withdrawal,
                actor=LEAD,
                reason="Merger of the intercommunality postponed the project",
            )
            return
        self.on(
            done - timedelta(days=7),
            lambda: self.projects.__setitem__(
                key,
                app.recommend_project(
                    self.ids[key],
                    title="Guichet numérique itinérant",
                    theme="digital-inclusion",
                    actor=LEAD,
                ),
            ),
        )
        self.on(done, lambda: app.complete_diagnostic(self.ids[key], on=done, actor=LEAD))
        self.on(
            done + timedelta(days=21),
            lambda: app.frame_project(
                self.ids[key],
                self.projects[key],
                indicators=[
                    {
                        "key": "people_helped",
                        "label": "People helped",
                        "unit": "persons",
                        "target": 300,
                    }
                ],
                evaluation_protocol="Quarterly count from the mediation log",
                actor=LEAD,
            ),
        )
        # R5: follow-ups run during framing too (« la mise en œuvre de projet(s) »).
        month = (done + timedelta(days=32)).replace(day=20)
        while month < (deployment or END) and month < self.app.programme(PROGRAMME).experiment_ends:
            self.later(month, key, app.record_follow_up, on=month, actor=LEAD)
            month = (month + timedelta(days=32)).replace(day=20)
        if deployment is None:
            return
        self.on(deployment, lambda: app.start_deployment(self.ids[key], on=deployment, actor=LEAD))
        self._deployment(key, deployment, evaluation or END, gap, reports_until)
        if evaluation is not None:
            self.on(
                evaluation, lambda: app.start_evaluation(self.ids[key], on=evaluation, actor=LEAD)
            )
            self.on(
                evaluation + timedelta(days=20),
                lambda: app.record_evaluation(
                    self.ids[key],
                    findings="The itinerant desk reached three villages a week",
                    recommendations="Extend it to the neighbouring EPCI",
                    replicable=True,
                    actor=LEAD,
                ),
            )
        if closure is not None:
            self.on(closure, lambda: app.close(self.ids[key], on=closure, actor=LEAD))

    def communication(
        self,
        key: str,
        title: str,
        requested: date,
        decided: date,
        *,
        approved: bool,
        reason: str | None = None,
        published: date | None = None,
    ) -> None:
        """R10: asked by the pilot, decided by the Region, published only once approved."""
        app = self.app

        def request() -> None:
            self.news[key] = app.request_communication(
                self.ids[key], title=title, on=requested, actor=referent(key)
            )

        def decide() -> None:
            if not self.refusals:  # once: the agency tries, R10 reserves it to the Region
                try:
                    app.decide_communication(
                        self.ids[key], self.news[key], approved=True, on=decided, actor=LEAD
                    )
                except NotAuthorised as refusal:
                    self.refusals.append(str(refusal))
            app.decide_communication(
                self.ids[key],
                self.news[key],
                approved=approved,
                reason=reason,
                on=decided,
                actor=REGION,
            )

        self.on(requested, request)
        self.on(decided, decide)
        if published is not None:
            self.on(
                published,
                lambda: app.publish_communication(
                    self.ids[key],
                    self.news[key],
                    graphic_charter_respected=True,  # R10, « le cas échéant »
                    on=published,
                    actor=referent(key),
                ),
            )

    def blocker(self, key: str, description: str, raised: date, lifted: date, how: str) -> None:
        """R1: a blocker in the way of the deployment, and how the agency helped lift it."""
        app = self.app

        def raise_() -> None:
            self.news[f"blocker:{key}"] = app.raise_blocker(
                self.ids[key], description=description, on=raised, actor=LEAD
            )

        self.on(raised, raise_)
        self.on(
            lifted,
            lambda: app.lift_blocker(
                self.ids[key], self.news[f"blocker:{key}"], how=how, on=lifted, actor=LEAD
            ),
        )

    def _report(self, key: str, value: int, period: str) -> None:
        self.app.report_indicator(
            self.ids[key],
            self.projects[key],
            key="people_helped",
            value=value,
            period=period,
            actor=referent(key),
        )

    def _deployment(
        self, key: str, start: date, end: date, gap: int | None, reports_until: date | None
    ) -> None:
        app = self.app
        month = start.replace(day=1)
        reported = 0
        while month < end.replace(day=1):
            if gap != month.month:
                meeting = max(month.replace(day=20), start)
                if meeting < end:
                    self.later(meeting, key, app.record_follow_up, on=meeting, actor=LEAD)
            logged_on = max(month.replace(day=12), start)
            if logged_on < end:
                self.later(logged_on, key, app.log_time, days=2, on=logged_on, actor=referent(key))
            silent = reports_until is not None and month > reports_until  # R8: no more
            if month.month in (3, 6, 9, 12) and not silent:
                reported += 1
                report_on = month.replace(day=28)
                value = 40 * reported
                period = f"{report_on.year}-Q{(report_on.month - 1) // 3 + 1}"
                self.on(report_on, partial(self._report, key, value, period))
            month = (month + timedelta(days=32)).replace(day=1)


def scenario(app: Parcours) -> Cohort:
    c = Cohort(app)
    c.pilot(
        "ardenne",
        "Communauté de Communes Ardenne Rives de Meuse",
        ("Camille", "Martin", "Responsable TIC"),
        date(2024, 9, 2),
        (date(2024, 9, 16), date(2024, 12, 12)),
        date(2025, 3, 3),
        evaluation=date(2025, 11, 3),
        closure=date(2025, 12, 15),
    )
    c.pilot(
        "colombey",
        "Communauté de Communes du Pays de Colombey et du Sud Toulois",
        ("Lou", "Bernard", "Chargée de mission numérique"),
        date(2024, 9, 5),
        (date(2024, 9, 23), date(2025, 1, 20)),
        date(2025, 4, 7),
        gap=8,
    )
    c.pilot(
        "bruche",
        "Communauté de Communes de la Vallée de la Bruche",
        ("Sacha", "Petit", "Directeur général des services"),
        date(2024, 9, 9),
        (date(2024, 9, 30), date(2025, 1, 31)),
        None,
        withdrawal=date(2024, 12, 16),
    )
    c.pilot(
        "sauer",
        "Communauté de Communes Sauer-Pechelbronn",
        ("Noa", "Lambert", "Chef de projet"),
        date(2024, 9, 10),
        (date(2024, 10, 1), date(2024, 12, 18)),
        date(2025, 4, 14),
        rex=(date(2024, 11, 28), date(2025, 3, 13)),
    )
    c.pilot(
        "pompey",
        "Communauté de Communes du Bassin de Pompey",
        ("Alix", "Moreau", "Responsable innovation"),
        date(2024, 9, 12),
        (date(2024, 10, 7), date(2024, 12, 20)),
        date(2025, 5, 5),
        days_logged=4.5,
    )
    c.pilot(
        "moselle",
        "Communauté de Communes Rives de Moselle",
        ("Eden", "Girard", "Chargé de mission"),
        date(2024, 9, 16),
        (date(2024, 10, 14), date(2024, 12, 16)),
        date(2025, 3, 17),
    )
    c.pilot(
        "ballons",
        "Communauté de Communes des Ballons des Hautes-Vosges",
        ("Maël", "Fontaine", "Secrétaire générale"),
        date(2024, 9, 18),
        (date(2024, 10, 21), date(2024, 12, 19)),
        date(2025, 7, 15),
        reports_until=date(2025, 10, 1),  # its December report never comes: R8 from 29 Dec
    )
    c.pilot(
        "barr",
        "Communauté de Communes du Pays de Barr",
        ("Lina", "Chevalier", "Responsable numérique"),
        date(2024, 9, 20),
        (date(2024, 10, 28), date(2024, 12, 17)),
        date(2025, 3, 10),
        evaluation=date(2025, 12, 1),
    )
    c.later(
        date(2025, 2, 10),
        "sauer",
        app.raise_alert,
        kind="confidentiality",
        description="Survey answers shared by mistake",
        on=date(2025, 2, 10),
        actor=referent("sauer"),
    )
    c.communication(
        "moselle",
        "Press release: the itinerant desk",
        date(2025, 5, 5),
        date(2025, 5, 12),
        approved=True,
        published=date(2025, 5, 20),
    )
    c.communication(
        "pompey",
        "Interview before the evaluation",
        date(2025, 9, 1),
        date(2025, 9, 8),
        approved=False,
        reason="Wait for the evaluation",
    )
    c.on(date(2025, 3, 20), lambda: _support(c))
    c.blocker(
        "ardenne",
        "No parking place for the itinerant desk",
        date(2025, 4, 2),
        date(2025, 4, 24),
        how="The town hall square, on market days",
    )
    return c


def _support(c: Cohort) -> None:
    """Ardenne: two solutions sourced, a funding line granted and one refused."""
    app, pilot, project = c.app, c.ids["ardenne"], c.projects["ardenne"]
    app.source_solution(
        pilot,
        project,
        name="Camping-car numérique équipé",
        provider="Mobil'Est (Reims)",
        regional=True,
        actor=LEAD,
    )
    app.source_solution(
        pilot,
        project,
        name="Prise de rendez-vous en ligne",
        provider="Éditeur national",
        regional=False,
        actor=LEAD,
    )
    granted = app.identify_funding(
        pilot,
        project,
        scheme="fne-call-for-projects",
        amount_eur=45000,
        eligible_cost_eur=75000,  # R16: 60 % of the eligible cost
        months=36,
        actor=LEAD,
    )
    refused = app.identify_funding(
        pilot,
        project,
        scheme="fne-call-for-projects",
        amount_eur=5000,  # R16: what the cap of 50,000 € over 36 months leaves
        eligible_cost_eur=10000,
        months=12,
        actor=LEAD,
    )
    # France Numérique Ensemble's call is not the Region's money: the agency records the
    # funder's decision (R15, the scheme's `funder` in the programme data).
    app.decide_funding(pilot, granted, granted=True, on=date(2025, 3, 20), actor=LEAD)
    app.decide_funding(pilot, refused, granted=False, on=date(2025, 3, 20), actor=LEAD)


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
