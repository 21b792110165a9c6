// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRandomness} from "../../src/interfaces/IRandomness.sol";

/// @notice Deterministic IRandomness for tests: block-scheduled words are Ready once the block is past
/// and never expire, unless a test marks them expired.
contract FakeRandomness {
    bool public expired;

    function setExpired(bool expired_) external {
        expired = expired_;
    }

    function randomWord(bytes32 purpose) external pure returns (uint256) {
        return uint256(keccak256(abi.encode(purpose)));
    }

    function randomWordAt(uint256 blockNumber, bytes32 purpose) external view returns (uint256) {
        IRandomness.Availability a = availability(blockNumber);
        if (a != IRandomness.Availability.Ready) revert IRandomness.RandomnessUnavailable(blockNumber, a);
        return uint256(keccak256(abi.encode(purpose)));
    }

    function availability(uint256 blockNumber) public view returns (IRandomness.Availability) {
        if (blockNumber >= block.number) return IRandomness.Availability.Pending;
        return expired ? IRandomness.Availability.Expired : IRandomness.Availability.Ready;
    }
}
