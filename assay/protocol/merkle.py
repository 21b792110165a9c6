"""The trace Merkle tree, bit-for-bit the one in contracts/src/libraries/LibMerkle.sol.

leaf_i = keccak256(0x00 || v_i) for i < n, bytes32(0) padding up to 2^depth(n);
node = keccak256(0x01 || left || right); a proof lists the siblings from the leaf up.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_hash.auto import keccak

from assay.errors import ProtocolError
from assay.protocol.types import StateHash

_LEAF = b"\x00"
_NODE = b"\x01"
_ZERO = b"\x00" * 32

Proof = tuple[StateHash, ...]


def depth(n: int) -> int:
    """ceil(log2 n), 0 for a single leaf; n must be >= 1."""
    if n < 1:
        raise ProtocolError("a Merkle tree needs at least one leaf; got an empty list of values")
    return (n - 1).bit_length()


def hash_leaf(value: bytes) -> StateHash:
    """keccak256(0x00 || value)."""
    return StateHash(keccak(_LEAF + _as32(value)))


def hash_node(left: bytes, right: bytes) -> StateHash:
    """keccak256(0x01 || left || right)."""
    return StateHash(keccak(_NODE + _as32(left) + _as32(right)))


def _as32(value: bytes) -> bytes:
    if len(value) != 32:
        raise ProtocolError(f"Merkle values are 32 bytes, got {len(value)} bytes")
    return bytes(value)


class MerkleTree:
    """All levels of the tree over `values` (leaf level first), for the root and any proof."""

    def __init__(self, values: Sequence[bytes]) -> None:
        n = len(values)
        d = depth(n)
        self._n = n
        self._values = [StateHash(v) for v in values]
        # Raw bytes and a local keccak keep 100k leaves at about a second.
        level: list[bytes] = [keccak(_LEAF + v) for v in self._values]
        level.extend([_ZERO] * ((1 << d) - n))
        levels = [level]
        while len(level) > 1:
            level = [keccak(_NODE + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
            levels.append(level)
        self._levels = levels

    @property
    def size(self) -> int:
        """Number of leaf values n (without padding)."""
        return self._n

    @property
    def depth(self) -> int:
        """Proof length, ceil(log2 n)."""
        return len(self._levels) - 1

    @property
    def root(self) -> StateHash:
        """The Merkle root."""
        return StateHash(self._levels[-1][0])

    def value(self, index: int) -> StateHash:
        """Leaf value `index` (before leaf hashing)."""
        self._check_index(index)
        return self._values[index]

    def proof(self, index: int) -> Proof:
        """Siblings of leaf `index` from the bottom up."""
        self._check_index(index)
        siblings = []
        for level in self._levels[:-1]:
            siblings.append(StateHash(level[index ^ 1]))
            index >>= 1
        return tuple(siblings)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self._n:
            raise ProtocolError(f"leaf index {index} is outside the tree of {self._n} leaves")


def verify(root: bytes, n: int, index: int, value: bytes, proof: Sequence[bytes]) -> bool:
    """True iff `value` is leaf `index` of the n-leaf tree `root`; never raises on bad input."""
    if n < 1 or not 0 <= index < n or len(proof) != depth(n):
        return False
    if len(value) != 32 or len(root) != 32 or any(len(p) != 32 for p in proof):
        return False
    h = keccak(_LEAF + bytes(value))
    for sibling in proof:
        s = bytes(sibling)
        h = keccak(_NODE + h + s) if index & 1 == 0 else keccak(_NODE + s + h)
        index >>= 1
    return h == bytes(root)
