"""`parcours demo`: a Grand Est cohort played on a simulated clock (fictional people)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from rich.console import Console

from parcours.application import Parcours
from parcours.render import cohort_table

PARIS = ZoneInfo("Europe/Paris")
LEAD = "agency:project-lead"
REFERENT = "pilot:referent"
REGION = "region:project-lead"


class SimulatedClock:
    """Stands for "now"; the scenario moves it forward day by day."""

    def __init__(self, start: date) -> None:
        self.now = datetime.combine(start, time(9), PARIS)

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date) -> date:
        self.now = max(self.now, datetime.combine(day, time(9), PARIS))
        return day


def play(path: str, console: Console) -> Parcours:
    db = Path(path)
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    clock = SimulatedClock(date(2024, 9, 1))
    app = Parcours(f"sqlite:///{db}", clock=clock)

    def enroll(name: str, signed: date, person: tuple[str, str, str]) -> UUID:
        pilot = app.enroll(
            name=name, programme="grand-est-2024", charter_signed_on=clock.to(signed), actor=LEAD
        )
        first, last, function = person
        app.designate_referent(
            pilot,
            role="operational",
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.org".lower(),
            phone="+33 3 26 00 00 00",
            title=function,
            actor=LEAD,
        )
        return pilot

    ardenne = enroll(
        "Communauté de Communes Ardenne Rives de Meuse",
        date(2024, 9, 2),
        ("Camille", "Martin", "Responsable TIC"),
    )
    colombey = enroll(
        "Communauté de Communes du Pays de Colombey et du Sud Toulois",
        date(2024, 9, 5),
        ("Lou", "Bernard", "Chargée de mission numérique"),
    )
    bruche = enroll(
        "Communauté de Communes de la Vallée de la Bruche",
        date(2024, 9, 9),
        ("Sacha", "Petit", "Directeur général des services"),
    )

    for pilot, started in (
        (ardenne, date(2024, 9, 16)),
        (colombey, date(2024, 9, 23)),
        (bruche, date(2024, 9, 30)),
    ):
        app.start_diagnostic(pilot, on=clock.to(started), actor=LEAD)
    app.log_time(ardenne, days=1.5, on=clock.to(date(2024, 10, 8)), actor=REFERENT)
    app.log_time(colombey, days=0.5, on=clock.to(date(2024, 10, 15)), actor=REFERENT)
    desk = app.recommend_project(
        ardenne, title="Guichet numérique itinérant", theme="digital-inclusion", actor=LEAD
    )
    mobility = app.recommend_project(
        colombey,
        title="Plateforme de mobilité verte partagée",
        theme="connected-territories",
        actor=LEAD,
    )
    app.record_rex(
        ardenne, session="rex-2024-collective", on=clock.to(date(2024, 11, 28)), actor=LEAD
    )
    app.record_rex(
        colombey, session="rex-2024-collective", on=clock.to(date(2024, 11, 28)), actor=LEAD
    )
    app.complete_diagnostic(ardenne, on=clock.to(date(2024, 12, 12)), actor=LEAD)
    app.withdraw(
        bruche,
        reason="Municipal merger postponed the project",
        on=clock.to(date(2024, 12, 16)),
        actor=LEAD,
    )
    # Colombey finishes its diagnostic late (R3: due 31 December 2024).
    app.complete_diagnostic(colombey, on=clock.to(date(2025, 1, 20)), actor=LEAD)

    app.frame_project(
        ardenne,
        desk,
        indicators=[
            {"key": "people_helped", "label": "People helped", "unit": "persons", "target": 300}
        ],
        evaluation_protocol="Quarterly count from the mediation log",
        actor=LEAD,
    )
    app.frame_project(
        colombey,
        mobility,
        indicators=[{"key": "trips", "label": "Shared trips", "unit": "trips", "target": 1200}],
        evaluation_protocol="Monthly export of the booking platform",
        actor=LEAD,
    )
    app.start_deployment(ardenne, on=clock.to(date(2025, 3, 3)), actor=LEAD)
    app.start_deployment(colombey, on=clock.to(date(2025, 4, 7)), actor=LEAD)
    for month in range(3, 12):
        app.record_follow_up(ardenne, on=clock.to(date(2025, month, 20)), actor=LEAD)
        if month >= 4 and month != 8:  # Colombey skips August (R5 shortfall)
            app.record_follow_up(colombey, on=clock.to(date(2025, month, 22)), actor=LEAD)
    app.raise_alert(
        ardenne,
        kind="change",
        description="Referent on leave until May",
        on=clock.to(date(2025, 4, 2)),
        actor=REFERENT,
    )
    news = app.request_communication(
        ardenne,
        title="Press release: the itinerant desk",
        on=clock.to(date(2025, 5, 5)),
        actor=REFERENT,
    )
    app.decide_communication(
        ardenne, news, approved=True, on=clock.to(date(2025, 5, 12)), actor=REGION
    )
    app.publish_communication(ardenne, news, on=clock.to(date(2025, 5, 20)), actor=REFERENT)
    for quarter, value in (("2025-Q2", 74), ("2025-Q3", 160)):
        app.report_indicator(
            ardenne, desk, key="people_helped", value=value, period=quarter, actor=REFERENT
        )
    app.report_indicator(
        colombey, mobility, key="trips", value=410, period="2025-Q3", actor=REFERENT
    )
    app.start_evaluation(ardenne, on=clock.to(date(2025, 11, 3)), actor=LEAD)
    app.record_evaluation(
        ardenne,
        findings="The itinerant desk reached 3 villages a week",
        recommendations="Extend to the neighbouring EPCI",
        replicable=True,
        actor=LEAD,
    )
    app.close(ardenne, on=clock.to(date(2025, 12, 15)), actor=LEAD)

    views = [app.get_pilot(p.id) for p in app.list_pilots()]
    console.print(cohort_table(views, title=f"Grand Est 2024 cohort on {clock.now.date()}"))
    console.print(f"{app.event_count()} events recorded in {db}")
    return app
