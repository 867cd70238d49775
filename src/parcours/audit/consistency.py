"""A receipt against the log, and the log's stored tree against its recomputation.

`against`: the receipt's signature with this log's public key; the root that the leaves,
recomputed from the rows, make at the receipt's size (anything removed, rewritten or reordered
before the receipt was issued shows here, named by the first finding before that size); and
the consistency proof (RFC 9162 §2.1.4) from the receipt to the stored tree, as an outsider
holding only the receipt checks it. `tree_rows`: the first stored node row that differs from
the tree the leaves make.
"""

from __future__ import annotations

from typing import Any

from parcours.audit.keys import PublicKey
from parcours.audit.receipts import Receipt
from parcours.audit.trail import Break, ReceiptCheck
from parcours.store import log, merkle
from parcours.store.eventstore import PilotStore

EXTENDS = "the log no longer extends the receipt"


def against(
    store: PilotStore,
    receipt: Receipt,
    public: PublicKey | None,
    tree: merkle.MemoryTree,
    problems: list[Break],
    stored_size: int,
) -> tuple[ReceiptCheck, list[Break]]:
    found: list[Break] = []
    size = receipt.size
    signed = "no public key to check the receipt's signature with (PARCOURS_AUDIT_KEY)"
    if public is not None:
        signed = receipt.signed_by(public) or ""
    if signed:
        found.append(Break(pilot_id=None, version=None, reason=signed, kind="receipt"))
    if tree.size < size:
        earlier = [p for p in problems if p.leaf is not None and p.leaf < size]
        detail = f"it holds {tree.size} leaves, the receipt {size}: leaves were removed"
        found.append(_extends(earlier[0]) if earlier else _log(f"{EXTENDS}: {detail}"))
    elif tree.root(size) != receipt.root_bytes:
        earlier = [p for p in problems if p.leaf is not None and p.leaf < size]
        detail = f"its first {size} leaves no longer make the receipt's root"
        found.append(_extends(earlier[0]) if earlier else _log(f"{EXTENDS}: {detail}"))
    proof: list[bytes] = []
    consistent = False
    with store.reading() as session:
        try:
            stored = log.StoredTree(session)
            later = merkle.root(stored, stored_size)
            if 0 < size <= stored_size:
                proof = merkle.consistency_proof(stored, size, stored_size)
            consistent = merkle.verify_consistency(
                size, stored_size, receipt.root_bytes, later, proof
            )
        except (log.MissingNode, merkle.ProofError):
            consistent = False
    if not consistent and not found:
        found.append(_log(f"{EXTENDS}: the stored tree's consistency proof fails"))
    check = ReceiptCheck(
        size=size,
        root=receipt.root,
        issued_at=receipt.issued_at,
        key_id=receipt.key_id,
        signature_ok=not signed,
        consistent=consistent and not found,
        proof=[p.hex() for p in proof],
    )
    return check, found


def _extends(problem: Break) -> Break:
    return problem.model_copy(update={"reason": f"{EXTENDS}: {problem.reason}"})


def _log(reason: str) -> Break:
    return Break(pilot_id=None, version=None, reason=reason, kind="log")


def tree_rows(session: Any, tree: merkle.MemoryTree, stored_size: int) -> list[Break]:
    """The stored node rows against the recomputed tree: the first that differs."""
    if stored_size != tree.size:
        return [_log(f"the log's tree says {stored_size} leaves, its leaves make {tree.size}")]
    after = (0, -1)
    counts = [0] * len(tree.levels)
    while True:
        rows = log.node_rows(session, after, 5000)
        if not rows:
            break
        after = (int(rows[-1].level), int(rows[-1].idx))
        for row in rows:
            level, index = int(row.level), int(row.idx)
            known = tree.levels[level] if level < len(tree.levels) else []
            if index >= len(known) or known[index] != log.as_bytes(row.hash):
                return [_tree_row(level, index, "differs from its recomputation")]
            counts[level] += 1
    for level in range(1, len(tree.levels)):
        if counts[level] != len(tree.levels[level]):
            return [_tree_row(level, counts[level], "is missing")]
    return []


def _tree_row(level: int, index: int, what: str) -> Break:
    return Break(
        pilot_id=None,
        version=None,
        reason=f"the log's tree row (level {level}, index {index}) {what}",
        kind="log",
        ref=f"{level}:{index}",
    )
