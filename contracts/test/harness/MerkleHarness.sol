// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LibMerkle} from "../../src/libraries/LibMerkle.sol";

/// @notice Exposes LibMerkle to tests (forge and Python, through web3 on anvil).
contract MerkleHarness {
    function depth(uint256 n) external pure returns (uint256) {
        return LibMerkle.depth(n);
    }

    function hashLeaf(bytes32 value) external pure returns (bytes32) {
        return LibMerkle.hashLeaf(value);
    }

    function hashNode(bytes32 left, bytes32 right) external pure returns (bytes32) {
        return LibMerkle.hashNode(left, right);
    }

    function verify(bytes32 treeRoot, uint256 n, uint256 index, bytes32 value, bytes32[] calldata proof)
        external
        pure
        returns (bool)
    {
        return LibMerkle.verify(treeRoot, n, index, value, proof);
    }

    function root(bytes32[] memory values) external pure returns (bytes32) {
        return LibMerkle.root(values);
    }
}
