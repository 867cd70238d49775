"""Audit: histories, the per-pilot hash chain, and the audit log an outsider can check.

`trail`: every event of a pilot, the chain, checkpoints, history exports (`parcours.audit`
as it was). `keys` and `receipts`: the signing key kept outside the database and the signed
tree heads it makes. `verify`: the whole check, against a receipt. `snapshots`: snapshots
folded again from the events. `proofs`: one pilot's events with their inclusion proofs, for
an auditor who has nothing but the file and the public key.
"""

from parcours.audit.trail import (
    AuditReport,
    Break,
    checkpoint,
    export_lines,
    history,
    last_checkpoint_at,
    summary,
    verify_audit_trail,
    verify_export,
)

__all__ = [
    "AuditReport",
    "Break",
    "checkpoint",
    "export_lines",
    "history",
    "last_checkpoint_at",
    "summary",
    "verify_audit_trail",
    "verify_export",
]
