// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {MerkleHarness} from "./harness/MerkleHarness.sol";

/// @notice LibMerkle against the vectors `python -m assay.protocol.vectors` generates (one source of
/// truth for the Python and Solidity trees).
contract LibMerkleTest {
    MerkleHarness internal h;
    string internal json;

    function setUp() public {
        h = new MerkleHarness();
        json = vm.readFile("test/vectors/merkle.json");
    }

    function _tree(uint256 t) internal pure returns (string memory) {
        return string.concat(".trees[", vm.toString(t), "]");
    }

    function _treeCount() internal view returns (uint256) {
        return vm.parseJsonUint(json, ".treeCount");
    }

    function test_root_matchesVectors() public view {
        uint256 count = _treeCount();
        require(count > 0, "no vectors");
        for (uint256 t; t < count; ++t) {
            string memory p = _tree(t);
            bytes32[] memory values = vm.parseJsonBytes32Array(json, string.concat(p, ".values"));
            require(values.length == vm.parseJsonUint(json, string.concat(p, ".n")), "n");
            require(h.depth(values.length) == vm.parseJsonUint(json, string.concat(p, ".depth")), "depth");
            require(h.root(values) == vm.parseJsonBytes32(json, string.concat(p, ".root")), "root");
        }
    }

    function test_verify_acceptsVectorProofs() public view {
        uint256 count = _treeCount();
        for (uint256 t; t < count; ++t) {
            string memory p = _tree(t);
            uint256 n = vm.parseJsonUint(json, string.concat(p, ".n"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(p, ".root"));
            uint256 proofs = vm.parseJsonUint(json, string.concat(p, ".proofCount"));
            for (uint256 k; k < proofs; ++k) {
                (uint256 index, bytes32 value, bytes32[] memory proof) = _proof(p, k);
                require(h.verify(root, n, index, value, proof), "valid proof rejected");
            }
        }
    }

    function test_verify_rejectsTamperedProofs() public view {
        uint256 count = _treeCount();
        for (uint256 t; t < count; ++t) {
            string memory p = _tree(t);
            uint256 n = vm.parseJsonUint(json, string.concat(p, ".n"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(p, ".root"));
            uint256 proofs = vm.parseJsonUint(json, string.concat(p, ".proofCount"));
            for (uint256 k; k < proofs; ++k) {
                (uint256 index, bytes32 value, bytes32[] memory proof) = _proof(p, k);
                _checkNegatives(root, n, index, value, proof);
            }
        }
    }

    function _checkNegatives(bytes32 root, uint256 n, uint256 index, bytes32 value, bytes32[] memory proof)
        internal
        view
    {
        // Wrong value.
        require(!h.verify(root, n, index, value ^ bytes32(uint256(1)), proof), "wrong value accepted");
        // Wrong index (a different leaf position with the same proof), and out of range.
        if (n > 1) require(!h.verify(root, n, index ^ 1, value, proof), "wrong index accepted");
        require(!h.verify(root, n, n, value, proof), "index == n accepted");
        // Wrong sibling at each level.
        for (uint256 i; i < proof.length; ++i) {
            bytes32[] memory bad = _copy(proof, proof.length);
            bad[i] = bad[i] ^ bytes32(uint256(1) << 255);
            require(!h.verify(root, n, index, value, bad), "wrong sibling accepted");
        }
        // Wrong proof lengths: one short (when possible) and one long.
        if (proof.length > 0) {
            require(!h.verify(root, n, index, value, _copy(proof, proof.length - 1)), "short proof accepted");
        }
        require(!h.verify(root, n, index, value, _copy(proof, proof.length + 1)), "long proof accepted");
        // Wrong leaf count with the same depth or different depth.
        require(!h.verify(root, 0, index, value, proof), "n == 0 accepted");
    }

    function _proof(string memory p, uint256 k)
        internal
        view
        returns (uint256 index, bytes32 value, bytes32[] memory proof)
    {
        string memory q = string.concat(p, ".proofs[", vm.toString(k), "]");
        index = vm.parseJsonUint(json, string.concat(q, ".index"));
        value = vm.parseJsonBytes32(json, string.concat(q, ".value"));
        proof = vm.parseJsonBytes32Array(json, string.concat(q, ".proof"));
    }

    function _copy(bytes32[] memory a, uint256 len) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](len);
        for (uint256 i; i < len && i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}
