// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LibMerkle} from "../../src/libraries/LibMerkle.sol";

/// @notice Test helper: all levels of a LibMerkle tree, built once, and sibling proofs from them.
library MerkleTree {
    /// @dev levels[0] are the hashed (and zero-padded) leaves, levels[depth] = [root].
    function build(bytes32[] memory values) internal pure returns (bytes32[][] memory levels) {
        uint256 d = LibMerkle.depth(values.length);
        uint256 size = 1 << d;
        levels = new bytes32[][](d + 1);
        bytes32[] memory level = new bytes32[](size);
        for (uint256 i; i < values.length; ++i) {
            level[i] = LibMerkle.hashLeaf(values[i]);
        }
        levels[0] = level;
        for (uint256 l = 1; l <= d; ++l) {
            size >>= 1;
            bytes32[] memory up = new bytes32[](size);
            for (uint256 i; i < size; ++i) {
                up[i] = LibMerkle.hashNode(level[2 * i], level[2 * i + 1]);
            }
            levels[l] = up;
            level = up;
        }
    }

    function root(bytes32[][] memory levels) internal pure returns (bytes32) {
        return levels[levels.length - 1][0];
    }

    function proof(bytes32[][] memory levels, uint256 index) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](levels.length - 1);
        for (uint256 l; l < p.length; ++l) {
            p[l] = levels[l][index ^ 1];
            index >>= 1;
        }
    }
}
