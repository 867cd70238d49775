"""Reading pilots back: views, history, audit, personal data (R12–R14)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from parcours import audit
from parcours.audit import keys as audit_keys
from parcours.audit import proofs, receipts
from parcours.audit import verify as audit_verify
from parcours.domain.pilot import Pilot
from parcours.domain.roles import MASKED
from parcours.errors import InvalidInput, PilotNotFound
from parcours.privacy import rights, sealing
from parcours.projections import readers
from parcours.service.pipeline import Service
from parcours.service.sealed_text import open_texts
from parcours.store import ledger
from parcours.store.bulk import paused_collector
from parcours.views import (
    CommunicationView,
    ContactView,
    Evaluation,
    HistoryEntry,
    IndicatorView,
    PhaseStep,
    PilotSummary,
    PilotView,
    ProjectView,
    RaisedAlert,
    TimeEntry,
)

# A pilot's time log as the view's entries, validated in one call (thousands over a programme).
_TIME_ENTRIES = TypeAdapter(list[TimeEntry])


class PilotQueries(Service):
    # -- queries ----------------------------------------------------------------------------

    def get_pilot(self, pilot: Any, *, actor: str, as_of: datetime | None = None) -> PilotView:
        """The pilot now (or as recorded at `as_of`). R12, R15: personal values for the
        agency, the Region and the pilot's own referents; an auditor reads "[personal]"."""
        ident = self.pipeline.pilot_id(pilot, actor)
        # One read transaction for the whole view: the permit, the version as of the instant,
        # the snapshot and the events after it, the keys (each its own transaction before: a
        # BEGIN and a ROLLBACK each, a fifth of an as-of read on PostgreSQL), and they all
        # see the same state. A pilot of a whole programme is thousands of time entries,
        # folded then validated: the collector's passes over them doubled the average read.
        with self.pipeline.reading(), paused_collector():
            permit = self.pipeline.permit("get_pilot", actor, pilot_id=ident)
            if as_of is None:
                view = self.view(self.pipeline.load(ident))
            else:
                view = self.view(self._replay_as_of(ident, as_of))
        return masked_view(view) if permit.masked else view

    def list_pilots(
        self, *, programme: str | None = None, actor: str | None = None
    ) -> list[PilotSummary]:
        self.pipeline.permit_optional("list_pilots", actor)
        with self.pipeline.reading() as session:
            rows = readers.pilot_summaries(session, programme)
        return [
            PilotSummary(
                id=UUID(r.pilot_id),
                name=r.name,
                programme=r.programme,
                phase=r.phase,
                phase_since=r.phase_since,
            )
            for r in rows
        ]

    def history(self, pilot: Any, *, actor: str) -> list[HistoryEntry]:
        """Every event of the pilot: sequence, recorded time, effective date, actor, fields
        (personal values masked for an auditor, as in `get_pilot`)."""
        ident = self.pipeline.pilot_id(pilot, actor)
        permit = self.pipeline.permit("history", actor, pilot_id=ident)
        entries = audit.history(
            self.pipeline.store, self.pipeline.keys, self.pipeline.load(ident).id
        )
        return [masked_entry(e) for e in entries] if permit.masked else entries

    def verify_audit_trail(
        self, *, receipt: Any = None, public_key: str | None = None, actor: str | None = None
    ) -> audit.AuditReport:
        """Recompute the chain of every pilot and every leaf of the audit log from the stored
        rows, the log's tree, the ledger's pointers and the snapshots; with a `receipt` (a
        dict, its JSON, or a file's text) also check its signature and that the log still
        extends it. Without one, the last receipt this database kept is used, if any.
        `public_key`: the PEM to check signatures with (default: this installation's key)."""
        self.pipeline.permit_optional("verify_audit_trail", actor)
        store = self.pipeline.store
        public = (
            audit_keys.PublicKey.from_pem(public_key)
            if public_key is not None
            else audit_keys.public_key(
                store, self.pipeline.settings.audit_key, in_memory=store.in_memory
            )
        )
        parsed = receipts.parse(receipt) if receipt is not None else None
        if parsed is None and public is not None:
            parsed = receipts.last_kept(store)
        return audit_verify.verify(store, receipt=parsed, public=public)

    def audit_receipt(self, *, at: datetime | None = None) -> dict[str, Any]:
        """A signed tree head of the audit log (JSON data): keep it outside the database; a
        later `verify_audit_trail(receipt=…)` proves the log still holds what it held."""
        return receipts.issue(
            self.pipeline.store, self._signing_key(), at or self.pipeline.now()
        ).document()

    def audit_public_key(self) -> str:
        """The PEM of the public key receipts are signed with (to publish to auditors)."""
        return self._signing_key().public.pem()

    def prove_pilot(self, pilot: Any, *, receipt: Any = None) -> dict[str, Any]:
        """The pilot's stored events, each with its inclusion proof under a receipt (a new one
        if none is given): checkable with nothing but this document and the public key."""
        ident = self.pipeline.load(pilot).id
        parsed = receipts.parse(receipt) if receipt is not None else None
        if parsed is None:
            parsed = receipts.parse(self.audit_receipt())
        return proofs.prove(self.pipeline.store, ident, parsed)

    @staticmethod
    def verify_pilot_proofs(document: dict[str, Any], public_key: str) -> audit.AuditReport:
        """Check a `prove_pilot` document with nothing but it and the public key's PEM."""
        return proofs.check(document, audit_keys.PublicKey.from_pem(public_key))

    def _signing_key(self) -> audit_keys.SigningKey:
        store = self.pipeline.store
        return audit_keys.signing_key(
            store, self.pipeline.settings.audit_key, in_memory=store.in_memory
        )

    def checkpoint_audit_trail(self, at: datetime | None = None) -> int:
        """Record every pilot's chain head; a later verification then also catches a tail
        cut off, or a chain rewritten, since. The scheduler does it once a day."""
        return audit.checkpoint(self.pipeline.store, at or self.pipeline.now())

    def export_audit(self, pilot: Any, *, actor: str) -> list[dict[str, Any]]:
        """The pilot's history with its chain, one JSON object per event, for an auditor (it
        carries the stored bytes, personal fields sealed, and no plain personal value)."""
        ident = self.pipeline.pilot_id(pilot, actor)
        self.pipeline.permit("export_audit", actor, pilot_id=ident)
        return audit.export_lines(
            self.pipeline.store, self.pipeline.keys, self.pipeline.load(ident).id
        )

    @staticmethod
    def verify_audit_export(lines: list[dict[str, Any]]) -> audit.AuditReport:
        """Check an exported history with nothing but its lines."""
        return audit.verify_export(lines)

    def _replay_as_of(self, pilot_id: UUID, as_of: datetime) -> Pilot:
        if as_of.tzinfo is None:
            raise InvalidInput("as_of", "instant.naive")
        with self.pipeline.reading() as session:
            version = ledger.version_at(session, str(pilot_id), as_of)
        if version is None:
            raise PilotNotFound(pilot_id, as_of.isoformat())
        return self.pipeline.replay(pilot_id, version)

    def view(self, pilot: Pilot) -> PilotView:
        with self.pipeline.reading() as session:
            keys = self.pipeline.keys.keys(session, pilot.contacts)
        text = open_texts(self.pipeline, _free_text(pilot))
        return PilotView(
            id=pilot.id,
            name=pilot.name,
            programme=pilot.programme,
            siren=pilot.siren,
            phase=pilot.phase,
            phase_since=pilot.phase_since,
            charter_signed_on=pilot.charter_signed_on,
            phase_history=[PhaseStep(phase=p, since=d) for p, d in pilot.phase_history],
            contacts=[_contact(pid, c, keys.get(pid)) for pid, c in pilot.contacts.items()],
            projects=[_project(pid, p) for pid, p in text["projects"].items()],
            time_logged=_TIME_ENTRIES.validate_python(pilot.time_logs),
            days_logged=sum(t["days"] for t in pilot.time_logs),
            follow_ups=list(pilot.follow_ups),
            rex=dict(pilot.rex),
            alerts=[RaisedAlert(alert_id=UUID(i), **a) for i, a in text["alerts"].items()],
            communications=[
                CommunicationView(communication_id=UUID(i), **c)
                for i, c in text["communications"].items()
            ],
            evaluation=Evaluation(**text["evaluation"]) if text["evaluation"] else None,
            withdrawal_reason=text["withdrawal_reason"],
            version=pilot.version,
            recorded_at=pilot.modified_on,
        )


