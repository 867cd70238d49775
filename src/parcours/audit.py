"""Audit: every event of a pilot, who did it, when, what it said; and the hash chain.

Personal values are shown while their person's key exists, `[purged]` after (R13, R14).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, tuple_

from parcours.domain import events as ev
from parcours.privacy import sealing
from parcours.store.chain import GENESIS, chain, link
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
    "correlation_id",
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
        correlation_id=event.correlation_id,
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


class Break(BaseModel):
    model_config = ConfigDict(frozen=True)
    pilot_id: UUID
    version: int
    reason: str


class AuditReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    ok: bool
    pilots: int
    events: int
    first_break: Break | None


def verify_audit_trail(app: Parcours, page: int = 1000) -> AuditReport:
    """Recompute every pilot's chain from the stored bytes; name the first break."""
    heads: dict[UUID, tuple[int, bytes]] = {}
    events = 0
    position = 0
    while True:
        notifications = app._store.recorder.select_notifications(start=position + 1, limit=page)
        if not notifications:
            break
        position = notifications[-1].id
        with app._read() as session:
            recorded = _recorded_links(session, notifications)
        for n in notifications:
            events += 1
            pilot = UUID(str(n.originator_id))
            last_version, previous = heads.get(pilot, (0, GENESIS))
            if n.originator_version != last_version + 1:
                reason = (
                    f"version {last_version + 1} is missing"
                    if n.originator_version > last_version + 1
                    else "event out of order"
                )
                return _broken(heads, events, pilot, last_version + 1, reason)
            digest = link(previous, pilot, n.originator_version, n.topic, bytes(n.state))
            if recorded.get((str(pilot), n.originator_version)) != digest:
                return _broken(
                    heads,
                    events,
                    pilot,
                    n.originator_version,
                    "stored bytes do not match the chain",
                )
            heads[pilot] = (n.originator_version, digest)
    with app._read() as session:
        rows = session.execute(
            select(chain.c.originator_id, func.max(chain.c.originator_version)).group_by(
                chain.c.originator_id
            )
        ).all()
    for pilot_id, last in rows:
        seen = heads.get(UUID(pilot_id), (0, GENESIS))[0]
        if last != seen:
            return _broken(
                heads, events, UUID(pilot_id), seen + 1, f"version {seen + 1} is missing"
            )
    return AuditReport(ok=True, pilots=len(heads), events=events, first_break=None)


def _recorded_links(session: Any, notifications: Sequence[Any]) -> dict[tuple[str, int], bytes]:
    keys = [(str(n.originator_id), n.originator_version) for n in notifications]
    rows = session.execute(
        select(chain.c.originator_id, chain.c.originator_version, chain.c.hash).where(
            tuple_(chain.c.originator_id, chain.c.originator_version).in_(keys)
        )
    )
    return {(r.originator_id, r.originator_version): bytes(r.hash) for r in rows}


def _broken(
    heads: dict[UUID, tuple[int, bytes]], events: int, pilot: UUID, version: int, reason: str
) -> AuditReport:
    return AuditReport(
        ok=False,
        pilots=len(heads),
        events=events,
        first_break=Break(pilot_id=pilot, version=version, reason=reason),
    )
