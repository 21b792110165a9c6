"""assay.protocol.merkle is LibMerkle: shared vectors, properties, and proofs verified on-chain."""

from __future__ import annotations

import json

import pytest
from eth_hash.auto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_abi
from assay.errors import ProtocolError
from assay.protocol import vectors
from assay.protocol.merkle import MerkleTree, depth, hash_leaf, hash_node, verify
from assay.protocol.types import StateHash


def _values(n: int, salt: int = 0) -> list[StateHash]:
    return [StateHash(keccak((salt * 10_000 + i).to_bytes(32, "big"))) for i in range(n)]


@pytest.mark.parametrize(("n", "d"), [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4)])
def test_depth_is_ceil_log2(n: int, d: int) -> None:
    assert depth(n) == d


def test_depth_rejects_empty_tree() -> None:
    with pytest.raises(ProtocolError, match="at least one leaf"):
        depth(0)


def test_single_leaf_root_is_the_leaf_hash() -> None:
    v = _values(1)
    assert MerkleTree(v).root == hash_leaf(v[0])
    assert MerkleTree(v).proof(0) == ()


def test_three_leaves_pad_with_zero() -> None:
    v = _values(3)
    zero = b"\x00" * 32
    expected = hash_node(
        hash_node(hash_leaf(v[0]), hash_leaf(v[1])), hash_node(hash_leaf(v[2]), zero)
    )
    assert MerkleTree(v).root == expected


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = _values(2)
    assert hash_leaf(a) == keccak(b"\x00" + a)
    assert hash_node(a, b) == keccak(b"\x01" + a + b)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 33])
def test_every_proof_verifies_and_tampering_fails(n: int) -> None:
    values = _values(n)
    tree = MerkleTree(values)
    for i in range(n):
        proof = tree.proof(i)
        assert len(proof) == depth(n)
        assert verify(tree.root, n, i, values[i], proof)
        assert not verify(tree.root, n, i, _values(1, salt=99)[0], proof)
        if n > 1:
            assert not verify(tree.root, n, i ^ 1 if (i ^ 1) < n else i - 1, values[i], proof)
            bad = list(proof)
            bad[0] = StateHash(bytes([bad[0][0] ^ 1]) + bad[0][1:])
            assert not verify(tree.root, n, i, values[i], bad)
            assert not verify(tree.root, n, i, values[i], proof[:-1])
        assert not verify(tree.root, n, i, values[i], (*proof, StateHash.zero()))
    assert not verify(tree.root, n, n, values[0], tree.proof(0))
    assert not verify(tree.root, 0, 0, values[0], ())


def test_proof_index_out_of_range_raises() -> None:
    with pytest.raises(ProtocolError, match="outside the tree"):
        MerkleTree(_values(4)).proof(4)


def test_large_tree_builds() -> None:
    values = _values(100_000)
    tree = MerkleTree(values)
    assert tree.depth == 17
    assert verify(tree.root, 100_000, 77_777, values[77_777], tree.proof(77_777))


def test_committed_vectors_match_the_implementation() -> None:
    committed = vectors.DEFAULT_PATH.read_text()
    assert committed == vectors.render(), "run `python -m assay.protocol.vectors` and commit"
    doc = json.loads(committed)
    assert doc["treeCount"] == len(doc["trees"]) == len(vectors.SIZES)
    for tree in doc["trees"]:
        values = [StateHash(v) for v in tree["values"]]
        assert MerkleTree(values).root.to_hex() == tree["root"]
        for p in tree["proofs"]:
            assert verify(
                StateHash(tree["root"]),
                tree["n"],
                p["index"],
                StateHash(p["value"]),
                [StateHash(s) for s in p["proof"]],
            )


# ---------------------------------------------------------------- on-chain agreement


@pytest.fixture(scope="module")
def onchain_harness(anvil: Anvil, merkle_harness_address: str) -> object:
    """The web3 contract of MerkleHarness (session deployment)."""
    return anvil.w3.eth.contract(address=merkle_harness_address, abi=load_abi("MerkleHarness"))


@pytest.mark.anvil
def test_vectors_verify_on_chain(onchain_harness: object) -> None:
    fns = onchain_harness.functions  # type: ignore[attr-defined]
    for tree in vectors.build_vectors()["trees"]:
        assert fns.root([bytes(StateHash(v)) for v in tree["values"]]).call().hex() == tree[
            "root"
        ].removeprefix("0x")
        for p in tree["proofs"]:
            proof = [bytes(StateHash(s)) for s in p["proof"]]
            assert fns.verify(
                StateHash(tree["root"]), tree["n"], p["index"], StateHash(p["value"]), proof
            ).call()


@pytest.mark.anvil
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), n=st.integers(min_value=1, max_value=1025))
def test_python_proofs_verify_on_chain(
    onchain_harness: object, data: st.DataObject, n: int
) -> None:
    values = [StateHash(keccak(n.to_bytes(8, "big") + i.to_bytes(8, "big"))) for i in range(n)]
    tree = MerkleTree(values)
    index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
    proof = [bytes(s) for s in tree.proof(index)]
    fns = onchain_harness.functions  # type: ignore[attr-defined]
    assert fns.verify(tree.root, n, index, values[index], proof).call()
    assert not fns.verify(tree.root, n, index, Web3.keccak(values[index]), proof).call()
    if n > 1:
        other = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda j: j != index))
        assert not fns.verify(tree.root, n, other, values[index], proof).call()
