"""The cohort's counts of a day, kept beside the kept dashboard rows (issue 23): how many pilots,
per phase, with an alert of each rule. A first page of the dashboard then reads a few rows of
counts instead of judging or reading every pilot (benchmark Q).

Two tables:

- `counts`: for each day and programme, the sum over the kept rows of that day of what each
  row contributes (`contribution`). `board.keep` maintains it in the transaction that
  replaces rows: the old row's share is taken out, the new one's put in. A row kept by a
  version before these columns existed (no `phase`) was never counted and is never taken out.
- `complete`: the days on which a refresh kept a row for every pilot, and the position of the
  read models it started from. Until then the counts of that day are partial and nobody
  reads them; after it, every pilot without an event folded since that position has its row
  kept for that day at its current version (see `service/dashboard_page.py`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table, delete, insert, select
from sqlalchemy.orm import Session

from parcours.domain.standing_views import ProgrammeSummary
from parcours.projections.pilots import METADATA


def counts_table(name: str) -> Table:
    """Counts by day, programme and key (`contribution`'s keys)."""
    return Table(
        name,
        METADATA,
        Column("day", Date, primary_key=True),
        Column("programme", String(64), primary_key=True),
        Column("key", String(48), primary_key=True),
        Column("count", Integer, nullable=False),
    )


counts = counts_table("parcours_rm_board_counts")

complete = Table(
    "parcours_rm_board_complete",
    METADATA,
    Column("day", Date, primary_key=True),
    # The reading of the rules every row of that day was judged by (board.RULES).
    Column("rules", String(16), nullable=False),
    # The read models' position the refresh read the cohort after.
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
)

PILOTS = "pilots"


def contribution(phase: str, alerts: Iterable[tuple[str, str]]) -> Counter[str]:
    """What one pilot's row adds to its day's counts: itself, its phase, the rules of its
    alerts beyond information (the summary's `with_alerts_per_rule`) and the rules of all
    its alerts (what a `rule=` filter matches)."""
    found: Counter[str] = Counter({PILOTS: 1, f"phase:{phase}": 1})
    rules = {rule for rule, _ in alerts}
    counted = {rule for rule, severity in alerts if severity != "info"}
    found.update(f"any:{rule}" for rule in rules)
    found.update(f"rule:{rule}" for rule in counted)
    return found


def of_stored(row: Mapping[str, Any]) -> Counter[str]:
    """The contribution of a kept row as stored (`board.stored`)."""
    alerts = [(a[0], a[1]) for a in json.loads(row["alerts"])]
    return contribution(str(row["phase"]), alerts)


def adjust(session: Session, changes: Mapping[tuple[date, str], Counter[str]]) -> None:
    """Add `changes` (by day and programme; negative to take out) to the kept counts. The
    rows touched are read for update: two refreshes of one day add up, never overwrite."""
    for (day, programme), change in changes.items():
        where = (counts.c.day == day) & (counts.c.programme == programme)
        held = dict(
            session.execute(select(counts.c.key, counts.c.count).where(where).with_for_update())
            .tuples()
            .all()
        )
        total = Counter(held)
        total.update(change)
        session.execute(delete(counts).where(where))
        kept = [
            {"day": day, "programme": programme, "key": k, "count": n}
            for k, n in total.items()
            if n != 0
        ]
        if kept:
            session.execute(insert(counts), kept)


def of_day(session: Session, day: date, table: Table = counts) -> dict[str, Counter[str]]:
    """The counts of a day in `table` (the kept ones by default), by programme."""
    found: dict[str, Counter[str]] = {}
    rows = session.execute(
        select(table.c.programme, table.c.key, table.c.count).where(table.c.day == day)
    )
    for programme, key, n in rows.tuples():
        found.setdefault(programme, Counter())[key] = n
    return found


def completed(session: Session, day: date, rules: str) -> int | None:
    """The position a complete refresh of `day` under `rules` started from, if there was one."""
    found = session.execute(
        select(complete.c.position).where((complete.c.day == day) & (complete.c.rules == rules))
    ).scalar()
    return None if found is None else int(found)


def mark_complete(session: Session, day: date, rules: str, position: int) -> None:
    """A refresh kept every pilot's row of `day` from the cohort read after `position`; the
    latest such refresh is the one a query starts from (fewer pilots changed since)."""
    before = completed(session, day, rules)
    if before is not None and before >= position:
        return
    session.execute(delete(complete).where(complete.c.day == day))
    session.execute(insert(complete).values(day=day, rules=rules, position=position))


def unmark_other_days(session: Session, days: set[date]) -> None:
    session.execute(delete(complete).where(complete.c.day.not_in(sorted(days))))


def forget(session: Session) -> None:
    """With the kept rows: nothing counted stays behind the rows it counted."""
    session.execute(delete(counts))
    session.execute(delete(complete))


def total(counts: Mapping[str, Counter[str]]) -> Counter[str]:
    """The counts of every programme added up (the dashboard's summary is the cohort's)."""
    found: Counter[str] = Counter()
    for counted in counts.values():
        found.update(counted)
    return found


def summary(counts: Mapping[str, Counter[str]], day: date) -> ProgrammeSummary:
    """The dashboard's summary from a day's counts (as `standing.summarize` gives it)."""
    added = total(counts)
    return ProgrammeSummary(
        today=day,
        pilots=added[PILOTS],
        per_phase={k[6:]: n for k, n in added.items() if k.startswith("phase:") and n},
        with_alerts_per_rule=dict(
            sorted((k[5:], n) for k, n in added.items() if k.startswith("rule:") and n)
        ),
    )


def matched(
    counts: Mapping[str, Counter[str]], phase: str | None, rule: str | None, search: object
) -> int | None:
    """How many pilots a filter matches, when the counts hold it (no search, not both a
    phase and a rule); None otherwise."""
    if search is not None or (phase is not None and rule is not None):
        return None
    added = total(counts)
    if phase is not None:
        return added[f"phase:{phase}"]
    if rule is not None:
        return added[f"any:{rule}"]
    return added[PILOTS]


def recounted(
    session: Session, table: Table
) -> tuple[dict[tuple[date, str, str], int], dict[tuple[date, str, str], int]]:
    """The kept counts as they stand, and as the kept rows in `table` (board) add up: what
    `projections check` compares (issue 23: a count edited by hand, or a bug, would put a
    wrong summary on every page)."""
    have = {
        (day, programme, key): n
        for day, programme, key, n in session.execute(select(counts)).tuples()
    }
    want: Counter[tuple[date, str, str]] = Counter()
    rows = session.execute(
        select(table.c.day, table.c.programme, table.c.phase, table.c.alerts).where(
            table.c.phase.is_not(None)
        )
    ).mappings()
    for row in rows:
        for key, n in of_stored(dict(row)).items():
            want[(row["day"], row["programme"], key)] += n
    return have, {k: n for k, n in want.items() if n}
