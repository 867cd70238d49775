"""The tick's dry run (`DeadlineScheduler.plan`, `parcours scheduler tick --dry-run`): what
`tick(now)` would record, purge and send, from the same rules over the same rows, with
nothing written (only reading transactions are opened).

It loads each due pilot from its events, where the tick judges most of them from their
queue rows (`cohort_tick.py`): the two agree because the rows are trusted only at the
pilot's last version, and the tests hold the plan equal to what the tick records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from parcours.audit import receipts
from parcours.domain.pilot import Pilot
from parcours.privacy import rights
from parcours.scheduler import cohort_tick
from parcours.scheduler.models import PlannedNotice, Recorded, TickPlan
from parcours.store import outbox, queue

if TYPE_CHECKING:
    from parcours.application import Parcours


def plan(
    app: Parcours,
    instant: datetime,
    batch: int,
    receivers: int,
    checkpoint_due: Callable[[datetime], bool],
) -> TickPlan:
    pipeline = app.pipeline
    with pipeline.reading() as session:
        due = queue.due(session, instant, 2**31 - 1)
    recorded: list[Recorded] = []
    purged: list[UUID] = []
    names: dict[UUID, str] = {}
    for pilot_id in map(UUID, due):
        pilot = pipeline.load(pilot_id)
        names[pilot_id] = pilot.name
        recorded.extend(owed(app, pilot, instant))
        if pilot.phase != "purged" and app.personal_data.retention_ended(pilot.programme, instant):
            purged.append(pilot_id)
    desks = [
        programme
        for programme in pipeline.programmes.known_ids()
        if _desk_would_purge(app, programme, instant)
    ]
    return TickPlan(
        now=instant,
        evaluated=len(due),
        would_record=recorded,
        would_purge=app.personal_data.plan(purged),
        would_purge_programme_contacts=desks,
        notices=_planned_notices(app, batch, recorded, names),
        receivers=receivers,
        would_checkpoint=checkpoint_due(instant),
        would_issue_receipt=receipts.due(pipeline.store, instant),
        would_rotate_keys=bool(purged or desks) or app.key_rotation.rotation_due(),
    )


def owed(app: Parcours, pilot: Pilot, now: datetime) -> list[Recorded]:
    """The facts the rules owe `pilot` at `now` and its history lacks (what the tick records)."""
    programme = app.programme(pilot.programme)
    return [
        cohort_tick.as_recorded(pilot.id, fact)
        for fact in cohort_tick.owed(programme, pilot.deadline_history(), pilot.deadline_marks, now)
    ]


def _desk_would_purge(app: Parcours, programme: str, now: datetime) -> bool:
    desk = app.programme_desk.desk(programme)
    definition = app.programme(programme)
    return desk is not None and desk.purged_on is None and rights.retention_ended(definition, now)


def _planned_notices(
    app: Parcours, batch: int, recorded: list[Recorded], names: dict[UUID, str]
) -> list[PlannedNotice]:
    pipeline = app.pipeline
    with pipeline.reading() as session:
        # Delivery goes on in rounds until none is left (scheduler/notices.py).
        pending = outbox.claimable(session, app.now(), 2**31 - 1)
    planned = [(c.notice_id, c.pilot_id, c.kind, c.rule, c.due, "pending") for c in pending] + [
        (
            outbox.notice_id(r.pilot_id, r.kind, r.rule, r.due, r.offset),
            r.pilot_id,
            r.kind,
            r.rule,
            r.due,
            "new",
        )
        for r in recorded
        if r.kind != "met"
    ]
    notices = []
    for notice_id, pilot_id, kind, rule, due, status in planned:
        view = app.pilots.view(pipeline.load(pilot_id))
        reached = sum(1 for c in view.contacts if c.current and c.status == "active")
        notices.append(
            PlannedNotice(
                notice_id=notice_id,
                pilot_id=pilot_id,
                pilot_name=names.get(pilot_id, view.name),
                kind=kind,
                rule=rule,
                due=due,
                recipients=reached,
                status=status,
            )
        )
    return notices
