// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title LibMerkle
/// @notice The trace trees Assay commits to (state hashes h_0..h_T, op records r_0..r_N).
/// Mirrored exactly by `assay.protocol.merkle` (shared vectors in contracts/test/vectors/merkle.json).
///
/// For n >= 1 leaf values v_0..v_{n-1}:
///   depth(n) = ceil(log2 n)                        (0 for n = 1)
///   leaf_i   = keccak256(0x00 || v_i)              for i < n
///   leaf_i   = bytes32(0)                          for n <= i < 2^depth (padding)
///   node     = keccak256(0x01 || left || right)
/// The domain bytes keep a leaf from passing as an inner node. A proof is the list of siblings from
/// the leaf up; bit b of the index says whether the node is a right child at level b.
library LibMerkle {
    /// @notice ceil(log2 n); n must be >= 1.
    function depth(uint256 n) internal pure returns (uint256 d) {
        // INVARIANT: a tree has at least one leaf.
        require(n >= 1, "LibMerkle: empty tree");
        uint256 size = 1;
        while (size < n) {
            size <<= 1;
            unchecked {
                ++d;
            }
        }
    }

    function hashLeaf(bytes32 value) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, 0)
            mstore(0x01, value)
            h := keccak256(0x00, 0x21)
        }
    }

    function hashNode(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 1)
            mstore(add(ptr, 0x01), left)
            mstore(add(ptr, 0x21), right)
            h := keccak256(ptr, 0x41)
        }
    }

    /// @notice True iff `value` is leaf `index` of the tree of `n` leaves with root `expectedRoot`.
    /// False on a wrong proof length or an index out of range (never reverts for those).
    function verify(bytes32 expectedRoot, uint256 n, uint256 index, bytes32 value, bytes32[] calldata proof)
        internal
        pure
        returns (bool)
    {
        if (n == 0 || index >= n || proof.length != depth(n)) return false;
        bytes32 h = hashLeaf(value);
        for (uint256 i; i < proof.length;) {
            h = (index & 1 == 0) ? hashNode(h, proof[i]) : hashNode(proof[i], h);
            index >>= 1;
            unchecked {
                ++i;
            }
        }
        return h == expectedRoot;
    }

    /// @notice Root of `values` (used by tests and tooling; O(n) memory).
    function root(bytes32[] memory values) internal pure returns (bytes32) {
        uint256 n = values.length;
        uint256 d = depth(n);
        uint256 size = uint256(1) << d;
        bytes32[] memory level = new bytes32[](size);
        for (uint256 i; i < n; ++i) {
            level[i] = hashLeaf(values[i]);
        }
        while (size > 1) {
            size >>= 1;
            for (uint256 i; i < size; ++i) {
                level[i] = hashNode(level[2 * i], level[2 * i + 1]);
            }
        }
        return level[0];
    }
}
