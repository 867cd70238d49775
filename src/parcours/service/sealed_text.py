"""Sealing a command's free text as the command decides (see `parcours.privacy.free_text`).

A command that carries free text seals each value under a new key of its own; the key's
row is one of the command's writes, so it commits with the event or not at all.
"""

from __future__ import annotations

from functools import partial
from typing import Any, overload

from parcours.domain.pilot import Act, Pilot
from parcours.errors import InvalidInput
from parcours.privacy import free_text
from parcours.service.bookkeeping import Write
from parcours.service.pipeline import Pipeline


class Sealer:
    """`seal(field, value)` → the token the event stores; its key joins `writes`."""

    def __init__(self, pipeline: Pipeline, pilot: Pilot, act: Act, writes: list[Write]) -> None:
        self._keys = pipeline.keys
        self._pilot_id = str(pilot.id)
        self._at = act.at
        self._writes = writes

    @overload
    def __call__(self, field: str, value: str) -> str: ...
    @overload
    def __call__(self, field: str, value: None) -> None: ...

    def __call__(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        if free_text.is_token(value):
            raise InvalidInput(field, "input.sealed_prefix", prefix=free_text.PREFIX)
        token, key_id, key = free_text.seal(value, field)
        self._writes.append(
            partial(
                self._keys.add_text, key_id=key_id, pilot_id=self._pilot_id, key=key, now=self._at
            )
        )
        return token


def open_texts(pipeline: Pipeline, value: Any) -> Any:
    """A copy of `value` with every free-text token opened (`[purged]` once its key is gone)."""

    def lookup(key_ids: set[str]) -> dict[str, bytes]:
        with pipeline.reading() as session:
            return pipeline.keys.text_keys(session, key_ids)

    return free_text.open_with(lookup, value)
