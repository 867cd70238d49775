"""Who acts, when, on which day, under which command: what every command of the aggregate is
handed, and the two checks every concern of it shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from parcours.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Act:
    """Who acts, when it is recorded, what "today" is, and which command this is."""

    actor: str
    at: datetime
    today: date
    command_id: str
    # True when the caller named the command (idempotent); False when we drew the id.
    caller_command_id: bool = False
    correlation_id: str = ""
    # The command's name, and the last day of the experiment in its programme (R2; None: no
    # end): what the guards of the end of the experiment judge.
    command: str = ""
    experiment_ends: date | None = None

    @property
    def correlation(self) -> str:
        return self.correlation_id or self.command_id


def not_after_today(on: date, act: Act, field: str) -> None:
    if on > act.today:
        raise InvalidInput(field, "input.after_today", day=on, today=act.today)


def known(items: dict[str, dict[str, Any]], what: str, ident: str) -> dict[str, Any]:
    try:
        return items[ident]
    except KeyError:
        raise NotFound(what, ident) from None
