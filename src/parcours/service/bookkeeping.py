"""The rows a command writes beside its events: the timeline, the deadline queue, the ledger
of the caller's command ids (all SQL in `parcours.store`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from parcours.domain import deadline_state
from parcours.domain.pilot import Act, Pilot
from parcours.errors import InvalidInput
from parcours.store import ledger, queue

Write = Callable[[Session], object]


def rows_beside(pilot: Pilot, act: Act, command: str, result: Any, reschedule: bool) -> list[Write]:
    """The pilot's new version on the timeline and its deadlines due again at the next tick
    (`reschedule`: the act may have met one), and the caller's command id with its result."""
    pilot_id = str(pilot.id)
    writes: list[Write] = []
    version = pilot.version
    # What the deadline rules read of the pilot, kept beside its queue row with its version
    # (a tick judges it from there without loading it).
    rules = deadline_state.encode(pilot) if pilot.pending_events else ""
    if reschedule and pilot.pending_events:
        writes.append(
            partial(
                queue.record_and_reschedule,
                pilot_id=pilot_id,
                version=version,
                at=act.at,
                rules=rules,
            )
        )
    elif reschedule:
        writes.append(partial(queue.schedule, pilot_id=pilot_id, at=queue.ASAP))
    elif pilot.pending_events:
        writes.append(partial(ledger.record_version, pilot_id=pilot_id, version=version, at=act.at))
        writes.append(partial(queue.keep_rules, pilot_id=pilot_id, rules=rules, version=version))
    if act.caller_command_id:
        remembered = result if isinstance(result, UUID) else None
        writes.append(
            partial(
                ledger.remember,
                command_id=act.command_id,
                command=command,
                pilot_id=pilot_id,
                result=remembered,
                at=act.at,
            )
        )
    return writes


def done_before(
    session: Session, command_id: str, command: str, pilot_id: UUID
) -> tuple[bool, Any]:
    """(True, its result) when the caller's command id was applied already (a double submit);
    an id used for another command or pilot is refused."""
    row = ledger.previous(session, command_id)
    if row is None:
        return False, None
    if row.command != command or row.pilot_id != str(pilot_id):
        raise InvalidInput(
            "command_id", "input.command_id_used_on", command=row.command, pilot=row.pilot_id
        )
    return True, None if row.result is None else UUID(row.result)
