"""As of, everywhere (issue 20): `today=` is the cohort as recorded at the end of that day in
Europe/Paris, on SQLite and PostgreSQL. "Recorded" is when the clock says the act was
recorded, not the business date typed with it."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

import pytest

from parcours import Parcours, PilotNotFound
from tests.conftest import PARIS, Clock
from tests.support.scenarios import INDICATOR, LEAD, REFERENT, REFERENT_ID, REGION, with_referent

LATER = date(2025, 2, 3)


def _enrolled(app: Parcours, clock: Clock, name: str, day: date, at: time = time(10)) -> UUID:
    clock.set(day, at)
    pilot = app.enroll(name=name, programme="grand-est-2024", charter_signed_on=day, actor=LEAD)
    app.designate_referent(pilot, actor=LEAD, **REFERENT)
    return with_referent(app, pilot)


def _names(app: Parcours, today: date) -> list[str]:
    return [r.name for r in app.dashboard(today=today).rows]


def test_a_pilot_enrolled_on_2_october_is_absent_as_of_30_september(
    app: Parcours, clock: Clock
) -> None:
    _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    late = _enrolled(app, clock, "CC Argonne", date(2024, 10, 2))
    clock.set(LATER)
    board = app.dashboard(today=date(2024, 9, 30))
    assert [r.name for r in board.rows] == ["CC Ardenne"]
    assert (board.today, board.summary.pilots) == (date(2024, 9, 30), 1)
    assert _names(app, date(2024, 10, 2)) == ["CC Ardenne", "CC Argonne"]
    assert [line.name for line in app.rex_attendance(2024, today=date(2024, 9, 30))] == [
        "CC Ardenne"
    ]
    # Its own questions, as of before its enrolment: it was not there yet.
    for ask in (app.time_budget, app.follow_up_cadence, app.indicators):
        with pytest.raises(PilotNotFound, match="introuvable au 2024-09-30"):
            ask(late, today=date(2024, 9, 30))
    on_the_day = app.time_budget(late, today=date(2024, 10, 2))
    assert on_the_day == app.time_budget(late, today=date(2024, 10, 2), known_at=app.now())


def test_a_phase_started_in_december_is_not_shown_as_of_october(
    app: Parcours, clock: Clock
) -> None:
    pilot = _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    clock.set(date(2024, 9, 16))
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    clock.set(date(2024, 10, 8))
    app.log_time(pilot, days=1.5, on=date(2024, 10, 8), actor=REFERENT_ID)
    clock.set(date(2024, 12, 12))
    project = app.recommend_project(pilot, title="Guichet", theme="digital-inclusion", actor=LEAD)
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    app.frame_project(
        pilot, project, indicators=[INDICATOR], evaluation_protocol="Count", actor=LEAD
    )
    clock.set(LATER)
    app.log_time(pilot, days=0.5, on=date(2024, 10, 9), actor=REFERENT_ID)  # typed late

    [row] = app.dashboard(today=date(2024, 10, 31)).rows
    assert (row.phase, row.phase_since) == ("diagnostic", date(2024, 9, 16))
    assert row.next_deadline is not None
    assert row.next_deadline.rule == "R3"
    [diagnostic] = app.time_budget(pilot, today=date(2024, 10, 31))
    assert diagnostic.logged == 1.5  # the half day typed in February was not recorded yet
    assert app.indicators(pilot, today=date(2024, 10, 31)) == []  # framed in December
    [row] = app.dashboard(today=date(2024, 12, 12)).rows
    assert (row.phase, row.phase_since) == ("framing", date(2024, 12, 12))
    assert [i.key for i in app.indicators(pilot, today=date(2024, 12, 12))] == ["people_helped"]
    # The same day as we know it now: the late half day counts where it was worked (R6).
    now = app.time_budget(pilot, today=date(2024, 10, 31), known_at=app.now())
    assert now[0].logged == 2.0


def test_recorded_is_the_clock_s_instant_not_the_business_date(app: Parcours, clock: Clock) -> None:
    pilot = _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    clock.set(date(2024, 9, 16))
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    project = app.recommend_project(pilot, title="Guichet", theme="digital-inclusion", actor=LEAD)
    clock.set(date(2025, 1, 6))  # the diagnostic ended on 12 December, typed in January
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    clock.set(LATER)
    # As recorded on the evening of 1 January, the pilot was still in diagnostic: R3 breached.
    [row] = app.dashboard(today=date(2025, 1, 1)).rows
    assert row.phase == "diagnostic"
    assert "R3" in {a.rule for a in row.alerts}
    # As we know it now, it left the diagnostic on 12 December: no breach.
    [row] = app.dashboard(today=date(2025, 1, 1), known_at=app.now()).rows
    assert (row.phase, row.phase_since) == ("framing", date(2024, 12, 12))
    assert "R3" not in {a.rule for a in row.alerts}
    assert project  # recommended in diagnostic, as the charter wants


def test_the_day_ends_at_midnight_in_paris(app: Parcours, clock: Clock) -> None:
    # 23:30 in Paris on 30 September is 21:30 UTC: that day's. 00:30 on 1 October is 22:30
    # UTC on 30 September: the next day's.
    _enrolled(app, clock, "CC Ardenne", date(2024, 9, 30), time(23, 30))
    _enrolled(app, clock, "CC Argonne", date(2024, 10, 1), time(0, 30))
    clock.set(LATER)
    assert _names(app, date(2024, 9, 29)) == []
    assert _names(app, date(2024, 9, 30)) == ["CC Ardenne"]
    assert _names(app, date(2024, 10, 1)) == ["CC Ardenne", "CC Argonne"]


def test_today_and_later_days_read_the_read_models(app: Parcours, clock: Clock) -> None:
    _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    clock.set(LATER)
    today = app.today()
    assert app.cohort.cut(None) is None
    assert app.cohort.cut(today) is None
    assert app.cohort.cut(date(2026, 1, 5)) is None  # a future day: today's state
    cut = app.cohort.cut(date(2025, 2, 2))
    assert cut is not None
    assert cut.end(app.programme("grand-est-2024")) == datetime(
        2025, 2, 2, 23, 59, 59, 999999, tzinfo=PARIS
    )
    assert app.dashboard(today=today) == app.dashboard()
    # A future day: the pilots of today, the rules judged on that day.
    future = app.dashboard(today=date(2025, 12, 2))
    assert [r.name for r in future.rows] == ["CC Ardenne"]
    assert "R2" in {a.rule for a in future.rows[0].alerts}  # the end approaches (from 2 Dec)


def test_the_report_of_a_past_day_shows_the_cohort_of_that_day(app: Parcours, clock: Clock) -> None:
    _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    _enrolled(app, clock, "CC Argonne", date(2024, 10, 2))
    clock.set(LATER)
    then = app.report_html(today=date(2024, 9, 30))
    assert "CC Ardenne" in then
    assert "CC Argonne" not in then
    assert "CC Argonne" in app.report_html(today=date(2024, 10, 2))
    assert "CC Argonne" in app.report_html(today=date(2024, 9, 30), known_at=app.now())


def test_programme_contacts_are_taken_as_recorded_too(app: Parcours, clock: Clock) -> None:
    _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    clock.set(date(2024, 11, 4))
    for organisation in ("region", "agency"):
        app.designate_programme_contact(
            "grand-est-2024",
            organisation=organisation,
            first_name="Alex",
            last_name="Durand",
            email=f"alex.{organisation}@example.org",
            phone="+33 3 00 00 00 00",
            title="Chef de projet",
            actor=LEAD,
        )
    clock.set(LATER)
    assert [a.rule for a in app.dashboard(today=date(2024, 10, 1)).programme_alerts] == [
        "R11",
        "R11",
    ]
    assert app.dashboard(today=date(2024, 11, 4)).programme_alerts == []


def test_what_the_report_reads_is_pinned_to_the_day(app: Parcours, clock: Clock) -> None:
    """The report reads through `as_of(day)`: the sessions scheduled, the attendance and the
    publications (R7, R10) recorded by the end of that day, not those recorded since."""
    pilot = _enrolled(app, clock, "CC Ardenne", date(2024, 9, 2))
    clock.set(date(2024, 9, 16))
    app.start_diagnostic(pilot, on=date(2024, 9, 16), actor=LEAD)
    clock.set(date(2024, 10, 15))
    session = app.schedule_rex(
        "grand-est-2024", on=date(2024, 11, 28), kind="collective", title="REX", actor=LEAD
    )
    news = app.request_communication(
        pilot, title="Communiqué", on=date(2024, 10, 15), actor=REFERENT_ID
    )
    clock.set(date(2024, 11, 28))
    app.record_rex(pilot, session=str(session), actor=LEAD)
    app.decide_communication(pilot, news, approved=True, on=date(2024, 11, 28), actor=REGION)
    app.publish_communication(
        pilot, news, graphic_charter_respected=True, on=date(2024, 11, 28), actor=REFERENT_ID
    )
    clock.set(LATER)

    october = app.cohort.as_of(date(2024, 10, 1))
    assert october.rex_sessions() == []
    assert october.published_communications(str(pilot)) == []
    mid = app.cohort.as_of(date(2024, 10, 15))
    assert [(s.title, s.attended_by) for s in mid.rex_sessions()] == [("REX", [])]
    assert mid.published_communications(str(pilot)) == []
    after = app.cohort.as_of(date(2024, 11, 28))
    assert [s.attended_by for s in after.rex_sessions()] == [["CC Ardenne"]]
    assert after.published_communications(str(pilot)) == [True]
    assert app.cohort.as_of(None) is app.cohort  # today: the read models themselves
