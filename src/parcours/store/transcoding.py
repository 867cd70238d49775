"""Transcodings the event store needs beyond eventsourcing's defaults."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EventTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoding, same format, with a leaner object hook.

    The hook runs once per JSON object of every event decoded; a rebuild of the read models
    spends a good part of its time there (benchmark R), so it does one membership test and
    one lookup instead of the library's nested try blocks.
    """

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        decoders = self._decoders

        def hook(obj: dict[str, Any]) -> Any:
            if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
                decode = decoders.get(obj["_type_"])
                if decode is not None:
                    return decode(obj["_data_"])
                return self._decode_obj(obj)  # the library's own error for an unknown type
            return obj

        self.decoder = json.JSONDecoder(object_hook=hook)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = transcoding.decode
