"""W (commands against bare eventsourcing) and C (conflicts with 8 writers on one pilot)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks import cohort
from benchmarks.common import Results, timed
from benchmarks.conflicts import WRITERS, conflict_rate
from parcours import Parcours

COMMANDS = 300


class Tally(Aggregate):
    def __init__(self) -> None:
        self.days = 0.0

    @event("Logged")
    def log(self, days: float) -> None:
        self.days += days


def bare_app(url: str) -> Application[UUID]:
    return Application(
        env={
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": url,
            "CREATE_TABLE": "y",
            "AGGREGATE_CACHE_MAXSIZE": "1000",
        }
    )


def figure_w(results: Results, backend: str, app: Parcours, bare_url: str) -> float:
    """W on the scale's store; returns bare eventsourcing's single-event inserts per second
    (the yardstick of T)."""
    pilots = [p.id for p in app.list_pilots()[:20]]
    for pilot in pilots:  # R15: time is logged by the pilot's referent
        app.grant(cohort.REFERENT, "referent", pilot=pilot, actor=cohort.AGENCY)
    bare = bare_app(bare_url)
    tallies = [Tally() for _ in range(20)]
    bare.save(*tallies)

    def ours() -> None:
        for i in range(COMMANDS):
            app.log_time(pilots[i % 20], days=0.5, on=date(2024, 10, 1), actor=cohort.REFERENT)

    def theirs() -> None:
        for i in range(COMMANDS):
            tally = bare.repository.get(tallies[i % 20].id)
            tally.log(0.5)
            bare.save(tally)

    # Alternated, best of three each: the PostgreSQL server shares the machine's two cores,
    # and a single run of either side can land on a busy moment.
    t_ours = t_bare = float("inf")
    for _ in range(3):
        t_ours = min(t_ours, timed(ours)[0])
        t_bare = min(t_bare, timed(theirs)[0])
    ratio = (COMMANDS / t_ours) / (COMMANDS / t_bare)
    results.record(
        backend,
        "W",
        ratio,
        ">= 0.8",
        ratio >= 0.8,
        f"{COMMANDS / t_ours:.0f} commands/s vs {COMMANDS / t_bare:.0f} bare events/s",
    )
    return COMMANDS / t_bare


def figure_c(results: Results, backend: str, url: str) -> None:
    rate, sent = conflict_rate(url)
    results.record(
        backend,
        "C",
        rate * 100,
        "< 2 %",
        rate < 0.02,
        f"% of {sent} commands refused for a conflict after retries, {WRITERS} writer "
        "processes on one pilot (per-pilot lock before the load)",
    )
