"""One pilot's events with their inclusion proofs, for an auditor who has nothing else.

The document holds a signed receipt and, for each event of the pilot that the receipt covers,
its stored bytes (ciphertext for personal fields), its leaf index and its inclusion path
(RFC 9162 §2.1.3). With the public key alone, `check` verifies the receipt's signature,
recomputes each leaf from the bytes and the path up to the receipt's root, and checks that
the versions run 1, 2, 3… with no gap. (What the file cannot show: events of the pilot the
prover left off after the last one given; compare `last_version` with a later document.)
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from parcours.audit.keys import PublicKey
from parcours.audit.receipts import Receipt, parse
from parcours.audit.trail import AuditReport, Break, ReceiptCheck
from parcours.errors import InvalidInput
from parcours.store import log, log_reads, merkle
from parcours.store.eventstore import PilotStore

FORMAT = "parcours-pilot-proof"


def prove(store: PilotStore, pilot: UUID, receipt: Receipt) -> dict[str, Any]:
    size = receipt.size
    with store.reading() as session:
        rows = [
            r
            for r in log.leaves_of(session, str(pilot))
            if r.kind == "event" and r.leaf_index < size
        ]
        later = sum(1 for r in log.leaves_of(session, str(pilot)) if r.leaf_index >= size)
        events = log_reads.events_at(
            session, store.events_table, [(pilot, int(r.version)) for r in rows]
        )
        ranges = [merkle.inclusion_ranges(int(r.leaf_index), size) for r in rows]
        flat = [span for spans in ranges for span in spans]
        hashes = iter(merkle.resolve(log.StoredTree(session), flat))
    lines = []
    for row, spans in zip(rows, ranges, strict=True):
        stored = events.get((pilot, int(row.version)))
        path = [next(hashes).hex() for _ in spans]
        if stored is None:
            continue  # the event row is gone: the auditor sees the gap in the versions
        lines.append(
            {
                "leaf": int(row.leaf_index),
                "version": int(row.version),
                "topic": stored.topic,
                "event_type": stored.topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1],
                "state": base64.b64encode(log.as_bytes(stored.state)).decode("ascii"),
                "proof": path,
            }
        )
    return {
        "format": FORMAT,
        "version": 1,
        "pilot_id": str(pilot),
        "receipt": receipt.document(),
        "last_version": lines[-1]["version"] if lines else 0,
        "events_after_receipt": later,
        "events": lines,
    }


def check(document: dict[str, Any], public: PublicKey) -> AuditReport:
    try:
        if document.get("format") != FORMAT:
            raise InvalidInput("document", "input.not_a_proof")
        pilot = UUID(str(document["pilot_id"]))
        receipt = parse(document["receipt"])
        lines = list(document["events"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidInput("document", "input.not_a_proof") from None
    problems: list[Break] = []
    signed = receipt.signed_by(public)
    if signed:
        problems.append(Break(pilot_id=None, version=None, reason=signed, kind="receipt"))
    expected, last_leaf = 1, -1
    for line in lines:
        problems.extend(_line(pilot, receipt, line, expected, last_leaf))
        expected = int(line.get("version", expected)) + 1
        last_leaf = int(line.get("leaf", last_leaf))
    check_receipt = ReceiptCheck(
        size=receipt.size,
        root=receipt.root,
        issued_at=receipt.issued_at,
        key_id=receipt.key_id,
        signature_ok=not signed,
        consistent=not problems,
        proof=[],
    )
    return AuditReport(
        ok=not problems,
        pilots=1,
        events=len(lines),
        first_break=problems[0] if problems else None,
        leaves=receipt.size,
        root=receipt.root,
        receipt=check_receipt,
        problems=problems,
    )


def _line(pilot: UUID, receipt: Receipt, line: Any, expected: int, last_leaf: int) -> list[Break]:
    try:
        version, leaf = int(line["version"]), int(line["leaf"])
        state = base64.b64decode(line["state"], validate=True)
        path = [bytes.fromhex(h) for h in line["proof"]]
        topic = str(line["topic"])
    except (KeyError, TypeError, ValueError):
        return [Break(pilot_id=pilot, version=None, reason="a line is malformed")]

    def broken(reason: str) -> list[Break]:
        return [Break(pilot_id=pilot, version=version, leaf=leaf, reason=reason)]

    if version != expected:
        return broken(f"version {expected} is missing" if version > expected else "out of order")
    if leaf <= last_leaf:
        return broken("out of the log's order")
    digest = merkle.leaf_hash(log.event_bytes(pilot, version, topic, state))
    if not merkle.verify_inclusion(leaf, receipt.size, digest, path, receipt.root_bytes):
        return broken(f"not included under the receipt at leaf {leaf}")
    return []
