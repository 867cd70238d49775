"""A pilot's snapshot keeps its time logs in columns (issue 23) and rebuilds exactly the pilot
it was taken from, whatever the entries hold; a snapshot of the library's format still reads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, Mapper, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from parcours.domain.pilot import Pilot
from parcours.domain.pilot.snapshot import PilotSnapshot
from parcours.store.transcoding import DateAsISO, EventTranscoder
from tests.support.pilots import enrolled_pilot

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)


def _mapper() -> Mapper[Any]:
    transcoder = EventTranscoder()  # as the store registers it (store/eventstore.py)
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


MAPPER = _mapper()


def _pilot(entries: list[dict[str, Any]]) -> Pilot:
    pilot, _ = enrolled_pilot(NOW)
    pilot.time_logs.extend(entries)
    return pilot


def _stored_and_read(snapshot: Any) -> tuple[dict[str, Any], Any]:
    stored = MAPPER.to_stored_event(snapshot)
    return json.loads(stored.state), MAPPER.to_domain_event(stored)


def _state(pilot: Pilot) -> dict[str, Any]:
    return {k: v for k, v in vars(pilot).items() if k != "_pending_events"}


DAYS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53)
PLAIN = st.fixed_dictionaries(
    {"on": st.dates(), "days": DAYS, "phase": st.text(max_size=30)}  # year 1 to 9999, NUL…
)
ODD = st.one_of(
    st.fixed_dictionaries({"on": st.datetimes(), "days": DAYS, "phase": st.text()}),
    st.fixed_dictionaries({"on": st.text(), "days": DAYS, "phase": st.text()}),
    st.fixed_dictionaries(
        {"on": st.dates(), "days": DAYS, "phase": st.text(), "typed_in": st.dates()}
    ),
    st.fixed_dictionaries({"on": st.dates(), "days": DAYS}),
)


@given(st.lists(PLAIN, max_size=40))
def test_plain_entries_are_stored_in_columns_and_rebuild_the_same_pilot(
    entries: list[dict[str, Any]],
) -> None:
    pilot = _pilot(entries)
    before = _state(pilot)
    stored, read = _stored_and_read(Pilot.Snapshot.take(pilot))
    assert _state(pilot) == before  # taking it changed nothing of the pilot
    assert stored["state"]["time_logs"] == {
        "on": [e["on"].isoformat() for e in entries],
        "days": [e["days"] for e in entries],
        "phase": [e["phase"] for e in entries],
    }
    assert type(read) is PilotSnapshot
    rebuilt = read.mutate(None)
    assert _state(rebuilt) == before
    assert [type(e["on"]) for e in rebuilt.time_logs] == [date] * len(entries)


@given(st.lists(PLAIN, max_size=10), ODD, st.lists(PLAIN, max_size=10))
def test_an_entry_that_is_not_plain_keeps_the_list_as_it_is(
    head: list[dict[str, Any]], odd: dict[str, Any], tail: list[dict[str, Any]]
) -> None:
    pilot = _pilot([*head, odd, *tail])
    stored, read = _stored_and_read(Pilot.Snapshot.take(pilot))
    assert isinstance(stored["state"]["time_logs"], list)
    assert _state(read.mutate(None)) == _state(pilot)


def test_a_snapshot_in_the_library_format_still_reads() -> None:
    pilot = _pilot([{"on": date(2024, 10, 1), "days": 0.25, "phase": "diagnostic"}] * 3)
    stored = MAPPER.to_stored_event(Snapshot.take(pilot))  # what earlier versions stored
    assert stored.topic == "eventsourcing.domain:Snapshot"
    assert b'"time_logs":[{"on":{"_type_":"date_iso"' in stored.state
    assert _state(MAPPER.to_domain_event(stored).mutate(None)) == _state(pilot)


def test_the_columns_are_smaller_than_the_objects() -> None:
    entries = [{"on": date(2024, 10, 1), "days": 0.25, "phase": "diagnostic"}] * 1000
    pilot = _pilot(entries)
    ours = MAPPER.to_stored_event(Pilot.Snapshot.take(pilot)).state
    theirs = MAPPER.to_stored_event(Snapshot.take(pilot)).state
    assert len(ours) < len(theirs) / 2
