"""A synthetic cohort: pilots with a realistic 18-month history, built with the domain's own
commands and stored through the application's commit path (keys, chain, queue, timeline),
without the per-command overhead of the facade (fictional people, example.org)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import uuid4

from parcours import Parcours
from parcours.domain import deadline_state
from parcours.domain.pilot import Act, Pilot
from parcours.privacy import sealing
from parcours.store import grants, ledger, queue

NOW = datetime(2026, 1, 10, 9, tzinfo=UTC)
PROGRAMME = "grand-est-2024"
# R15: the agency the benchmarks act as (granted by `staffed`), and the referent of W.
AGENCY = "agency:bench"
REFERENT = "pilot:bench-w"


def staffed(app: Parcours) -> Parcours:
    """Grant the benchmarks' agency once per database (a new one is closed, R15)."""
    if not any(h.principal == AGENCY for h in app.principals()):
        app.grant(AGENCY, "agency", programme=PROGRAMME, actor=AGENCY)
    return app


def _act() -> Act:
    return Act(actor="bench:generator", at=NOW, today=NOW.date(), command_id=str(uuid4()))


def _months(start: date, count: int) -> Iterator[date]:
    year, month = start.year, start.month
    for _ in range(count):
        yield date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def build(app: Parcours, index: int, heavy: bool, logs: int = 1) -> tuple[Pilot, list[Any]]:
    """One pilot; about 150 events when heavy, 5 + `logs` when light (a light pilot stays in
    diagnostic: its R3 and R7 reminders fall on 1 December 2024, as the whole cohort's do)."""
    programme = app.programme(PROGRAMME)
    act = _act()
    pilot = Pilot.enroll(
        act,
        pilot_id=uuid4(),
        name=f"Communauté de communes n°{index:05d}",
        programme=PROGRAMME,
        siren=None,
        charter_signed_on=date(2024, 9, 2),
    )
    writes: list[Any] = []
    for role in ("operational", "elected"):
        person = str(uuid4())
        key = sealing.new_key()
        email = f"referent{index}.{role}@example.org"
        sealed = sealing.seal_fields(
            key,
            person,
            {
                "first_name": "Claude",
                "last_name": f"Exemple{index}",
                "email": email,
                "phone": "+33388000000",
                "title": "Chargé de mission",
            },
        )
        pilot.designate_referent(act, date(2024, 9, 3), person_id=person, role=role, sealed=sealed)
        writes.append(
            partial(
                app.pipeline.keys.add,
                person_id=person,
                pilot_id=str(pilot.id),
                key=key,
                email=email,
                now=NOW,
            )
        )
    pilot.start_diagnostic(act, date(2024, 9, 16))
    for day in range(logs):
        pilot.log_time(act, date(2024, 9, 16) + timedelta(days=day % 90), 0.25)
    projects = [str(uuid4()) for _ in range(2 if heavy else 1)]
    for n, project in enumerate(projects):
        pilot.recommend_project(
            act, programme, project_id=project, title=f"Projet {n}", theme="digital-inclusion"
        )
    if heavy:
        for day in range(12):
            pilot.log_time(act, date(2024, 10, 1) + timedelta(days=5 * day), 0.25)
        pilot.record_rex(act, date(2024, 11, 28), "rex-2024")
        pilot.complete_diagnostic(act, date(2024, 12, 12))
        indicator = {
            "key": "people_helped",
            "label": "People helped",
            "unit": "persons",
            "target": 300.0,
        }
        for project in projects:
            pilot.frame_project(
                act,
                project_id=project,
                indicators=[indicator],
                evaluation_protocol="Quarterly count",
            )
        pilot.start_deployment(act, date(2025, 3, 3))
        for month in _months(date(2025, 3, 1), 10):
            for day in (5, 20):
                pilot.record_follow_up(act, month.replace(day=day))
            for day in (3, 8, 13, 18, 23, 27):
                pilot.log_time(act, month.replace(day=day), 0.5)
            for project in projects:
                pilot.report_indicator(
                    act,
                    project_id=project,
                    key="people_helped",
                    value=float(month.month * 10),
                    period=f"{month:%Y-%m}",
                    on=month.replace(day=25),
                )
        for session in ("rex-2025-a", "rex-2025-b"):
            pilot.record_rex(act, date(2025, 6, 12), session)
        pilot.raise_alert(
            act,
            date(2025, 4, 2),
            alert_id=str(uuid4()),
            kind="change",
            description="Referent on leave",
        )
        for approved in (True, False):
            comm = str(uuid4())
            pilot.request_communication(
                act, date(2025, 5, 5), communication_id=comm, title="Press release"
            )
            pilot.decide_communication(
                act, date(2025, 5, 12), communication_id=comm, approved=approved, reason=None
            )
        pilot.start_evaluation(act, date(2025, 12, 1))
        pilot.record_evaluation(
            act, findings="Reached 3 villages a week", recommendations="Extend", replicable=True
        )
    # as a command does: the queue row keeps what the deadline rules read of the pilot
    writes.append(
        partial(
            queue.schedule,
            pilot_id=str(pilot.id),
            at=queue.ASAP,
            rules=deadline_state.encode(pilot),
            version=pilot.version,
        )
    )
    writes.append(
        partial(ledger.record_version, pilot_id=str(pilot.id), version=pilot.version, at=NOW)
    )
    # as an enrolment does: the checks of R15 find the pilot's programme without loading it
    writes.append(partial(grants.remember_pilot, pilot_id=str(pilot.id), programme=PROGRAMME))
    return pilot, writes


def load(
    app: Parcours,
    count: int,
    heavy: bool,
    start: int = 0,
    batch: int = 20,
    project: bool = True,
    logs: int = 1,
) -> int:
    """Store `count` pilots, `batch` per transaction; returns the events stored."""
    stored = 0
    for first in range(start, start + count, batch):
        last = min(first + batch, start + count)
        built = [build(app, i, heavy, logs) for i in range(first, last)]
        with app.pipeline.writing() as session:
            for _pilot, writes in built:
                for write in writes:
                    write(session)
            app.pipeline.store.save(*[pilot for pilot, _ in built])
        stored += sum(pilot.version for pilot, _ in built)
    if project:
        app.catch_up_projections()
    return stored
