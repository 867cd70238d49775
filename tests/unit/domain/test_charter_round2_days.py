"""The corrected rules on their boundary days, in Europe/Paris, at 23:59 and 00:00: each test
named as the charter's sentence it enforces (issue 19, issue 22)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from parcours import RuleViolation, load_programme
from parcours.domain import experiment, funding, indicators, work_time
from parcours.domain.deadlines import History, deadlines, next_instant, owed
from parcours.programme import FundingScheme

PARIS = ZoneInfo("Europe/Paris")
GRAND_EST = load_programme("grand-est-2024")
FRAMING_JUDGED = GRAND_EST.model_copy(
    update={
        "mise_en_oeuvre": GRAND_EST.mise_en_oeuvre.model_copy(
            update={"framing_judged_from": date(2025, 1, 1)}
        )
    }
)
SIGNED = [["charter_signed", date(2024, 9, 2)]]
DIAGNOSTIC = [*SIGNED, ["diagnostic", date(2024, 9, 16)]]
DEPLOYED = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", date(2025, 3, 3)]]


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def last_minute(day: date) -> datetime:
    return at(day, 23, 59)


def midnight_after(day: date) -> datetime:
    return at(day + timedelta(days=1), 0, 0)


def history(phases: list[list[object]], follow_ups: tuple[date, ...] = ()) -> History:
    return History(phase_history=phases, follow_ups=list(follow_ups), rex_dates=[])


def status(rule: str, h: History, now: datetime, programme=GRAND_EST) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.status for d in deadlines(programme, h, now) if d.rule == rule]


# -- R4: "Phase de mise en œuvre de projet qui débutera au plus tard au deuxième trimestre 2025"


@pytest.mark.parametrize(
    ("framing", "verdict"),
    [(date(2025, 6, 29), "met"), (date(2025, 6, 30), "met"), (date(2025, 7, 1), "missed")],
)
def test_la_mise_en_oeuvre_debutera_au_plus_tard_au_deuxieme_trimestre_2025_par_le_cadrage(
    framing: date, verdict: str
) -> None:
    h = history([*DIAGNOSTIC, ["framing", framing]])
    assert status("R4", h, midnight_after(date(2025, 7, 1))) == [verdict]


def test_r4_without_framing_is_missed_at_midnight_after_30_june_2025_not_at_23_59() -> None:
    h = history(DIAGNOSTIC)
    assert status("R4", h, last_minute(date(2025, 6, 30))) == ["approaching"]
    assert status("R4", h, midnight_after(date(2025, 6, 30))) == ["missed"]


def test_r4_withdrawal_on_30_june_2025_voids_it_and_on_1_july_does_not() -> None:
    on_the_day = history([*DIAGNOSTIC, ["withdrawn", date(2025, 6, 30)]])
    after = history([*DIAGNOSTIC, ["withdrawn", date(2025, 7, 1)]])
    assert status("R4", on_the_day, at(date(2025, 8, 1))) == ["void"]
    assert status("R4", after, at(date(2025, 8, 1))) == ["missed"]


def test_an_r4_miss_recorded_under_the_old_reading_is_retracted_never_rewritten() -> None:
    framing_in_time = History(
        phase_history=[*DIAGNOSTIC, ["framing", date(2024, 12, 12)]],
        follow_ups=[],
        rex_dates=[],
        recorded_misses=(("R4", date(2025, 6, 30)),),
    )
    facts = {f.key: f for f in owed(GRAND_EST, framing_in_time, at(date(2025, 7, 2)))}
    assert "retracted:R4:2025-06-30" in facts
    assert "la mise en œuvre begins with framing" in facts["retracted:R4:2025-06-30"].observed
    assert "met:R4:2025-06-30" in facts
    still_late = History(
        phase_history=DIAGNOSTIC,
        follow_ups=[],
        rex_dates=[],
        recorded_misses=(("R4", date(2025, 6, 30)),),
    )
    assert "retracted:R4:2025-06-30" not in {
        f.key for f in owed(GRAND_EST, still_late, at(date(2025, 7, 2)))
    }


# -- R5: "temps de suivi réguliers (1 à 2 fois par mois)", framing and deployment ---------------


def test_un_temps_de_suivi_par_mois_de_cadrage_is_judged_at_midnight_after_30_november_2025() -> (
    None
):
    h = history([*DIAGNOSTIC, ["framing", date(2025, 10, 1)]])
    assert status("R5", h, last_minute(date(2025, 11, 30)), FRAMING_JUDGED) == [
        "missed",  # October
        "pending",  # November, until its last minute
    ]
    assert status("R5", h, midnight_after(date(2025, 11, 30)), FRAMING_JUDGED) == [
        "missed",
        "missed",
        "pending",  # December, in progress
    ]
    met = history([*DIAGNOSTIC, ["framing", date(2025, 10, 1)]], (date(2025, 11, 30),))
    assert status("R5", met, midnight_after(date(2025, 11, 30)), FRAMING_JUDGED)[1] == "met"


def test_framing_months_are_judged_only_from_the_release_of_the_corrected_reading() -> None:
    h = history([*DIAGNOSTIC, ["framing", date(2024, 12, 12)]])
    assert status("R5", h, at(date(2025, 6, 1))) == []  # Grand Est: framing months not judged
    judged = status("R5", h, at(date(2025, 6, 1)), FRAMING_JUDGED)
    assert judged == ["missed"] * 5 + ["pending"]  # January to May 2025; June in progress


@pytest.mark.parametrize(
    ("start", "judged"),
    [(date(2025, 4, 16), True), (date(2025, 4, 17), False)],  # 15 days of 30 / 14 days
)
def test_a_month_covered_for_fewer_than_15_days_is_not_judged(start: date, judged: bool) -> None:
    h = history(
        [*DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", start]]
    )  # framing months before the release: deployment days only
    months = [d.due for d in deadlines(GRAND_EST, h, at(date(2025, 5, 2))) if d.rule == "R5"]
    assert (date(2025, 4, 30) in months) is judged


def test_r5_stops_on_the_day_evaluation_starts() -> None:
    deployed = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", date(2025, 3, 3)]]
    # evaluation from 15 May: 14 days of deployment in May, not judged
    h = history([*deployed, ["evaluation", date(2025, 5, 15)]])
    dues = [d.due for d in deadlines(GRAND_EST, h, at(date(2025, 7, 1))) if d.rule == "R5"]
    assert dues == [date(2025, 3, 31), date(2025, 4, 30)]
    # evaluation from 16 May: 15 days, May judged
    h = history([*deployed, ["evaluation", date(2025, 5, 16)]])
    dues = [d.due for d in deadlines(GRAND_EST, h, at(date(2025, 7, 1))) if d.rule == "R5"]
    assert dues[-1] == date(2025, 5, 31)


# -- R6: "2 jours par mois en phase de déploiement de projet", by the date of work ---------------


def test_deux_jours_par_mois_de_deploiement_prorated_by_its_days_of_deployment() -> None:
    phases = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", date(2025, 3, 3)]]
    lines = work_time.periods(GRAND_EST, phases, [], date(2025, 4, 15))
    budgets = {line.name: line.budget for line in lines}
    assert budgets["2025-03"] == round(2 * 29 / 31, 2)
    assert budgets["2025-04"] == 2
    assert budgets["framing"] is None  # logged, no budget


def test_a_day_worked_in_november_2024_and_typed_in_january_counts_for_the_diagnostic() -> None:
    phases = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)]]
    lines = {
        line.name: line.logged
        for line in work_time.periods(
            GRAND_EST,
            phases,
            [(date(2024, 11, 28), 1.0), (date(2024, 12, 12), 0.5)],
            date(2025, 1, 20),
        )
    }
    assert lines["diagnostic"] == 1.0
    assert lines["framing"] == 0.5  # the day framing starts is framing's


# -- R8: "Faire remonter les indicateurs", at the programme's cadence ------------------------------


def test_an_indicator_is_due_one_quarter_after_its_last_report_that_day_included() -> None:
    phases = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)], ["deployment", date(2025, 3, 3)]]
    projects = {"p": {"title": "Guichet", "keys": {"people_helped": "2025-08-31"}}}
    on_the_day = indicators.reporting(GRAND_EST, phases, projects, date(2025, 11, 30))
    after = indicators.reporting(GRAND_EST, phases, projects, date(2025, 12, 1))
    assert on_the_day[0].next_due == date(2025, 11, 30)  # 31 August + 3 months
    assert not on_the_day[0].overdue
    assert after[0].overdue
    never = {"p": {"title": "Guichet", "keys": {"people_helped": None}}}
    assert indicators.reporting(GRAND_EST, phases, never, date(2025, 6, 3))[0].overdue is False
    assert indicators.reporting(GRAND_EST, phases, never, date(2025, 6, 4))[0].overdue is True


def test_no_indicator_is_due_outside_deployment() -> None:
    phases = [*DIAGNOSTIC, ["framing", date(2024, 12, 12)]]
    projects = {"p": {"title": "Guichet", "keys": {"people_helped": None}}}
    assert indicators.reporting(GRAND_EST, phases, projects, date(2026, 1, 1))[0].next_due is None


# -- R2: "le temps de l'expérimentation, qui prendra fin en janvier 2026" --------------------------


def test_the_end_of_the_experiment_is_announced_60_days_before_from_00_00() -> None:
    h = history([*DIAGNOSTIC, ["framing", date(2024, 12, 12)]])
    assert status("R2", h, last_minute(date(2025, 12, 1))) == ["pending"]
    assert status("R2", h, midnight_after(date(2025, 12, 1))) == ["approaching"]
    keys = {f.key for f in owed(GRAND_EST, h, midnight_after(date(2025, 12, 1)))}
    assert "approaching:R2:2026-01-31:60" in keys


def test_a_pilot_in_evaluation_before_the_announcement_is_not_announced_to() -> None:
    h = history([*DEPLOYED, ["evaluation", date(2025, 11, 3)]])
    keys = {f.key for f in owed(GRAND_EST, h, at(date(2026, 1, 15)))}
    assert not any(k.startswith("approaching:R2") for k in keys)


def test_the_experiment_ends_at_midnight_after_31_january_2026_for_every_pilot_still_open() -> None:
    h = history([*DIAGNOSTIC, ["framing", date(2024, 12, 12)]])
    assert "ended:R2:2026-01-31" not in {
        f.key for f in owed(GRAND_EST, h, last_minute(date(2026, 1, 31)))
    }
    ended = {f.key: f for f in owed(GRAND_EST, h, midnight_after(date(2026, 1, 31)))}
    assert ended["ended:R2:2026-01-31"].observed == "phase framing"
    assert next_instant(GRAND_EST, h, last_minute(date(2026, 1, 31))) == midnight_after(
        date(2026, 1, 31)
    )


@pytest.mark.parametrize(
    ("closed", "owed_end"),
    [(date(2026, 1, 30), False), (date(2026, 1, 31), False), (date(2026, 2, 1), True)],
)
def test_a_pilot_closed_by_31_january_2026_receives_no_experiment_ended(
    closed: date, owed_end: bool
) -> None:
    h = history([*DEPLOYED, ["evaluation", date(2025, 11, 3)], ["closed", closed]])
    keys = {f.key for f in owed(GRAND_EST, h, at(date(2026, 2, 2)))}
    assert ("ended:R2:2026-01-31" in keys) is owed_end


def test_apres_la_fin_only_evaluation_closing_rights_and_the_purge_are_recorded() -> None:
    ends = date(2026, 1, 31)
    experiment.refuse_after_the_end("log_time", ends, ends)  # the last day is in
    with pytest.raises(RuleViolation, match=r"R2 \(on\) : le 1er février 2026 est après la fin"):
        experiment.refuse_after_the_end("log_time", date(2026, 2, 1), ends)
    with pytest.raises(RuleViolation, match=r"R2.*plus aucun pilote ne s'inscrit"):
        experiment.refuse_after_the_end("enroll", date(2026, 2, 1), ends)
    for remaining in ("start_evaluation", "record_evaluation", "close", "erase_person", "purge"):
        experiment.refuse_after_the_end(remaining, date(2026, 2, 1), ends)
        experiment.refuse_once_ended(remaining, ends, "deployment")
    with pytest.raises(RuleViolation, match=r"R2.*en phase « déploiement »"):
        experiment.refuse_once_ended("recommend_project", ends, "deployment")


# -- R16: a call's window, rate of the eligible cost, cap over the duration ------------------------

CALL = FundingScheme(
    id="aap-inclusion-2024",
    title="Appel à projets inclusion numérique (test)",
    max_amount_eur=50000,
    max_months=36,
    max_rate=0.6,
    max_rate_priority_district=0.8,
    applications_open=date(2024, 3, 1),
    applications_close=date(2024, 4, 30),
    decisions_by=date(2024, 6, 30),
)


def apply(on: date, amount: float = 30000, eligible: float = 50000, already: float = 0) -> float:
    return funding.check_application(
        CALL,
        on=on,
        amount_eur=amount,
        months=36,
        rate=None,
        eligible_cost_eur=eligible,
        priority_district=False,
        already=already,
    )


def test_les_candidatures_jusqu_au_30_04_2024_inclus() -> None:
    assert apply(date(2024, 4, 30)) == 0.6
    with pytest.raises(
        RuleViolation, match=r"R16 \(on\) : dispositif « aap-inclusion-2024 ».*30 avril 2024"
    ):
        apply(date(2024, 5, 1))
    with pytest.raises(RuleViolation, match="ouvertes à partir du 1er mars 2024"):
        apply(date(2024, 2, 29))


def test_les_resultats_communiques_avant_le_30_06_2024() -> None:
    funding.check_decision(CALL, date(2024, 6, 30))
    with pytest.raises(RuleViolation, match=r"R16 \(on\).*décisions au plus tard le 30 juin 2024"):
        funding.check_decision(CALL, date(2024, 7, 1))


def test_taux_d_intervention_60_pourcent_du_cout_eligible_80_en_qpv() -> None:
    apply(date(2024, 4, 1), amount=30000, eligible=50000)  # exactly 60 %
    with pytest.raises(
        RuleViolation,
        match="au plus 60\u202f% du coût éligible 50\u202f000\u00a0€, soit 30\u202f000\u00a0€",
    ):
        apply(date(2024, 4, 1), amount=30000.01, eligible=50000)
    rate = funding.check_application(
        CALL,
        on=date(2024, 4, 1),
        amount_eur=40000,
        months=12,
        rate=None,
        eligible_cost_eur=50000,
        priority_district=True,
        already=0,
    )
    assert rate == 0.8


def test_jusqu_a_50000_euros_par_projet_sur_la_duree_du_dispositif() -> None:
    apply(date(2024, 4, 1), amount=20000, eligible=100000, already=30000)  # 50,000 in all
    with pytest.raises(
        RuleViolation,
        match="au plus 50\u202f000\u00a0€ par projet sur 36 mois ; 30\u202f000\u00a0€ déjà",
    ):
        apply(date(2024, 4, 1), amount=20000.5, eligible=100000, already=30000)


# -- R3, R7: the days issue 22 found untested ------------------------------------------------------


@pytest.mark.parametrize(
    ("withdrawn", "verdict"), [(date(2024, 12, 31), "void"), (date(2025, 1, 1), "missed")]
)
def test_phase_de_diagnostic_avant_le_31_decembre_2024_withdrawal_on_the_day_voids_it(
    withdrawn: date, verdict: str
) -> None:
    h = history([*DIAGNOSTIC, ["withdrawn", withdrawn]])
    assert status("R3", h, at(date(2025, 2, 1))) == [verdict]
    keys = {f.key for f in owed(GRAND_EST, h, at(date(2025, 2, 1)))}
    assert ("missed:R3:2024-12-31" in keys) is (verdict == "missed")


def test_au_moins_2_rex_en_2025_met_on_the_day_of_the_second() -> None:
    rex = [date(2025, 3, 13), date(2025, 12, 31)]
    h = History(phase_history=DIAGNOSTIC, follow_ups=[], rex_dates=rex)
    [r2024, r2025] = [d for d in deadlines(GRAND_EST, h, at(date(2026, 1, 2))) if d.rule == "R7"]
    assert (r2025.status, r2025.met_on) == ("met", date(2025, 12, 31))
    assert r2024.status == "missed"
    one = History(phase_history=DIAGNOSTIC, follow_ups=[], rex_dates=rex[:1])
    before = [
        d for d in deadlines(GRAND_EST, one, last_minute(date(2025, 12, 31))) if d.rule == "R7"
    ]
    assert before[1].status == "approaching"  # one of two, the year not over at 23:59
    after = [
        d for d in deadlines(GRAND_EST, one, midnight_after(date(2025, 12, 31))) if d.rule == "R7"
    ]
    assert after[1].status == "missed"
    facts = {f.key: f for f in owed(GRAND_EST, h, midnight_after(date(2025, 12, 31)))}
    assert facts["met:R7:2025-12-31"].met_on == date(2025, 12, 31)
    assert "missed:R7:2025-12-31" not in facts
