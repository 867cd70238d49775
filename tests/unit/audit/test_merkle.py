"""The Merkle tree of the audit log is RFC 6962's: the test vectors of Certificate
Transparency's reference implementations, and agreement with pymerkle 7 on random trees."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.store import merkle

# The eight leaves, their roots for sizes 1..8, and the inclusion and consistency proofs of the
# RFC 6962 test vectors (as in Certificate Transparency's and transparency-dev's test suites).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
INCLUSION = [  # (leaf, 1-based as in the vectors; size; path)
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (1, 1, []),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def tree(size: int) -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(leaf) for leaf in LEAVES[:size])


def flipped(path: list[bytes], at: int) -> list[bytes]:
    changed = list(path)
    changed[at] = bytes([changed[at][0] ^ 0x10]) + changed[at][1:]
    return changed


def test_the_empty_tree_hashes_to_the_hash_of_nothing() -> None:
    assert merkle.MemoryTree().root() == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_hashes_match_the_rfc_6962_vectors(size: int) -> None:
    assert tree(size).root() == ROOTS[size - 1]
    assert tree(8).root(size) == ROOTS[size - 1]  # an older size, from the larger tree


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_rfc_6962_vectors(leaf: int, size: int, path: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in path]
    proof = merkle.inclusion_proof(tree(8), leaf - 1, size)
    leaf_hash = merkle.leaf_hash(LEAVES[leaf - 1])

    assert proof == expected
    assert merkle.verify_inclusion(leaf - 1, size, leaf_hash, proof, ROOTS[size - 1])
    for at in range(len(proof)):
        assert not merkle.verify_inclusion(
            leaf - 1, size, leaf_hash, flipped(proof, at), ROOTS[size - 1]
        )
    assert not merkle.verify_inclusion(
        leaf - 1, size, leaf_hash, [*proof, ROOTS[0]], ROOTS[size - 1]
    )
    if proof:
        assert not merkle.verify_inclusion(leaf - 1, size, leaf_hash, proof[:-1], ROOTS[size - 1])
        assert not merkle.verify_inclusion(leaf - 1, size * 2, leaf_hash, proof, ROOTS[size - 1])
        assert not merkle.verify_inclusion(leaf % size, size, leaf_hash, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_rfc_6962_vectors(
    old: int, new: int, proof: list[str]
) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    made = merkle.consistency_proof(tree(8), old, new)
    old_root, new_root = ROOTS[old - 1], ROOTS[new - 1]

    assert made == expected
    assert merkle.verify_consistency(old, new, old_root, new_root, made)
    if not made:
        return
    for at in range(len(made)):
        assert not merkle.verify_consistency(old, new, old_root, new_root, flipped(made, at))
    assert not merkle.verify_consistency(old, new, new_root, old_root, made)  # swapped roots
    assert not merkle.verify_consistency(old, new, old_root, new_root, made[:-1])
    assert not merkle.verify_consistency(old, new, old_root, new_root, [*made, old_root])
    assert not merkle.verify_consistency(old, new, old_root, new_root, [])
    assert not merkle.verify_consistency(old - 1 or 2, new, old_root, new_root, made)
    assert not merkle.verify_consistency(old, new * 2, old_root, new_root, made)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(3, 3)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(0, 3)
    assert not merkle.verify_consistency(4, 3, ROOTS[3], ROOTS[2], [])
    assert merkle.verify_consistency(0, 3, merkle.EMPTY_ROOT, ROOTS[2], [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=70), st.data())
def test_roots_and_proofs_agree_with_pymerkle(leaves: list[bytes], data: st.DataObject) -> None:
    pymerkle = pytest.importorskip("pymerkle")
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        theirs.append_entry(leaf)
    ours = merkle.MemoryTree(merkle.leaf_hash(leaf) for leaf in leaves)
    new = len(leaves)
    old = data.draw(st.integers(1, new))
    index = data.draw(st.integers(0, new - 1))

    assert ours.root() == theirs.get_root()
    assert ours.root(old) == theirs.get_root(old)
    # pymerkle's inclusion proof carries the RFC's path (its own `rule` says which side).
    their_path = theirs.prove_inclusion(index + 1, new).path[1:]
    assert sorted(merkle.inclusion_proof(ours, index, new)) == sorted(their_path)
    # Consistency: pymerkle's proof is of its own form; both must accept the same pair.
    theirs.prove_consistency(old, new).verify(theirs.get_root(old), theirs.get_root(new))
    proof = merkle.consistency_proof(ours, old, new)
    assert merkle.verify_consistency(old, new, ours.root(old), ours.root(), proof)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.data())
def test_frontier_appends_make_the_same_nodes_as_a_whole_tree(
    size: int, data: st.DataObject
) -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    whole = merkle.MemoryTree(leaves)
    cut = data.draw(st.integers(0, size))
    edge = whole.nodes(merkle.Frontier.wanted(cut))
    frontier = merkle.Frontier(
        cut, [(lv, ix, edge[(lv, ix)]) for lv, ix in merkle.Frontier.wanted(cut)]
    )
    made = [node for leaf in leaves[cut:] for node in frontier.append(leaf)]

    assert frontier.root() == whole.root()
    assert all(whole.levels[level][index] == digest for level, index, digest in made)
