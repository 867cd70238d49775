"""What the deadline rules read of a pilot, kept as JSON beside its row of the deadline
queue (issue 23): a tick over a cohort judges each due pilot from this row alone, and loads
only the pilots that owe a fact.

The text is written in the transaction of every command that appends events (the queue's
row and the events commit together) together with the pilot's version; a reader trusts it
only when that version is still the pilot's last one, and otherwise loads the pilot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from parcours.domain.deadlines import History

if TYPE_CHECKING:
    from parcours.domain.pilot import Pilot

FORMAT = 1


@dataclass(frozen=True)
class Kept:
    """A pilot as the rules read it: its programme, phase, deadline history and marks."""

    programme: str
    phase: str
    history: History
    marks: frozenset[str]


def _day(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def encode(pilot: Pilot) -> str:
    """The pilot's deadline state as JSON (dates as ISO strings)."""
    return json.dumps(
        {
            "f": FORMAT,
            "programme": pilot.programme,
            "phase": pilot.phase,
            "phases": [[name, _day(since)] for name, since in pilot.phase_history],
            "follow_ups": [d.isoformat() for d in pilot.follow_ups],
            "rex": [d.isoformat() for d in pilot.rex.values()],
            "marks": list(pilot.deadline_marks),
        },
        separators=(",", ":"),
    )


def _since(value: Any) -> object:
    return date.fromisoformat(value) if isinstance(value, str) else value


def decode(text: str | None) -> Kept | None:
    """The kept state, or None when there is none (a row written before it was kept), it is
    of another format, or it does not read as one (a row edited by hand): the reader loads
    the pilot instead, whose events are the truth, and the row is written again."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("f") != FORMAT:
            return None
        return _kept(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _kept(data: dict[str, Any]) -> Kept:
    marks = [str(m) for m in data["marks"]]
    misses = []
    for recorded in marks:
        kind, rule, due = recorded.split(":")[:3]
        if kind == "missed":
            misses.append((rule, date.fromisoformat(due)))
    history = History(
        phase_history=[[name, _since(since)] for name, since in data["phases"]],
        follow_ups=[date.fromisoformat(d) for d in data["follow_ups"]],
        rex_dates=[date.fromisoformat(d) for d in data["rex"]],
        recorded_misses=tuple(misses),
    )
    return Kept(str(data["programme"]), str(data["phase"]), history, frozenset(marks))
