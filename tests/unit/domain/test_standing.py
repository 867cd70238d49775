"""The standing of a pilot (parcours.domain.standing) on a cohort row built by hand: each test names
the charter sentence and the day that tells the right rule from a wrong one (the mutants
`make mutate` found alive in standing.py, tests/MUTATION.md).

The row is the cohort read model's (projections.pilots); the programme is Grand Est's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from parcours.domain import standing
from parcours.domain.standing_views import Alert, DashboardRow
from parcours.programme import load_programme

PARIS = ZoneInfo("Europe/Paris")
GRAND_EST = load_programme("grand-est-2024")
PILOT = "6f1c2a57-3a0e-4d0b-9d3e-2f8a1c0b7e11"
PROJECT = "0b9e7c44-8f5e-4a61-a2d4-5c7d9e1f3a20"
DEPLOYED = [
    ["charter_signed", "2024-09-02"],
    ["diagnostic", "2024-09-16"],
    ["framing", "2024-12-12"],
    ["deployment", "2025-03-01"],
]


def row(**changes: Any) -> dict[str, Any]:
    """A pilot in deployment since 1 March 2025, both referents designated, nothing else."""
    found: dict[str, Any] = {
        "pilot_id": PILOT,
        "name": "CC Ardenne Rives de Meuse",
        "programme": GRAND_EST.id,
        "phase": "deployment",
        "phase_since": date(2025, 3, 1),
        "phase_history": DEPLOYED,
        "follow_ups": [],
        "rex": {},
        "time_logs": [],
        "warnings": [],
        "communications": {},
        "marks": [],
        "blockers": {},
        "solutions": {},
        "operational_referent": 1,
        "elected_referent": 1,
        "indicators": {},
    }
    found.update(changes)
    return found


def paris(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def alerts_of(rule: str, pilot: dict[str, Any], at: datetime) -> list[Alert]:
    return [a for a in standing.dashboard_row(GRAND_EST, pilot, at).alerts if a.rule == rule]


# R5: « 1 à 2 temps de suivi par mois »


def test_r5_a_meeting_on_the_first_and_one_on_the_last_day_of_a_month_count_in_that_month() -> None:
    pilot = row(follow_ups=["2025-04-01", "2025-05-31"])
    cadence = {c.month: c for c in standing.follow_up_cadence(GRAND_EST, pilot, date(2025, 6, 10))}
    assert (cadence["2025-04"].count, cadence["2025-04"].status) == (1, "ok")
    assert (cadence["2025-05"].count, cadence["2025-05"].status) == (1, "ok")


def test_r5_on_30_june_a_june_without_meeting_is_in_progress_not_a_shortfall() -> None:
    # The month is not over until its last day has passed: a meeting may still be held today.
    pilot = row(follow_ups=["2025-03-10", "2025-04-10", "2025-05-10"])
    cadence = {c.month: c for c in standing.follow_up_cadence(GRAND_EST, pilot, date(2025, 6, 30))}
    assert (cadence["2025-06"].count, cadence["2025-06"].status) == (0, "in progress")
    assert alerts_of("R5", pilot, paris(date(2025, 6, 30))) == []
    # The next day it is one.
    assert [a.message for a in alerts_of("R5", pilot, paris(date(2025, 7, 1)))] == [
        "no follow-up meeting in 2025-06 (at least 1 a month)"
    ]


def test_r5_each_month_says_how_many_of_its_days_the_mise_en_oeuvre_covered() -> None:
    # Deployment from 17 March 2025: March is covered 15 days (17-31), April all its 30.
    history = [*DEPLOYED[:3], ["deployment", "2025-03-17"]]
    pilot = row(phase_history=history, follow_ups=["2025-03-20", "2025-04-10"])
    cadence = {c.month: c for c in standing.follow_up_cadence(GRAND_EST, pilot, date(2025, 5, 2))}
    assert (cadence["2025-03"].covered_days, cadence["2025-03"].status) == (15, "ok")
    assert cadence["2025-04"].covered_days == 30
    # Framing before the programme's `framing_judged_from` counts its days of deployment only.
    assert (cadence["2024-12"].covered_days, cadence["2024-12"].status) == (0, "not judged")


# R6: « 2 jours par mois en phase de déploiement de projet »


def test_r6_a_deployment_month_ending_today_is_in_progress_not_under_budget() -> None:
    pilot = row(time_logs=[["2025-03-10", 2, "deployment"], ["2025-04-10", 0.5, "deployment"]])
    lines = {b.period: b for b in standing.time_budget(GRAND_EST, pilot, date(2025, 4, 30))}
    assert lines["2025-04"].status == "in progress"
    assert lines["2025-04"].delta == -1.5
    # The next day April is over, and 0.5 of 2 days is under budget.
    after = {b.period: b for b in standing.time_budget(GRAND_EST, pilot, date(2025, 5, 1))}
    assert after["2025-04"].status == "under"


def test_r6_a_partial_month_shows_its_gap_to_the_hundredth_of_a_day() -> None:
    # Deployment from 22 March 2025: March's budget is 2 x 10/31 = 0.65 day; 1 day logged.
    history = [*DEPLOYED[:3], ["deployment", "2025-03-22"]]
    pilot = row(phase_history=history, time_logs=[["2025-03-25", 1, "deployment"]])
    march = next(
        b
        for b in standing.time_budget(GRAND_EST, pilot, date(2025, 4, 15))
        if b.period == "2025-03"
    )
    assert (march.budget, march.logged, march.delta, march.status) == (0.65, 1.0, 0.35, "over")


def test_r6_on_15_may_2025_the_diagnostic_and_april_over_budget_march_under() -> None:
    pilot = row(
        time_logs=[
            ["2024-10-01", 3, "diagnostic"],
            ["2025-03-10", 0.5, "deployment"],
            ["2025-04-10", 3, "deployment"],
        ]
    )
    found = alerts_of("R6", pilot, paris(date(2025, 5, 15)))
    assert [(a.severity, a.key, a.message) for a in found] == [
        ("info", "r6_over", "over budget: diagnostic 3/2 d, 2025-04 3/2 d"),
        ("info", "r6_under", "under budget: 2025-03 0.5/2 d"),
    ]
    assert found[0].params == {"detail": "diagnostic 3/2 d, 2025-04 3/2 d"}


# R7: « au moins 1 en 2024 et au moins 2 en 2025 »


def test_r7_on_31_december_2025_one_session_of_two_is_at_risk_the_year_is_not_over() -> None:
    pilot = row(rex={"s1": "2024-11-05", "s2": "2025-03-01"})
    line = standing.rex_line(GRAND_EST, pilot, 2025, date(2025, 12, 31))
    assert line is not None
    assert (line.attended, line.required, line.status) == (1, 2, "at risk")
    after = standing.rex_line(GRAND_EST, pilot, 2025, date(2026, 1, 1))
    assert after is not None
    assert after.status == "missed"


def test_r7_asks_nothing_of_2026_the_charter_names_2024_and_2025_only() -> None:
    assert standing.rex_line(GRAND_EST, row(), 2026, date(2026, 1, 20)) is None


def test_r7_on_1_june_2025_one_session_of_two_is_a_warning_for_2025() -> None:
    pilot = row(rex={"s1": "2024-11-05", "s2": "2025-03-01"})
    found = alerts_of("R7", pilot, paris(date(2025, 6, 1)))
    assert [(a.rule, a.severity, a.key, a.message) for a in found] == [
        ("R7", "warning", "r7_at_risk", "1 of 2 REX sessions in 2025 (at risk)")
    ]
    assert found[0].params == {"attended": "1", "required": "2", "year": "2025"}


def test_r7_at_00_30_on_1_january_2025_in_paris_2024_without_session_is_missed() -> None:
    # 23:30 UTC on 31 December 2024: already 2025 in Paris, the programme's zone.
    pilot = row(rex={})
    found = alerts_of("R7", pilot, datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    assert [(a.severity, a.message) for a in found] == [
        ("breach", "0 of 1 REX sessions in 2024 (missed)"),
        ("warning", "0 of 2 REX sessions in 2025 (at risk)"),
    ]


def test_r7_all_sessions_attended_raise_nothing() -> None:
    pilot = row(rex={"s1": "2024-11-05", "s2": "2025-03-01", "s3": "2025-05-20"})
    assert alerts_of("R7", pilot, paris(date(2025, 6, 1))) == []


# R1 (deployment: « levée des freins ») and the row's counts


def test_r1_two_open_blockers_on_1_may_2025_the_oldest_raised_59_days_ago() -> None:
    pilot = row(blockers={"b1": "2025-04-01", "b2": "2025-03-03"})
    found = alerts_of("R1", pilot, paris(date(2025, 5, 1)))
    assert [(a.rule, a.severity, a.key, a.message) for a in found] == [
        ("R1", "warning", "r1_blockers", "2 open blocker(s), the oldest for 59 days")
    ]
    assert found[0].params == {"count": "2", "days": "59"}


def test_the_row_counts_open_blockers_and_the_solutions_sourced_in_the_region() -> None:
    pilot = row(blockers={"b1": "2025-04-01"}, solutions={"s1": True, "s2": False, "s3": True})
    found = standing.dashboard_row(GRAND_EST, pilot, paris(date(2025, 5, 1)))
    assert (found.open_blockers, found.regional_solutions) == (1, 2)
    assert found.pilot_id == UUID(PILOT)


# The next deadline (R3)


def test_r3_on_1_october_2024_the_diagnostic_due_is_the_next_deadline_91_days_ahead() -> None:
    # R3 is pending, not yet approaching (its first reminder is 30 days before).
    pilot = row(phase="diagnostic", phase_history=DEPLOYED[:2])
    found = standing.dashboard_row(GRAND_EST, pilot, paris(date(2024, 10, 1)))
    assert found.next_deadline is not None
    assert (found.next_deadline.rule, found.next_deadline.due) == ("R3", date(2024, 12, 31))
    assert found.next_deadline.days_left == 91


def test_r3_days_left_are_counted_from_the_day_in_paris_at_00_30() -> None:
    # 22:30 UTC on 1 October 2024 is 2 October in Paris: 90 days left.
    pilot = row(phase="diagnostic", phase_history=DEPLOYED[:2])
    found = standing.dashboard_row(GRAND_EST, pilot, datetime(2024, 10, 1, 22, 30, tzinfo=UTC))
    assert found.next_deadline is not None
    assert found.next_deadline.days_left == 90


# The summary: pilots with an alert beyond information, per rule


def _dashboard_row(phase: str, alerts: list[Alert]) -> DashboardRow:
    return DashboardRow(
        pilot_id=UUID(PILOT),
        name="CC",
        programme=GRAND_EST.id,
        phase=phase,
        phase_since=date(2025, 3, 1),
        next_deadline=None,
        alerts=alerts,
    )


def test_an_information_alert_does_not_count_a_pilot_in_the_summary() -> None:
    above = standing.alert("R5", "info", "r5_above", {"count": 3, "month": "2025-04"})
    warned = standing.alert("R10", "warning", "r10", {"count": 1})
    assert standing.counted_rules([above, warned]) == frozenset({"R10"})
    assert above.key == "r5_above"


def test_the_summary_counts_each_pilot_once_per_rule_and_each_phase() -> None:
    r10 = standing.alert("R10", "warning", "r10", {"count": 1})
    r9 = standing.alert("R9", "warning", "r9", {"count": 1, "latest": "2025-04-01", "kind": "x"})
    above = standing.alert("R5", "info", "r5_above", {"count": 3, "month": "2025-04"})
    rows = [
        _dashboard_row("deployment", [r10]),
        _dashboard_row("deployment", [r10, r9, above]),
        _dashboard_row("framing", []),
    ]
    found = standing.summary(rows, date(2025, 5, 1))
    assert found.today == date(2025, 5, 1)
    assert found.pilots == 3
    assert found.per_phase == {"deployment": 2, "framing": 1}
    assert found.with_alerts_per_rule == {"R10": 2, "R9": 1}


# R8: « faire remonter les indicateurs »


def _project(**changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "project_id": PROJECT,
        "title": "Plateforme de participation citoyenne",
        "indicators": [
            {"key": "users", "label": "Inscrits", "unit": "personnes", "target": 300},
            {"key": "visits", "label": "Visites", "unit": "visites", "target": 1000},
            {"key": "events", "label": "Ateliers", "unit": "ateliers"},
        ],
        "reports": {"users": {"2025-Q2": 100, "2025-Q1": 50}, "events": {"2025-Q1": 2}},
        "reported_on": {"users": "2025-07-03", "events": "2025-04-02"},
    }
    found.update(changes)
    return found


def test_r8_an_indicator_shows_its_target_its_values_the_latest_period_and_its_progress() -> None:
    users, visits, events = standing.indicator_lines([_project()])
    assert (users.target, users.values, users.latest) == (300, {"2025-Q1": 50, "2025-Q2": 100}, 100)
    assert users.progress == 0.333
    assert (users.project_id, users.project, users.label) == (
        UUID(PROJECT),
        "Plateforme de participation citoyenne",
        "Inscrits",
    )
    # Reported never: no value, no progress; no target: values but no progress.
    assert (visits.values, visits.latest, visits.progress) == ({}, None, None)
    assert (events.target, events.latest, events.progress) == (None, 2, None)


def test_r8_without_the_pilot_the_last_report_day_is_the_projects_own() -> None:
    users, visits, events = standing.indicator_lines([_project()])
    assert users.last_reported_on == date(2025, 7, 3)
    assert visits.last_reported_on is None
    assert events.last_reported_on == date(2025, 4, 2)
    assert (users.next_due, visits.next_due) == (None, None)


def test_r8_on_1_august_2025_the_next_report_is_due_a_quarter_after_the_last() -> None:
    pilot = row(
        indicators={
            PROJECT: {
                "title": "Plateforme de participation citoyenne",
                "keys": {"users": "2025-07-03", "visits": None, "events": "2025-04-02"},
            }
        }
    )
    users, visits, events = standing.indicator_lines(
        [_project()], GRAND_EST, pilot, date(2025, 8, 1)
    )
    assert (users.last_reported_on, users.next_due) == (date(2025, 7, 3), date(2025, 10, 3))
    # Never reported: due a quarter after deployment began (1 March 2025).
    assert (visits.last_reported_on, visits.next_due) == (None, date(2025, 6, 1))
    assert (events.last_reported_on, events.next_due) == (date(2025, 4, 2), date(2025, 7, 2))
