"""The cohort's questions, each alert at its boundary, on SQLite and PostgreSQL (R3–R11)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from parcours import Parcours
from tests.support.roles import REFERENT_ID
from tests.support.scenarios import LEAD, enrolled, in_deployment, in_diagnostic


def _alerts(app: Parcours, today: date | datetime) -> dict[str, list[str]]:
    rows = app.dashboard(today=today, known_at=app.now()).rows
    assert len(rows) == 1
    found: dict[str, list[str]] = {}
    for alert in rows[0].alerts:
        found.setdefault(alert.rule, []).append(f"{alert.severity}: {alert.message}")
    return found


def test_r3_breach_starts_at_midnight_in_paris(app: Parcours) -> None:
    in_diagnostic(app)
    assert "R3" not in _alerts(app, datetime(2024, 12, 31, 22, 59, tzinfo=UTC))
    assert _alerts(app, datetime(2024, 12, 31, 23, 0, tzinfo=UTC))["R3"] == [
        "breach: diagnostic not finished by 2024-12-31"
    ]


def test_next_deadline_and_days_left(app: Parcours) -> None:
    in_diagnostic(app)
    row = app.dashboard(today=date(2024, 12, 1), known_at=app.now()).rows[0]
    assert row.next_deadline is not None
    assert (row.next_deadline.rule, row.next_deadline.days_left) == ("R3", 30)


def test_r4_mise_en_oeuvre_begun_by_framing_is_no_breach_after_the_second_quarter(
    app: Parcours,
) -> None:
    pilot = in_diagnostic(app)
    app.recommend_project(pilot, title="Portail", theme="e-administration", actor=LEAD)
    app.complete_diagnostic(pilot, on=date(2024, 12, 12), actor=LEAD)
    assert "R4" not in _alerts(app, date(2025, 6, 30))
    assert "R4" not in _alerts(app, date(2025, 7, 1))


def test_r4_breach_after_the_second_quarter_without_framing(app: Parcours) -> None:
    in_diagnostic(app)
    assert "R4" not in _alerts(app, date(2025, 6, 30))
    assert _alerts(app, date(2025, 7, 1))["R4"] == [
        "breach: mise en œuvre (framing) not started by 2025-06-30"
    ]


@pytest.mark.parametrize(
    ("meetings", "expected"),
    [
        (0, "breach: no follow-up meeting in 2025-04 (at least 1 a month)"),
        (1, None),
        (2, None),
        (3, "info: 3 follow-up meetings in 2025-04"),
    ],
)
def test_r5_a_month_with_0_to_3_follow_ups(
    app: Parcours, meetings: int, expected: str | None
) -> None:
    pilot, _ = in_deployment(app)
    app.record_follow_up(pilot, on=date(2025, 3, 20), actor=LEAD)
    for day in range(meetings):
        app.record_follow_up(pilot, on=date(2025, 4, 10 + day), actor=LEAD)
    app.record_follow_up(pilot, on=date(2025, 5, 20), actor=LEAD)
    found = _alerts(app, date(2025, 5, 25)).get("R5", [])
    assert found == ([expected] if expected else [])
    cadence = {
        c.month: (c.count, c.status)
        for c in app.follow_up_cadence(pilot, date(2025, 5, 25), known_at=app.now())
    }
    assert cadence["2025-04"][0] == meetings
    assert cadence["2025-05"] == (1, "ok")


@pytest.mark.parametrize(
    ("logged", "status"),
    [
        (2.5, "ok"),
        (2.75, "over"),
        (1.5, "ok"),
        (1.25, "under"),
    ],
)
def test_r6_at_25_percent_off_the_budget(app: Parcours, logged: float, status: str) -> None:
    pilot = in_diagnostic(app)
    app.log_time(pilot, days=logged, on=date(2024, 10, 8), actor=REFERENT_ID)
    line = app.time_budget(pilot, today=date(2025, 1, 15), known_at=app.now())[0]
    assert (line.period, line.budget, line.logged, line.status) == ("diagnostic", 2, logged, status)
    r6 = _alerts(app, date(2025, 1, 15)).get("R6", [])
    assert bool(r6) == (status != "ok")


def test_r7_at_risk_during_the_year_missed_after(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.record_rex(pilot, session="rex-2024", on=date(2024, 11, 28), actor=LEAD)
    app.record_rex(pilot, session="rex-2025-a", on=date(2025, 3, 1), actor=LEAD)
    during = app.rex_attendance(2025, today=date(2025, 6, 1), known_at=app.now())
    after = app.rex_attendance(2025, today=date(2026, 1, 1), known_at=app.now())
    assert [(r.attended, r.required, r.status) for r in during] == [(1, 2, "at risk")]
    assert [(r.attended, r.required, r.status) for r in after] == [(1, 2, "missed")]
    assert app.rex_attendance(2024, today=date(2025, 1, 1), known_at=app.now())[0].status == "met"


def test_r9_r10_r11_alerts(app: Parcours) -> None:
    pilot = enrolled(app)
    assert _alerts(app, date(2024, 9, 3))["R11"] == [
        "warning: no operational referent designated",
        "warning: no elected referent designated",
    ]
    app.raise_alert(
        pilot,
        kind="confidentiality",
        description="Data shared by mistake",
        on=date(2024, 9, 4),
        actor=REFERENT_ID,
    )
    app.request_communication(pilot, title="Press kit", on=date(2024, 9, 5), actor=REFERENT_ID)
    found = _alerts(app, date(2024, 9, 6))
    assert found["R9"] == ["warning: 1 warning(s) raised, latest on 2024-09-04 (confidentiality)"]
    assert found["R10"] == ["warning: 1 communication(s) awaiting the Region's decision"]


def test_erasing_the_operational_referent_raises_r11(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    operational = "warning: no operational referent designated"
    assert operational not in _alerts(app, date(2024, 10, 1))["R11"]
    app.erase_person(pilot, app.get_pilot(pilot, actor=LEAD).contacts[0].person_id, actor=LEAD)
    assert operational in _alerts(app, date(2024, 10, 1))["R11"]


def test_summary_counts_pilots_per_phase_and_rule(app: Parcours) -> None:
    in_diagnostic(app)
    enrolled(app, name="CC Pays Rhin-Brisach")
    summary = app.dashboard(today=date(2025, 1, 2), known_at=app.now()).summary
    assert summary.per_phase == {"diagnostic": 1, "charter_signed": 1}
    assert summary.with_alerts_per_rule["R3"] == 2
    assert summary.with_alerts_per_rule["R11"] == 2  # no elected referent on either


def test_ended_pilots_show_no_alerts(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.withdraw(pilot, reason="Council vote", on=date(2024, 10, 1), actor=LEAD)
    row = app.dashboard(today=date(2025, 7, 1), known_at=app.now()).rows[0]
    assert (row.phase, row.alerts, row.next_deadline) == ("withdrawn", [], None)
    assert app.rex_attendance(2025, today=date(2025, 7, 1), known_at=app.now()) == []


def test_live_read_models_equal_a_rebuild(app: Parcours) -> None:
    pilot, _ = in_deployment(app)
    app.record_follow_up(pilot, on=date(2025, 3, 20), actor=LEAD)
    before = app.dashboard(today=date(2025, 5, 1), known_at=app.now())
    assert app.check_projections().ok
    assert app.rebuild_projections() == app.event_count()
    assert app.dashboard(today=date(2025, 5, 1), known_at=app.now()) == before
