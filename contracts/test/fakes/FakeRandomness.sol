// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice Deterministic IRandomness for tests.
contract FakeRandomness {
    function randomWord(bytes32 purpose) external pure returns (uint256) {
        return uint256(keccak256(abi.encode(purpose)));
    }
}
