"""History for auditors: every event of a pilot, who did it, when, and what it said.

Personal values are shown while their person's key exists, `[purged]` after (R13, R14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from parcours.domain import events as ev
from parcours.privacy import sealing
from parcours.views import HistoryEntry

if TYPE_CHECKING:
    from parcours.application import Parcours

_BASE = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "actor",
    "command_id",
    "on",
}


def history(app: Parcours, pilot_id: UUID) -> list[HistoryEntry]:
    events = list(app._store.events.get(pilot_id))
    persons = {e.person_id for e in events if isinstance(e, ev.ReferentDesignated)}
    with app._read() as session:
        keys = app._keys.keys(session, persons)
    return [_entry(event, keys) for event in events]


def _entry(event: Any, keys: dict[str, bytes]) -> HistoryEntry:
    fields = {k: v for k, v in vars(event).items() if k not in _BASE}
    if "sealed" in fields:
        person = fields["person_id"]
        fields["sealed"] = sealing.unseal_fields(keys.get(person), person, fields["sealed"])
    return HistoryEntry(
        sequence=event.originator_version,
        recorded_at=event.timestamp,
        effective=event.on,
        actor=event.actor,
        command_id=event.command_id,
        event_type=type(event).__name__,
        summary=summary(event),
        fields=fields,
    )


def summary(event: Any) -> str:
    """One line an auditor can read, with no personal value in it."""
    name = type(event).__name__
    if isinstance(event, ev.Enrolled):
        return f"enrolled in {event.programme}, charter signed {event.charter_signed_on}"
    if isinstance(event, ev.PersonalDataPurged):
        return f"personal data purged ({event.keys_destroyed} keys destroyed, {event.legal_basis})"
    if isinstance(event, ev.PhaseChanged):
        return f"phase → {event.to_phase}"
    if isinstance(event, ev.ReferentDesignated):
        return f"{event.role} referent designated (R11)"
    if isinstance(event, ev.TimeLogged):
        return f"{event.days:g} days logged in {event.phase} (R6)"
    if isinstance(event, ev.ProjectRecommended):
        return f"project recommended: {event.title} [{event.theme}]"
    if isinstance(event, ev.IndicatorReported):
        return f"{event.key} = {event.value:g} for {event.period} (R8)"
    if isinstance(event, ev.DeadlineMissed | ev.DeadlineApproaching | ev.DeadlineMet):
        return f"{name} {event.rule} due {event.due}"
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words