def masked_view(view: PilotView) -> PilotView:
    """The view an auditor reads: every personal value replaced by "[personal]" (R12)."""
    return view.model_copy(update={"contacts": [masked_contact(c) for c in view.contacts]})


def masked_contact(contact: ContactView) -> ContactView:
    """A contact as an auditor reads it: every personal value as "[personal]" (R12)."""
    return contact.model_copy(
        update={
            name: _masked(getattr(contact, name))
            for name in ("first_name", "last_name", "email", "phone", "title")
        }
    )


def masked_entry(entry: HistoryEntry) -> HistoryEntry:
    """A history entry as an auditor reads it: sealed personal values as "[personal]"."""
    sealed = entry.fields.get("sealed")
    if not isinstance(sealed, dict):
        return entry
    fields = {**entry.fields, "sealed": {k: _masked(v) for k, v in sealed.items()}}
    return entry.model_copy(update={"fields": fields})


def _masked(value: Any) -> Any:
    # What is already gone stays "[purged]"; an absent title stays absent.
    return value if value is None or value == sealing.PURGED else MASKED


def _free_text(pilot: Pilot) -> dict[str, Any]:
    """The parts of the state that hold free text (sealed tokens, R13)."""
    return {
        "alerts": pilot.alerts,
        "communications": pilot.communications,
        "evaluation": pilot.evaluation,
        "withdrawal_reason": pilot.withdrawal_reason,
        "projects": pilot.projects,
    }


def _contact(person_id: str, contact: dict[str, Any], key: bytes | None) -> ContactView:
    plain = sealing.unseal_fields(key, person_id, contact["sealed"])
    status = rights.contact_status(contact, key)
    gone = sealing.PURGED
    return ContactView(
        person_id=UUID(person_id),
        role=contact["role"],
        current=contact["current"],
        status=status,
        first_name=plain.get("first_name", gone),
        last_name=plain.get("last_name", gone),
        email=plain.get("email", gone),
        phone=plain.get("phone", gone),
        title=plain.get("title"),
        designated_on=contact["designated_on"],
    )


def _project(project_id: str, project: dict[str, Any]) -> ProjectView:
    return ProjectView(
        project_id=UUID(project_id),
        title=project["title"],
        theme=project["theme"],
        framed=project["framed"],
        evaluation_protocol=project["evaluation_protocol"],
        owner=project.get("owner"),
        indicators=[
            IndicatorView(**i, reports=project["reports"].get(i["key"], {}))
            for i in project["indicators"]
        ],
    )


# A sealed contact as a view: the programme's contacts (R11) are shown as a pilot's are.
contact_view = _contact
