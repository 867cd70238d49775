"""The Merkle tree of RFC 6962 / RFC 9162 (Certificate Transparency): hashes and proofs.

Pure: no database. A tree of `size` leaves D[0:size] has the root MTH(D[0:size]) where
MTH of one leaf is SHA-256(0x00 ‖ leaf) and MTH(D[a:b]) splits at the largest power of two
below b - a: SHA-256(0x01 ‖ MTH(left) ‖ MTH(right)). The prefixes keep a leaf from passing
for a node (second preimages).

Every subtree the proofs need is either *perfect* (2^level leaves starting at a multiple of
2^level: the node `(level, index)`, which never changes once its leaves exist, so the log
stores it) or the right edge of a tree, made of a few perfect ones. The functions below first
name the perfect nodes they need (`parts`), then compose the hashes a `Nodes` source hands
back: a proof costs one read of O(log n) stored nodes, whatever the size of the log.

Proofs are the RFC's: inclusion paths (RFC 9162 §2.1.3) and consistency proofs (§2.1.4),
generated as RFC 6962 §2.1.1–2.1.2 say and verified with RFC 9162's algorithms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

Node = tuple[int, int]  # (level, index): the perfect subtree of leaves [index·2^level, …)
Range = tuple[int, int]  # leaves [start, end)

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof was asked for sizes or an index the tree does not have."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two strictly below `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_parts(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up D[start:end], left to right (largest first).

    `start` is aligned: a multiple of a power of two at least end - start, as every range
    met while splitting a tree from 0 is."""
    parts: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        if size == 1 << level:
            parts.append((level, start >> level))
            break
        width = split(size)
        parts.append((width.bit_length() - 1, start >> (width.bit_length() - 1)))
        start += width
    return parts


def compose(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its perfect parts (see `perfect_parts`)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


class Nodes(Protocol):
    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        """The hashes of these perfect subtrees (KeyError or absent if one is missing)."""
        ...


def resolve(source: Nodes, ranges: Sequence[Range]) -> list[bytes]:
    """MTH of each range, reading every perfect node they need at once."""
    needed = {r: perfect_parts(*r) for r in ranges}
    found = source.nodes({part for parts in needed.values() for part in parts})
    return [compose([found[part] for part in needed[r]]) for r in ranges]


# -- which subtrees make a proof (RFC 6962 §2.1.1 and §2.1.2), as ranges --------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]): the subtrees whose hashes, bottom up, prove leaf `index`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(old: int, new: int) -> list[Range]:
    """PROOF(old, D[0:new]): the subtrees that prove D[0:old] is a prefix of D[0:new]."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency proof from {old} to {new} leaves")
    proof: list[Range] = []
    start, end, whole = 0, new, True
    m = old
    while True:
        if m == end - start:
            if not whole:
                proof.append((start, end))
            break
        k = split(end - start)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def root(source: Nodes, size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return resolve(source, [(0, size)])[0]


def inclusion_proof(source: Nodes, index: int, size: int) -> list[bytes]:
    return resolve(source, inclusion_ranges(index, size))


def consistency_proof(source: Nodes, old: int, new: int) -> list[bytes]:
    if old == new:
        return []
    return resolve(source, consistency_ranges(old, new))


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that `path` proves leaf `index` (of `size`) under; ProofError if malformed."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofError("the inclusion path is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion path is too short")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, path) == root
    except ProofError:
        return False


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `old` leaves (old_root) is a prefix of the tree of
    `new` leaves (new_root)."""
    if old > new or old < 0:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first subtree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(sibling, first)
            second = node_hash(sibling, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == old_root and second == new_root


# -- a tree in memory: what verification recomputes, and what appending extends -------------


class Frontier:
    """The right edge of a tree: the perfect subtrees of D[0:size], enough to append.

    `append(leaf)` returns the nodes the new leaf completes, bottom up: (level, index, hash),
    the leaf itself first. Appending n leaves costs about 2n hashes and writes."""

    def __init__(self, size: int = 0, edge: Sequence[tuple[int, int, bytes]] = ()) -> None:
        self.size = size
        self.edge = list(edge)  # (level, index, hash), largest subtree first
        if [(level, index) for level, index, _ in self.edge] != perfect_parts(0, size):
            raise ValueError(f"the frontier does not describe a tree of {size} leaves")

    @staticmethod
    def wanted(size: int) -> list[Node]:
        return perfect_parts(0, size)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        level, index, digest = 0, self.size, leaf
        made = [(level, index, digest)]
        while index & 1:
            _, _, left = self.edge.pop()
            digest = node_hash(left, digest)
            level, index = level + 1, index >> 1
            made.append((level, index, digest))
        self.edge.append((level, index, digest))
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        return compose([digest for _, _, digest in self.edge])

    def copy(self) -> Frontier:
        return Frontier(self.size, self.edge)


class MemoryTree:
    """Every perfect node of a tree, in memory (tests, and recomputation by verification)."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        made = self.frontier.append(leaf)
        for level, _, digest in made:
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(digest)
        return made

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        return {(level, index): self.levels[level][index] for level, index in wanted}

    def root(self, size: int | None = None) -> bytes:
        return root(self, self.size if size is None else size)
