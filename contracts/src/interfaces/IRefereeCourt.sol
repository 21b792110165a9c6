// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IOpAdjudicator} from "./IOpAdjudicator.sol";
import {JobId, GameId, RequestId, StateHash} from "../types/Types.sol";

/// @title IRefereeCourt
/// @notice An IOpAdjudicator backed by a committee of `committeeSize` staked referees drawn at random
/// (through IRandomness and StakeManager.draw). Each referee recomputes the operator off-chain from the
/// agreed input and votes the output hash within `voteWindow`. `resolve` (anyone, once everyone voted
/// or the window closed) applies the majority (more than half the committee): dissenters and no-shows
/// are slashed (`refereeStake` each, all to the treasury), the majority is released and the game is
/// told the answer. Without a majority, no-shows are slashed and a new committee is drawn (a new
/// round); each round is one bounded transaction.
interface IRefereeCourt is IOpAdjudicator {
    struct Params {
        uint16 committeeSize; // m (odd, 1..MAX_COMMITTEE)
        uint64 voteWindow; // seconds a committee has to vote
        uint128 refereeStake; // locked from each drawn referee for the round
    }

    struct Request {
        GameId gameId;
        JobId jobId;
        uint32 step;
        uint32 opIndex;
        uint16 round; // committee round, starting at 1
        uint16 committeeSize; // m, snapshotted at the request (params may change meanwhile)
        uint16 votes; // votes cast in the current round
        bool resolved;
        uint128 refereeStake; // locked from each member, snapshotted at the request
        uint64 deadline; // vote deadline of the current round
        StateHash input;
        StateHash claimedOutput;
        StateHash decision; // the majority output once resolved
    }

    error NotDisputeGame(address caller);
    error NotOwner(address caller, address owner);
    error UnknownRequest(RequestId requestId);
    error AlreadyResolved(RequestId requestId);
    error NotOnCommittee(RequestId requestId, address caller, uint16 round);
    error AlreadyVoted(RequestId requestId, address referee);
    error VotingClosed(RequestId requestId, uint256 deadline);
    /// @notice `resolve` before every member voted and before the deadline.
    error VotingOpen(RequestId requestId, uint256 deadline, uint256 votes, uint256 committeeSize);
    error ZeroOutput();
    error InvalidParams(string name, uint256 value);
    /// @notice `wire` was already called.
    error AlreadyWired(address disputeGame);

    event CommitteeDrawn(
        RequestId indexed requestId, GameId indexed gameId, uint16 round, address[] referees, uint64 deadline
    );
    event Voted(RequestId indexed requestId, address indexed referee, uint16 round, StateHash output);
    event RefereeSlashed(RequestId indexed requestId, address indexed referee, uint16 round, bool noShow);
    event Decided(RequestId indexed requestId, GameId indexed gameId, StateHash output, uint256 votes);
    event NoMajority(RequestId indexed requestId, uint16 round);
    event ParamsSet(Params params);

    /// @notice A committee member votes the correct output hash of the disputed operator.
    function vote(RequestId requestId, StateHash output) external;

    /// @notice Apply the votes: decide and call back the game, or re-draw the committee.
    function resolve(RequestId requestId) external;

    function getRequest(RequestId requestId) external view returns (Request memory);
    function committee(RequestId requestId) external view returns (address[] memory);
    function voteOf(RequestId requestId, address referee) external view returns (StateHash);
    function requestOf(GameId gameId) external view returns (RequestId);
    function params() external view returns (Params memory);
    function setParams(Params calldata newParams) external;
}
