"""Our transcoder reads and writes eventsourcing's JSON format, and refuses what it cannot."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from parcours.store.transcoding import DateAsISO, EventTranscoder


def _both() -> tuple[JSONTranscoder, EventTranscoder]:
    theirs, ours = JSONTranscoder(), EventTranscoder()
    for transcoder in (theirs, ours):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
            transcoder.register(transcoding)
    return theirs, ours


def test_the_same_bytes_decode_to_the_same_values() -> None:
    theirs, ours = _both()
    state = {
        "on": date(2025, 3, 3),
        "timestamp": datetime(2025, 3, 3, 9, tzinfo=UTC),
        "id": uuid4(),
        "amount": Decimal("45000.50"),
        "indicators": [{"key": "people_helped", "target": 300.0, "due": date(2026, 1, 1)}],
        "nested": {"_type_": "not", "other": 1},
        "text": "Communauté de communes",
    }
    stored = theirs.encode(state)
    assert ours.encode(state) == stored
    assert ours.decode(stored) == theirs.decode(stored) == state


@pytest.mark.parametrize("data", [b"", b"{", b'{"a": 1} trailing', b"  "])
def test_malformed_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        EventTranscoder().decode(data)


def test_an_unknown_type_is_refused_as_the_library_does() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        EventTranscoder().decode(b'{"_type_": "martian", "_data_": "x"}')


@pytest.mark.parametrize(
    "data",
    [
        b'{"on": {"_type_": "date_iso", "_data_": 20250303}}',
        b'{"on": {"_type_": "date_iso", "_data_": "2025-02-30"}}',
        b'{"at": {"_type_": "datetime_iso", "_data_": null}}',
        b'{"at": {"_type_": "datetime_iso", "_data_": "yesterday"}}',
    ],
)
def test_a_date_or_timestamp_that_is_not_one_is_refused_by_both(data: bytes) -> None:
    """Dates and timestamps are parsed by the C parsers directly (no Python frame of the
    transcoding between): what the library's transcodings refuse, ours refuse too."""
    theirs, ours = _both()
    with pytest.raises((TypeError, ValueError, AssertionError)):
        theirs.decode(data)
    with pytest.raises((TypeError, ValueError)):
        ours.decode(data)
