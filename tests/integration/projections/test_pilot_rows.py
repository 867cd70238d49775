"""The cohort read model's rows (projections/pilots.py): a fold parses a JSON column only when
an event changes it, and writes back the ones it left alone as they were read (issue 23: a
scheduler's fact touches one column of ten, the time log almost never). On both backends."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from sqlalchemy import create_engine, text

from parcours import Parcours
from tests.conftest import Clock
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import in_diagnostic

# The time log as stored, with spaces our encoder never writes: proof of a column untouched.
SPACED = '[ ["2024-10-01", 1.0, "diagnostic"] ]'


def _columns(db_url: str, pilot: UUID) -> tuple[str, str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT time_logs, rex FROM parcours_rm_pilots WHERE pilot_id = :p"),
                {"p": str(pilot)},
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1]


def test_a_fold_writes_back_the_columns_it_did_not_change(db_url: str, clock: Clock) -> None:
    clock.set(date(2024, 10, 2))
    first = Parcours(db_url, clock=clock)
    staffed(first)
    pilot = in_diagnostic(first)
    first.log_time(pilot, days=1, on=date(2024, 10, 1), actor=REFERENT_ID)
    first.close_connections()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE parcours_rm_pilots SET time_logs = :t WHERE pilot_id = :p"),
            {"t": SPACED, "p": str(pilot)},
        )
    engine.dispose()

    # another process (no row of its own in memory): the row is read from the table
    app = Parcours(db_url, clock=clock)
    try:
        app.record_rex(pilot, on=date(2024, 10, 2), session="rex-2024-10-02", actor=LEAD)
        time_logs, rex = _columns(db_url, pilot)
        assert time_logs == SPACED  # not parsed, not written again
        assert json.loads(rex) == {"rex-2024-10-02": "2024-10-02"}

        app.log_time(pilot, days=0.5, on=date(2024, 10, 2), actor=REFERENT_ID)
        time_logs, _ = _columns(db_url, pilot)
        assert json.loads(time_logs) == [
            ["2024-10-01", 1.0, "diagnostic"],
            ["2024-10-02", 0.5, "diagnostic"],
        ]
        assert time_logs != SPACED  # parsed, changed, encoded
    finally:
        app.close_connections()
