// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IOpAdjudicator} from "./IOpAdjudicator.sol";
import {JobId, GameId, RequestId, StateHash} from "../types/Types.sol";

/// @title IRefereeCourt
/// @notice An IOpAdjudicator backed by a committee of `committeeSize` staked referees drawn at random,
/// stake-weighted (through IRandomness and StakeManager.draw). Each referee recomputes the operator
/// off-chain from the agreed input and votes the output hash within the request's vote window.
///
/// Rounds. Each round is two-phase so nobody can time the draw: the request (or the `resolve` that
/// ends a round without majority) only schedules the draw at its own block (`drawBlock`); once that
/// block is past, anyone calls `drawCommittee`, which seeds the draw with
/// `IRandomness.randomWordAt(drawBlock)` (unknown when the scheduling transaction was sent), locks
/// `refereeStake` from each member and opens the vote window. If that word has expired, the draw is
/// re-scheduled instead. `resolve` (anyone, once every member voted or the window closed) slashes the
/// round's no-shows at once, then:
///  - a majority (more than half of `committeeSize`) decides: the game is told the answer; every
///    voter of every round who voted the decision is released, every other voter is slashed
///    (`refereeStake` each, to the treasury);
///  - without a majority the round's voters STAY LOCKED (dissent is not free: a locked referee lacks
///    the free stake to be drawn again for the same seat, and is released or slashed only when the
///    request is finally decided) and the next round is scheduled;
///  - after MAX_ROUNDS rounds without majority the request is decided anyway, by the plurality of all
///    votes of all rounds (one per seat); with no votes or a tie for first place the solver's
///    claimed output stands (the challenger did not make its case). Settlement is then as above.
/// So every request ends after at most MAX_ROUNDS rounds, each bounded by its vote window plus one
/// `drawCommittee` and one `resolve` call that anyone (either party, any referee) can send.
/// Safety assumption: the honest referees hold a majority of the seats drawn in some round, or a
/// plurality of all seats over MAX_ROUNDS rounds. Draws are stake-weighted, so this is an honest
/// majority of free referee stake; a registry short of `committeeSize` eligible referees weakens it
/// (the same few referees fill every round), which deployments avoid by keeping many referees staked.
///
/// Vote window. A referee whose inputs are withheld recomputes by replaying the job up to `step`, so
/// the window grows with the step: window = voteWindow + step * voteWindowPerStep (snapshotted at the
/// request, capped at MAX_VOTE_WINDOW). A fixed window would slash honest referees as no-shows on late
/// steps; a self-reported "inputs withheld" flag would instead let any referee extend its own deadline.
interface IRefereeCourt is IOpAdjudicator {
    struct Params {
        uint16 committeeSize; // m (odd, 1..MAX_COMMITTEE)
        uint64 voteWindow; // base seconds a committee has to vote
        uint64 voteWindowPerStep; // extra seconds per training step before the disputed one
        uint128 refereeStake; // locked from each drawn referee until the request is decided
    }

    struct Request {
        GameId gameId;
        JobId jobId;
        uint32 step;
        uint32 opIndex;
        uint16 round; // committee round, starting at 1; never above MAX_ROUNDS
        uint16 committeeSize; // m, snapshotted at the request (params may change meanwhile)
        uint16 votes; // votes cast in the current round
        bool resolved;
        uint128 refereeStake; // locked from each member, snapshotted at the request
        uint64 voteWindow; // this request's window in seconds, snapshotted at the request
        uint64 drawBlock; // block whose randomness seeds the pending draw; 0 once the round is drawn
        uint64 deadline; // vote deadline of the current round (0 while its draw is pending)
        StateHash input;
        StateHash claimedOutput;
        StateHash decision; // the decided output once resolved
    }

    error NotDisputeGame(address caller);
    error NotOwner(address caller, address owner);
    error ZeroAddress(string name);
    error UnknownRequest(RequestId requestId);
    error AlreadyResolved(RequestId requestId);
    error NotOnCommittee(RequestId requestId, address caller, uint16 round);
    error AlreadyVoted(RequestId requestId, address referee);
    error VotingClosed(RequestId requestId, uint256 deadline);
    /// @notice `resolve` before every member voted and before the deadline.
    error VotingOpen(RequestId requestId, uint256 deadline, uint256 votes, uint256 committeeSize);
    /// @notice `vote`/`resolve` while the round's committee is not drawn yet (call `drawCommittee`).
    error DrawPending(RequestId requestId, uint256 drawBlock);
    /// @notice `drawCommittee` for a round that is already drawn.
    error AlreadyDrawn(RequestId requestId, uint16 round);
    /// @notice `drawCommittee` in or before the scheduled block: its randomness is not known yet.
    error DrawNotReady(RequestId requestId, uint256 drawBlock, uint256 currentBlock);
    error ZeroOutput();
    error InvalidParams(string name, uint256 value);
    /// @notice `wire` was already called.
    error AlreadyWired(address disputeGame);

    /// @notice Round `round`'s draw will be seeded by block `drawBlock`'s randomness; `drawCommittee`
    /// is callable once that block is past.
    event DrawScheduled(RequestId indexed requestId, GameId indexed gameId, uint16 round, uint64 drawBlock);
    event CommitteeDrawn(
        RequestId indexed requestId, GameId indexed gameId, uint16 round, address[] referees, uint64 deadline
    );
    event Voted(RequestId indexed requestId, address indexed referee, uint16 round, StateHash output);
    event RefereeSlashed(RequestId indexed requestId, address indexed referee, uint16 round, bool noShow);
    /// @notice `support`: votes for `output` in the deciding round, or over all rounds at the cap.
    event Decided(RequestId indexed requestId, GameId indexed gameId, StateHash output, uint256 votes);
    /// @notice Round `round` ended without majority; its voters stay locked until the decision.
    event NoMajority(RequestId indexed requestId, uint16 round);
    event ParamsSet(Params params);

    /// @notice Draw and lock the committee of the request's pending round (anyone, once its
    /// `drawBlock` is past). Re-schedules instead if the randomness of `drawBlock` has expired.
    function drawCommittee(RequestId requestId) external;

    /// @notice A committee member votes the correct output hash of the disputed operator.
    function vote(RequestId requestId, StateHash output) external;

    /// @notice Apply the votes: decide and call back the game, or schedule the next round.
    function resolve(RequestId requestId) external;

    function getRequest(RequestId requestId) external view returns (Request memory);
    /// @notice The current round's committee (empty while its draw is pending).
    function committee(RequestId requestId) external view returns (address[] memory);
    function voteOf(RequestId requestId, address referee) external view returns (StateHash);
    function requestOf(GameId gameId) external view returns (RequestId);
    function params() external view returns (Params memory);
    function setParams(Params calldata newParams) external;
}
