"""What a command reads (issue 23): the pilot it committed is kept in the aggregate cache as
its events left it, so the next command reads none of them back; what another process wrote
since is still read; a refused command keeps nothing."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from parcours import Parcours, PhaseError
from tests.conftest import Clock
from tests.support.roles import LEAD, REFERENT_ID, staffed
from tests.support.scenarios import in_diagnostic

DAY = date(2024, 10, 8)


@pytest.fixture
def read_back(app: Parcours, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many events each read of a pilot's events after a version returned."""
    recorder: Any = app.pipeline.store.recorder
    counts: list[int] = []
    select = recorder.select_events

    def counted(originator_id: UUID | str, gt: int | None = None, **kw: Any) -> Any:
        found = select(originator_id, gt=gt, **kw)
        if gt is not None:
            counts.append(len(found))
        return found

    monkeypatch.setattr(recorder, "select_events", counted)
    return counts


def test_the_next_command_reads_back_none_of_the_events_it_committed(
    app: Parcours, read_back: list[int]
) -> None:
    pilot = in_diagnostic(app)
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    read_back.clear()
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    assert read_back == [0, 0]


def test_a_refused_command_keeps_nothing(app: Parcours) -> None:
    pilot = in_diagnostic(app)
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    version = app.pipeline.load(pilot).version
    with pytest.raises(PhaseError):  # refused by the aggregate (R1), after its load
        app.record_follow_up(pilot, on=DAY, actor=LEAD)
    assert app.pipeline.load(pilot).version == version
    app.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
    assert app.pipeline.load(pilot).version == version + 1


def test_what_another_process_wrote_since_is_read(db_url: str, clock: Clock) -> None:
    first, second = (staffed(Parcours(db_url, clock=clock)) for _ in range(2))
    try:
        pilot = in_diagnostic(first)
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
        second.log_time(pilot, days=0.25, on=DAY, actor=REFERENT_ID)
        first.log_time(pilot, days=0.5, on=DAY, actor=REFERENT_ID)
        seen = first.pipeline.load(pilot)
        assert [t["days"] for t in seen.time_logs][-3:] == [0.5, 0.25, 0.5]
        assert seen.version == second.pipeline.load(pilot).version
    finally:
        first.close_connections()
        second.close_connections()
