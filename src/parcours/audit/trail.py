"""Audit: every event of a pilot, who did it, when, what it said; and the per-pilot hash chain.

Personal values are shown while their person's key exists, `[purged]` after (R13, R14).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from parcours.domain import events as ev
from parcours.domain import grants
from parcours.privacy import free_text, sealing
from parcours.store.chain import GENESIS, chain, link
from parcours.store.eventstore import PilotStore
from parcours.store.keys import KeyStore
from parcours.store.log import append_records, as_bytes
from parcours.store.pairs import pairs_in
from parcours.store.records import checkpoint_entry
from parcours.store.schema import audit_checkpoints
from parcours.views import HistoryEntry

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


def history(store: PilotStore, keys_table: KeyStore, pilot_id: UUID) -> list[HistoryEntry]:
    """Every event, personal values and free text opened while their keys exist."""
    events = list(store.events.get(pilot_id))
    persons = {e.person_id for e in events if isinstance(e, ev.ReferentDesignated)}
    texts = {
        free_text.key_id_of(token)
        for event in events
        for name in getattr(type(event), "free_text", ())
        for token in free_text.tokens_in(getattr(event, name, None))
    }
    with store.reading() as session:
        keys = keys_table.keys(session, persons)
        text_keys = keys_table.text_keys(session, texts)
    return [_entry(event, keys, text_keys) for event in events]


def _entry(event: Any, keys: dict[str, bytes], text_keys: dict[str, bytes]) -> HistoryEntry:
    fields = {k: v for k, v in vars(event).items() if k not in _BASE}
    if "sealed" in fields:
        person = fields["person_id"]
        fields["sealed"] = sealing.unseal_fields(keys.get(person), person, fields["sealed"])
    for name in getattr(type(event), "free_text", ()):
        fields[name] = free_text.opened(fields.get(name), text_keys)
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
    if isinstance(event, ev.DeadlineRetracted):
        return f"{name} {event.rule} due {event.due}: {event.reading}"
    if isinstance(event, ev.ExperimentEnded):
        return f"experiment ended on {event.due} (R2); phase {event.phase} kept"
    if isinstance(event, grants.RoleGranted | grants.ProgrammeRoleGranted):
        return f"{event.role} role granted to {event.principal} (R15)"
    if isinstance(event, grants.RoleRevoked | grants.ProgrammeRoleRevoked):
        return f"{event.role} role revoked from {event.principal} (R15)"
    if isinstance(event, grants.ProgrammeRolesOpened):
        return f"roles of {event.programme} opened (R15)"
    if isinstance(event, ev.DeadlineMissed | ev.DeadlineApproaching | ev.DeadlineMet):
        return f"{name} {event.rule} due {event.due}"
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words


class Break(BaseModel):
    """One thing verification found wrong. `kind` says what: an event (its pilot and version),
    a snapshot, a command-ledger row, a programme, a checkpoint, the log itself (its leaves
    and tree rows) or the receipt."""

    model_config = ConfigDict(frozen=True)
    pilot_id: UUID | None
    version: int | None
    reason: str
    kind: str = "event"
    ref: str | None = None  # the command id, programme id, checkpoint id, tree node
    leaf: int | None = None  # the leaf of the audit log concerned

    def line(self) -> str:
        """The finding in one line (what `parcours audit verify` prints)."""
        if self.pilot_id is not None and self.version is not None:
            where = f"pilot {self.pilot_id} version {self.version}"
            if self.kind == "snapshot":
                where = f"snapshot of {where}"
            return f"audit trail broken at {where}: {self.reason}"
        return f"audit trail broken: {self.reason}"


class ReceiptCheck(BaseModel):
    """What was checked against a receipt: its tree head, and the consistency proof (RFC 9162
    §2.1.4) from it to the current log, which anyone holding the receipt can check again."""

    model_config = ConfigDict(frozen=True)
    size: int
    root: str
    issued_at: datetime
    key_id: str
    signature_ok: bool
    consistent: bool
    proof: list[str]


class AuditReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    ok: bool
    pilots: int
    events: int
    first_break: Break | None
    # The audit log: its size and root now, what was checked against a receipt, and every
    # finding (first_break is the first of them).
    leaves: int = 0
    root: str | None = None
    receipt: ReceiptCheck | None = None
    snapshots: int = 0
    problems: list[Break] = []


def verify_audit_trail(store: PilotStore, page: int = 1000) -> AuditReport:
    """Recompute every pilot's chain from the stored bytes; name the first break."""
    heads: dict[UUID, tuple[int, bytes]] = {}
    events = 0
    position = 0
    while True:
        notifications = store.recorder.select_notifications(start=position + 1, limit=page)
        if not notifications:
            break
        position = notifications[-1].id
        with store.reading() as session:
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
            digest = link(previous, pilot, n.originator_version, n.topic, as_bytes(n.state))
            if recorded.get((str(pilot), n.originator_version)) != digest:
                return _broken(
                    heads,
                    events,
                    pilot,
                    n.originator_version,
                    "stored bytes do not match the chain",
                )
            heads[pilot] = (n.originator_version, digest)
    with store.reading() as session:
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
    cut = _against_checkpoint(store, heads, events)
    if cut is not None:
        return cut
    return AuditReport(ok=True, pilots=len(heads), events=events, first_break=None)


