"""R6's lines in full (name, first and last day, budget, days logged) and R8's reporting
lines in full: tests that would catch a wrong line, not only a wrong total (issue 22)."""

from __future__ import annotations

from datetime import date

from parcours import load_programme
from parcours.domain.indicators import Reporting, reporting
from parcours.domain.work_time import Period, periods

GRAND_EST = load_programme("grand-est-2024")
DIAGNOSTIC = [["charter_signed", date(2024, 9, 2)], ["diagnostic", date(2024, 9, 16)]]
FRAMING = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)]]
DEPLOYED = [*FRAMING, ["deployment", date(2025, 3, 3)]]


def test_every_line_of_a_pilot_that_worked_in_each_phase() -> None:
    phases = [*DEPLOYED, ["evaluation", date(2025, 4, 16)]]
    logs = [
        (date(2024, 9, 5), 0.25),  # before the diagnostic: the charter's phase
        (date(2024, 10, 1), 1.0),
        (date(2024, 12, 11), 0.5),  # the diagnostic's last day
        (date(2025, 1, 7), 0.333),
        (date(2025, 1, 8), 0.333),
        (date(2025, 3, 1), 0.5),  # framing's last day
        (date(2025, 3, 3), 1.0),  # deployment's first day
        (date(2025, 4, 1), 0.75),  # a month's first day
        (date(2025, 4, 15), 0.5),  # deployment's last day
        (date(2025, 4, 16), 0.25),  # evaluation's first day
    ]
    assert periods(GRAND_EST, phases, logs, date(2025, 5, 2)) == [
        Period("diagnostic", date(2024, 9, 1), date(2024, 12, 31), 2.0, 1.5),
        Period("framing", date(2024, 12, 12), date(2025, 3, 2), None, 1.17),
        Period("2025-03", date(2025, 3, 3), date(2025, 3, 31), 1.87, 1.0),
        Period("2025-04", date(2025, 4, 1), date(2025, 4, 15), 1.0, 1.25),
        Period("charter_signed", date(2024, 9, 5), date(2024, 9, 5), None, 0.25),
        Period("evaluation", date(2025, 4, 16), date(2025, 4, 16), None, 0.25),
    ]


def test_a_day_before_the_charter_has_a_line_of_its_own() -> None:
    found = periods(GRAND_EST, DIAGNOSTIC, [(date(2024, 8, 30), 1.0)], date(2024, 10, 1))
    assert found[-1] == Period(
        "before the charter", date(2024, 8, 30), date(2024, 8, 30), None, 1.0
    )


def test_framing_days_typed_before_framing_is_recorded_are_framing_s() -> None:
    # no framing step yet, and no day in it: no framing line
    assert [p.name for p in periods(GRAND_EST, DIAGNOSTIC, [], date(2024, 11, 1))] == ["diagnostic"]
    ongoing = periods(GRAND_EST, FRAMING, [(date(2025, 2, 3), 0.5)], date(2025, 2, 10))
    assert ongoing[1] == Period("framing", date(2024, 12, 12), date(2025, 2, 10), None, 0.5)


def test_the_month_in_progress_is_budgeted_to_its_end_and_stops_with_the_experiment() -> None:
    found = periods(GRAND_EST, DEPLOYED, [], date(2025, 5, 10))
    assert found[-1] == Period("2025-05", date(2025, 5, 1), date(2025, 5, 31), 2.0, 0.0)
    last = periods(GRAND_EST, DEPLOYED, [], date(2026, 3, 1))
    assert last[-1] == Period("2026-01", date(2026, 1, 1), date(2026, 1, 31), 2.0, 0.0)
    withdrawn = [*DEPLOYED, ["withdrawn", date(2025, 6, 11)]]
    found = periods(GRAND_EST, withdrawn, [(date(2025, 6, 10), 1.0)], date(2025, 8, 1))
    assert found[-1] == Period("2025-06", date(2025, 6, 1), date(2025, 6, 10), 0.67, 1.0)


def test_an_indicator_s_line_names_its_project_key_and_days() -> None:
    projects = {
        "p1": {"title": "Guichet", "keys": {"people_helped": "2025-04-02", "visits": None}},
        "p2": {"title": "Tiers-lieu", "keys": {}},
    }
    assert reporting(GRAND_EST, DEPLOYED, projects, date(2025, 6, 4)) == [
        Reporting("p1", "Guichet", "people_helped", date(2025, 4, 2), date(2025, 7, 2), False),
        Reporting("p1", "Guichet", "visits", None, date(2025, 6, 3), True),
    ]
    # the experiment's last day is still judged, the next is not
    last = reporting(GRAND_EST, DEPLOYED, projects, date(2026, 1, 31))
    assert [line.overdue for line in last] == [True, True]
    after = reporting(GRAND_EST, DEPLOYED, projects, date(2026, 2, 1))
    assert [line.next_due for line in after] == [None, None]


def test_r6_a_day_worked_on_the_last_day_of_a_deployment_month_counts_in_that_month() -> None:
    """« 2 jours par mois » filed by the date of work: 31 March 2025 is March's, not April's."""
    logs = [(date(2025, 3, 31), 1.0), (date(2025, 4, 1), 0.5)]
    found = periods(GRAND_EST, DEPLOYED, logs, date(2025, 4, 20))
    assert found[-2] == Period("2025-03", date(2025, 3, 3), date(2025, 3, 31), 1.87, 1.0)
    assert found[-1] == Period("2025-04", date(2025, 4, 1), date(2025, 4, 30), 2.0, 0.5)
