// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {IStakeManager} from "../../src/interfaces/IStakeManager.sol";
import {JobId, JobStatus, Role} from "../../src/types/Types.sol";

/// @notice Reverts the ways protocol contracts do, and emits events, for assay.chain's Python tests.
contract RevertHarness {
    uint256 public counter;

    event Bumped(uint256 indexed counter, address indexed by, bytes32 tag);

    function bump(bytes32 tag) external returns (uint256) {
        counter += 1;
        emit Bumped(counter, msg.sender, tag);
        return counter;
    }

    function wrongStatus(uint256 jobId, uint8 actual, uint8 expected) external pure {
        revert IJobMarket.WrongStatus(JobId.wrap(jobId), JobStatus(actual), JobStatus(expected));
    }

    function insufficientFreeStake(address account, uint8 role, uint256 free, uint256 needed) external pure {
        revert IStakeManager.InsufficientFreeStake(account, Role(role), free, needed);
    }

    function failIfOdd() external {
        counter += 1;
        if (counter % 2 == 1) revert IJobMarket.TooLate(JobId.wrap(counter), block.timestamp, 0);
    }

    function reason() external pure {
        revert("RevertHarness: a plain reason");
    }

    function panic() external pure returns (uint256) {
        uint256 zero;
        return 1 / zero;
    }

    function empty() external pure {
        revert();
    }
}