def _recorded_links(session: Any, notifications: Sequence[Any]) -> dict[tuple[str, int], bytes]:
    keys = [(str(n.originator_id), n.originator_version) for n in notifications]
    rows = session.execute(
        select(chain.c.originator_id, chain.c.originator_version, chain.c.hash).where(
            pairs_in(chain.c.originator_id, chain.c.originator_version, keys)
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


def checkpoint(store: PilotStore, at: datetime) -> int:
    """Record every pilot's chain head (version and hash); returns the number of pilots."""
    with store.writing() as session:
        heads = {
            pilot: [int(version), bytes(digest).hex()]
            for pilot, version, digest in session.execute(_heads_query())
        }
        values = {
            "recorded_at": at.astimezone(UTC).replace(tzinfo=None),
            "pilots": len(heads),
            "heads": json.dumps(heads, sort_keys=True),
        }
        made = session.execute(audit_checkpoints.insert().values(**values))
        # A leaf of the audit log: rewriting or deleting the checkpoint breaks the log.
        values["id"] = made.inserted_primary_key[0]
        append_records(session, [checkpoint_entry(values)])
    return len(heads)


def last_checkpoint_at(store: PilotStore) -> datetime | None:
    """When the last checkpoint was recorded (aware, UTC), or None."""
    with store.reading() as session:
        last = session.execute(select(func.max(audit_checkpoints.c.recorded_at))).scalar()
    return None if last is None else last.replace(tzinfo=UTC)


def _heads_query() -> Any:
    latest = (
        select(chain.c.originator_id, func.max(chain.c.originator_version).label("version"))
        .group_by(chain.c.originator_id)
        .subquery()
    )
    return select(chain.c.originator_id, chain.c.originator_version, chain.c.hash).join(
        latest,
        (chain.c.originator_id == latest.c.originator_id)
        & (chain.c.originator_version == latest.c.version),
    )


def _against_checkpoint(
    store: PilotStore, heads: dict[UUID, tuple[int, bytes]], events: int
) -> AuditReport | None:
    """A checkpointed head must still be in the recomputed chain: catches a cut-off tail."""
    with store.reading() as session:
        row = session.execute(
            select(audit_checkpoints.c.heads).order_by(audit_checkpoints.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    try:
        checkpointed = {
            UUID(pilot_id): (int(version), bytes.fromhex(digest))
            for pilot_id, (version, digest) in json.loads(row.heads).items()
        }
    except (ValueError, TypeError, AttributeError):  # a checkpoint edited into anything
        return AuditReport(
            ok=False,
            pilots=len(heads),
            events=events,
            first_break=Break(
                pilot_id=None,
                version=None,
                reason="the last checkpoint cannot be read",
                kind="checkpoint",
            ),
        )
    with store.reading() as session:
        recorded = _recorded_links(
            session,
            [_Link(pilot, version) for pilot, (version, _) in checkpointed.items()],
        )
    for pilot, (version, digest) in sorted(checkpointed.items()):
        seen = heads.get(pilot, (0, GENESIS))[0]
        if seen < version:
            return _broken(
                heads,
                events,
                pilot,
                seen + 1,
                "events recorded before the last checkpoint are missing",
            )
        if recorded.get((str(pilot), version)) != digest:
            return _broken(
                heads, events, pilot, version, "the chain was rewritten since the last checkpoint"
            )
    return None


class _Link:
    def __init__(self, originator_id: UUID, originator_version: int) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version


def export_lines(store: PilotStore, keys: KeyStore, pilot_id: UUID) -> list[dict[str, Any]]:
    """The pilot's history with its chain, for an auditor who has nothing but the file."""
    entries = history(store, keys, pilot_id)
    stored = store.recorder.select_events(pilot_id)
    lines = []
    previous = GENESIS
    for entry, raw in zip(entries, stored, strict=True):
        digest = link(previous, pilot_id, raw.originator_version, raw.topic, as_bytes(raw.state))
        lines.append(
            {
                "pilot_id": str(pilot_id),
                "sequence": raw.originator_version,
                "topic": raw.topic,
                "state": base64.b64encode(as_bytes(raw.state)).decode("ascii"),
                "previous": previous.hex(),
                "hash": digest.hex(),
                "recorded_at": entry.recorded_at.isoformat(),
                "event_type": entry.event_type,
                "summary": entry.summary,
                "actor": entry.actor,
            }
        )
        previous = digest
    return lines


def verify_export(lines: list[dict[str, Any]]) -> AuditReport:
    """Recompute the chain of an exported history from the file alone."""
    previous = GENESIS
    pilot = UUID(int=0)
    for number, line in enumerate(lines, start=1):
        pilot = UUID(line["pilot_id"])
        state = base64.b64decode(line["state"])
        digest = link(previous, pilot, int(line["sequence"]), line["topic"], state)
        if line["sequence"] != number or line["previous"] != previous.hex():
            return AuditReport(
                ok=False,
                pilots=1,
                events=number,
                first_break=Break(
                    pilot_id=pilot, version=number, reason="a line is missing or out of order"
                ),
            )
        if line["hash"] != digest.hex():
            return AuditReport(
                ok=False,
                pilots=1,
                events=number,
                first_break=Break(
                    pilot_id=pilot, version=number, reason="the line does not match its hash"
                ),
            )
        stored = json.loads(state)
        readable = (line["recorded_at"], line["actor"], line["event_type"])
        if readable != (_recorded_at(stored), stored["actor"], line["topic"].split(":")[-1]):
            return AuditReport(
                ok=False,
                pilots=1,
                events=number,
                first_break=Break(
                    pilot_id=pilot, version=number, reason="the readable fields do not match"
                ),
            )
        previous = digest
    return AuditReport(ok=True, pilots=1 if lines else 0, events=len(lines), first_break=None)


def _recorded_at(state: dict[str, Any]) -> str:
    stamp = state["timestamp"]
    raw = stamp["_data_"] if isinstance(stamp, dict) else stamp
    return datetime.fromisoformat(raw).isoformat()
