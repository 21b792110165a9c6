// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {JobId, GameId, JobStatus} from "../../src/types/Types.sol";
import {LibDisputeTerms} from "../../src/libraries/LibDisputeTerms.sol";

/// @notice The slice of IJobMarket the DisputeGame calls: a settable job and recorded callbacks.
/// Cast to IJobMarket where a contract expects one.
contract FakeJobMarket {
    mapping(JobId => IJobMarket.Job) private _jobs;
    bool public challengeWindowClosed;

    // Counters start at 1 and the last-call record is nonzero: like a market in steady state, the bench
    // then pays warm rewrites, not the one-time cost of fresh slots.
    uint64 public openedCount = 1;
    uint64 public resolvedCount = 1;
    bool public lastChallengerWon;
    address public lastChallenger = address(1);
    GameId public lastGame = GameId.wrap(type(uint256).max);

    error TooLate(JobId jobId, uint256 nowTs, uint256 closedAt);

    function setJob(JobId jobId, IJobMarket.Job memory job) external {
        _jobs[jobId] = job;
    }

    function setChallengeWindowClosed(bool closed) external {
        challengeWindowClosed = closed;
    }

    function getJob(JobId jobId) external view returns (IJobMarket.Job memory) {
        return _jobs[jobId];
    }

    function disputeTerms(JobId jobId) external view returns (IJobMarket.DisputeTerms memory) {
        return LibDisputeTerms.fromJob(_jobs[jobId]);
    }

    function onChallengeOpened(JobId jobId, GameId gameId, address challenger) external {
        if (challengeWindowClosed) revert TooLate(jobId, block.timestamp, 0);
        _jobs[jobId].openGames += 1;
        openedCount += 1;
        lastGame = gameId;
        lastChallenger = challenger;
    }

    function onGameResolved(JobId jobId, GameId gameId, address challenger, bool challengerWon) external {
        _jobs[jobId].openGames -= 1;
        if (challengerWon) _jobs[jobId].status = JobStatus.Failed;
        resolvedCount += 1;
        lastGame = gameId;
        lastChallenger = challenger;
        lastChallengerWon = challengerWon;
    }
}
