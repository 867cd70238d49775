"""Deadlines recorded as events, once, with their rule id (R3–R7, R13), on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from parcours import Parcours
from parcours.scheduler import DeadlineScheduler, Notice, TickReport
from parcours.store.schema import outbox
from tests.conftest import Clock
from tests.support.scenarios import LEAD, enrolled, in_diagnostic


def _deadline_events(app: Parcours, pilot: object) -> list[tuple[str, object, object]]:
    return [
        (e.event_type, e.fields.get("rule"), e.fields.get("due"))
        for e in app.history(pilot, actor=LEAD)
        if e.event_type.startswith(("Deadline", "Retention"))
    ]


def tick(scheduler: DeadlineScheduler, clock: Clock, at: datetime) -> TickReport:
    """The clock reaches `at` first: a tick may not run ahead of the clock (issue 18)."""
    clock.now = at
    return scheduler.tick(at)


@pytest.fixture
def early(clock: Clock) -> Clock:
    clock.set(date(2024, 9, 20))
    return clock


def test_r3_breach_at_midnight_in_paris_once(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    on_time = tick(scheduler, early, datetime(2024, 12, 31, 22, 59, tzinfo=UTC))
    assert not [r for r in on_time.recorded if r.kind == "missed"]
    late = tick(scheduler, early, datetime(2024, 12, 31, 23, 0, tzinfo=UTC))
    assert {(r.kind, r.rule) for r in late.recorded} == {("missed", "R3"), ("missed", "R7")}
    again = tick(scheduler, early, datetime(2025, 1, 2, tzinfo=UTC))
    assert again.recorded == []
    counts = Counter(_deadline_events(app, pilot))
    assert counts[("DeadlineMissed", "R3", date(2024, 12, 31))] == 1


def test_a_reminder_on_christmas_comes_on_the_24th(app: Parcours, early: Clock) -> None:
    in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    tick(scheduler, early, datetime(2024, 12, 20, tzinfo=UTC))
    report = tick(scheduler, early, datetime(2024, 12, 24, 8, tzinfo=UTC))
    assert {(r.rule, r.offset) for r in report.recorded} == {("R3", 7), ("R7", 7)}


def test_a_met_deadline_is_recorded_as_met(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    app.recommend_project(pilot, title="Portail", theme="e-administration", actor=LEAD)
    early.set(date(2024, 12, 12))
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    report = tick(DeadlineScheduler(app), early, datetime(2024, 12, 12, 18, tzinfo=UTC))
    assert ("met", "R3") in {(r.kind, r.rule) for r in report.recorded}


def test_downtime_is_caught_up_once(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    report = tick(scheduler, early, datetime(2025, 8, 1, tzinfo=UTC))
    kinds = Counter((r.kind, r.rule) for r in report.recorded)
    assert kinds[("missed", "R3")] == 1
    assert kinds[("missed", "R4")] == 1
    assert kinds[("approaching", "R4")] == 2  # both reminders, late but recorded
    assert tick(scheduler, early, datetime(2025, 8, 2, tzinfo=UTC)).recorded == []
    assert len(_deadline_events(app, pilot)) == len(report.recorded)


def test_a_tick_evaluates_only_what_is_due(app: Parcours, early: Clock) -> None:
    for i in range(5):
        enrolled(app, name=f"CC {i}")
    scheduler = DeadlineScheduler(app)
    first = tick(scheduler, early, datetime(2024, 9, 21, tzinfo=UTC))
    assert first.evaluated == 5  # each was touched by its enrolment
    assert tick(scheduler, early, datetime(2024, 9, 22, tzinfo=UTC)).evaluated == 0


def test_a_failing_callback_is_retried_without_recording_twice(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    received: list[Notice] = []
    broken = {"on": True}

    @scheduler.on_notice
    def send(notice: Notice) -> None:
        if broken["on"]:
            raise ConnectionError("mail server down")
        received.append(notice)

    first = tick(scheduler, early, datetime(2024, 12, 2, tzinfo=UTC))
    assert first.failed_deliveries == 2
    assert received == []
    broken["on"] = False
    second = tick(scheduler, early, datetime(2024, 12, 3, tzinfo=UTC))
    assert second.recorded == []
    assert second.delivered == 2
    assert {(n.rule, n.kind) for n in received} == {("R3", "approaching"), ("R7", "approaching")}
    assert received[0].recipients[0]["email"] == "camille.martin@example.org"
    assert tick(scheduler, early, datetime(2024, 12, 4, tzinfo=UTC)).delivered == 0
    assert len(_deadline_events(app, pilot)) == 2


def test_notices_delivered_over_several_rounds_are_each_marked_once(
    app: Parcours, early: Clock
) -> None:
    """Rounds of two notices: each round's marks ride with the next round's claim, the last
    round's on their own; none is handed over twice, and the pilot's two notices name the
    same people (unsealed once a round)."""
    for _ in range(3):
        in_diagnostic(app)
    scheduler = DeadlineScheduler(app, batch=2)
    received: list[Notice] = []
    scheduler.on_notice(received.append)
    report = tick(scheduler, early, datetime(2024, 12, 2, tzinfo=UTC))
    assert report.delivered == len(received) == 6
    assert len({n.notice_id for n in received}) == 6
    assert all(n.recipients == received[0].recipients for n in received)
    assert received[0].recipients is not received[1].recipients
    assert tick(scheduler, early, datetime(2024, 12, 3, tzinfo=UTC)).delivered == 0


class Stopped(BaseException):
    """The process told to stop (as SystemExit or KeyboardInterrupt), not a failed delivery."""


def test_notices_handed_over_before_an_interruption_stay_delivered(
    app: Parcours, early: Clock
) -> None:
    """A callback that stops the process (not an error it reports) mid-round: the notices
    it had already taken are marked delivered on the way out, the rest are delivered once
    their lease is over."""
    for _ in range(3):
        in_diagnostic(app)
    scheduler = DeadlineScheduler(app, batch=3)  # six notices: two rounds
    received: list[Notice] = []
    stops = [True]

    @scheduler.on_notice
    def send(notice: Notice) -> None:
        if len(received) == 4 and stops:  # the second round's second notice, once
            stops.pop()
            raise Stopped
        received.append(notice)

    with pytest.raises(Stopped):
        tick(scheduler, early, datetime(2024, 12, 2, tzinfo=UTC))
    assert len(received) == 4
    soon = tick(scheduler, early, datetime(2024, 12, 2, 0, 1, tzinfo=UTC))  # leased still
    assert soon.delivered == 0
    later = tick(scheduler, early, datetime(2024, 12, 2, 1, tzinfo=UTC))  # the lease is over
    assert later.delivered == 2
    assert len({n.notice_id for n in received}) == len(received) == 6


def test_an_objecting_person_is_left_out_of_notices(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    app.record_objection(pilot, app.get_pilot(pilot, actor=LEAD).contacts[0].person_id, actor=LEAD)
    scheduler = DeadlineScheduler(app)
    received: list[Notice] = []
    scheduler.on_notice(received.append)
    tick(scheduler, early, datetime(2024, 12, 2, tzinfo=UTC))
    assert received
    assert all(n.recipients == [] for n in received)


def test_retention_notice_then_purge_once(app: Parcours, early: Clock) -> None:
    pilot = in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    tick(scheduler, early, datetime(2026, 1, 1, tzinfo=UTC))
    notice = tick(scheduler, early, datetime(2026, 1, 16, 8, tzinfo=UTC))
    assert [(r.rule, r.offset) for r in notice.recorded] == [("R13", 14)]
    assert tick(scheduler, early, datetime(2026, 1, 31, 22, 59, tzinfo=UTC)).purged == []
    purge = tick(scheduler, early, datetime(2026, 1, 31, 23, 0, tzinfo=UTC))
    assert purge.purged == [pilot]
    assert tick(scheduler, early, datetime(2026, 2, 2, tzinfo=UTC)).purged == []
    assert app.get_pilot(pilot, actor=LEAD).phase == "purged"
    types = [e.event_type for e in app.history(pilot, actor=LEAD)]
    assert types.count("RetentionNoticeDue") == 1
    assert types.count("PersonalDataPurged") == 1


def test_a_batch_hands_its_notices_over_right_after_its_commit(app: Parcours, early: Clock) -> None:
    """Issue 23: a batch writes its notices claimed by this scheduler and delivers them after
    its commit, not after the whole tick; when a notice is handed over, its fact is
    committed and its row is held (a lease), and once the tick is done every row is marked
    delivered exactly once, the last batch's marks included."""
    pilots = [in_diagnostic(app) for _ in range(3)]
    scheduler = DeadlineScheduler(app, batch=2)
    seen: list[tuple[Notice, int, tuple[object, ...]]] = []
    recorded_so_far: list[int] = []  # pilots whose facts are committed, at each notice

    @scheduler.on_notice
    def send(notice: Notice) -> None:
        with app.pipeline.reading() as session:
            row = session.execute(
                select(outbox.c.claimed_by, outbox.c.claimed_until, outbox.c.delivered_at).where(
                    outbox.c.pilot_id == str(notice.pilot_id), outbox.c.rule == notice.rule
                )
            ).one()
        committed = len(_deadline_events(app, notice.pilot_id))
        seen.append((notice, committed, tuple(row)))
        recorded_so_far.append(sum(1 for p in pilots if _deadline_events(app, p)))

    report = tick(scheduler, early, datetime(2024, 12, 2, tzinfo=UTC))
    assert report.delivered == len(seen) == 6
    assert {n.pilot_id for n, _, _ in seen} == set(pilots)
    assert all(committed == 2 for _, committed, _ in seen)  # both facts, committed
    assert recorded_so_far == [2] * 4 + [3] * 2  # the first batch's, before the second's
    assert all(
        by is not None and until is not None and at is None for _, _, (by, until, at) in seen
    )
    with app.pipeline.reading() as session:
        rows = session.execute(select(outbox.c.claimed_by, outbox.c.delivered_at)).all()
    assert len(rows) == 6
    assert all(by is None and at is not None for by, at in rows)
    assert tick(scheduler, early, datetime(2024, 12, 3, tzinfo=UTC)).delivered == 0


def test_notices_of_a_pilot_purged_by_the_same_tick_name_nobody(
    app: Parcours, early: Clock
) -> None:
    """R13: a tick that records a pilot's breaches and ends its retention delivers their
    notices after the purge: a batch does not hand them over first with the names."""
    in_diagnostic(app)
    scheduler = DeadlineScheduler(app)
    received: list[Notice] = []
    scheduler.on_notice(received.append)
    report = tick(scheduler, early, datetime(2026, 2, 2, tzinfo=UTC))
    assert report.purged
    assert report.recorded
    assert received
    assert len(received) == report.delivered
    assert all(n.recipients == [] for n in received)
    assert "camille.martin@example.org" not in repr(received)
