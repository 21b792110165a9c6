// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRefereeCourt} from "./interfaces/IRefereeCourt.sol";
import {IOpAdjudicator} from "./interfaces/IOpAdjudicator.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {JobId, GameId, RequestId, StateHash, Role} from "./types/Types.sol";

/// @title RefereeCourt
/// @notice IOpAdjudicator backed by a randomly drawn, staked referee committee (IRefereeCourt).
/// Every loop runs over one committee (at most MAX_COMMITTEE members) or over the voters held from
/// earlier rounds (at most (MAX_ROUNDS - 1) * MAX_COMMITTEE); the cap tally is O(n^2) over at most
/// MAX_ROUNDS * MAX_COMMITTEE = 75 seats.
contract RefereeCourt is IRefereeCourt {
    uint256 public constant MAX_COMMITTEE = 15;
    /// @notice Rounds after which a request is decided by plurality (see IRefereeCourt).
    uint16 public constant MAX_ROUNDS = 5;
    /// @notice Longest vote window a request can get, whatever its step (bounds every request's life).
    uint256 public constant MAX_VOTE_WINDOW = 30 days;

    /// @dev A voter of a round without majority, locked until the request is decided.
    struct Held {
        address referee;
        uint16 round;
        StateHash output;
    }

    address public immutable owner;
    IStakeManager public immutable stakes;
    IRandomness public immutable randomness;
    address public disputeGame;

    Params private _params;
    uint256 public requestCount;
    mapping(RequestId => Request) private _requests;
    mapping(RequestId => address[]) private _committee;
    mapping(RequestId => mapping(uint16 round => mapping(address => StateHash))) private _votes;
    mapping(RequestId => Held[]) private _held;
    mapping(GameId => RequestId) private _requestOf;

    constructor(address owner_, IStakeManager stakes_, IRandomness randomness_, Params memory params_) {
        // INVARIANT: an unowned court could never be wired; a zero stake manager or randomness
        // source would brick every request.
        if (owner_ == address(0)) revert ZeroAddress("owner");
        if (address(stakes_) == address(0)) revert ZeroAddress("stakes");
        if (address(randomness_) == address(0)) revert ZeroAddress("randomness");
        owner = owner_;
        stakes = stakes_;
        randomness = randomness_;
        _setParams(params_);
    }

    /// @notice One-time wiring of the game allowed to request adjudications.
    function wire(address disputeGame_) external {
        // INVARIANT: only the owner wires, once; the game cannot be swapped under live requests.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        if (disputeGame != address(0)) revert AlreadyWired(disputeGame);
        if (disputeGame_ == address(0)) revert InvalidParams("disputeGame", 0);
        disputeGame = disputeGame_;
    }

    /// @inheritdoc IRefereeCourt
    function setParams(Params calldata newParams) external {
        // INVARIANT: governance only; live requests keep their snapshotted size, stake and window.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _setParams(newParams);
    }

    /// @inheritdoc IOpAdjudicator
    /// @dev Schedules round 1's draw at this block; nothing is drawn in the transaction whose timing
    /// the mover chose (see IRefereeCourt, "Rounds"). Never reverts for the wired game, so a move that
    /// triggers adjudication cannot be blocked by the court.
    function requestAdjudication(
        GameId gameId,
        JobId jobId,
        uint32 step,
        uint32 opIndex,
        StateHash input,
        StateHash claimedOutput
    ) external returns (RequestId requestId) {
        // INVARIANT: only the wired game opens requests (each one locks referee stake).
        if (msg.sender != disputeGame) revert NotDisputeGame(msg.sender);
        requestId = RequestId.wrap(++requestCount);
        Request storage r = _requests[requestId];
        r.gameId = gameId;
        r.jobId = jobId;
        r.step = step;
        r.opIndex = opIndex;
        r.committeeSize = _params.committeeSize;
        r.refereeStake = _params.refereeStake;
        r.voteWindow = _windowFor(_params, step);
        r.input = input;
        r.claimedOutput = claimedOutput;
        _requestOf[gameId] = requestId;
        _schedule(requestId, r, 1);
    }

    /// @inheritdoc IRefereeCourt
    function drawCommittee(RequestId requestId) external {
        Request storage r = _requireOpen(requestId);
        uint256 drawBlock = r.drawBlock;
        // INVARIANT: one draw per round.
        if (drawBlock == 0) revert AlreadyDrawn(requestId, r.round);
        IRandomness.Availability a = randomness.availability(drawBlock);
        // INVARIANT: the seed is unknown until the scheduling block is past.
        if (a == IRandomness.Availability.Pending) revert DrawNotReady(requestId, drawBlock, block.number);
        if (a == IRandomness.Availability.Expired) {
            // Never draw from a forgotten (zero) word: schedule on this block instead.
            _schedule(requestId, r, r.round);
            return;
        }
        _draw(requestId, r, drawBlock);
    }

    /// @inheritdoc IRefereeCourt
    function vote(RequestId requestId, StateHash output) external {
        Request storage r = _requireDrawn(requestId);
        // INVARIANT: zero is "no vote"; it cannot be an answer.
        if (StateHash.unwrap(output) == bytes32(0)) revert ZeroOutput();
        // INVARIANT: votes count only inside the round's window.
        if (block.timestamp > r.deadline) revert VotingClosed(requestId, r.deadline);
        uint16 round = r.round;
        // INVARIANT: only this round's committee votes.
        if (!_isMember(_committee[requestId], msg.sender)) {
            revert NotOnCommittee(requestId, msg.sender, round);
        }
        // INVARIANT: one vote per member per round.
        if (StateHash.unwrap(_votes[requestId][round][msg.sender]) != bytes32(0)) {
            revert AlreadyVoted(requestId, msg.sender);
        }
        _votes[requestId][round][msg.sender] = output;
        r.votes += 1;
        emit Voted(requestId, msg.sender, round, output);
    }

    /// @inheritdoc IRefereeCourt
    function resolve(RequestId requestId) external {
        Request storage r = _requireDrawn(requestId);
        address[] memory members = _committee[requestId];
        uint256 votes = r.votes;
        // INVARIANT: resolve once everyone voted, or after the deadline (an empty committee always
        // waits for the deadline, then moves on).
        if (block.timestamp <= r.deadline && (members.length == 0 || votes < members.length)) {
            revert VotingOpen(requestId, r.deadline, votes, members.length);
        }
        uint16 round = r.round;
        uint256 stake = r.refereeStake;
        StateHash[] memory cast = new StateHash[](members.length);
        for (uint256 i; i < members.length; ++i) {
            cast[i] = _votes[requestId][round][members[i]];
            // INVARIANT: a no-show is slashed when its round ends, whatever happens next.
            if (StateHash.unwrap(cast[i]) == bytes32(0)) {
                stakes.slash(members[i], Role.Referee, stake, address(0), 0);
                emit RefereeSlashed(requestId, members[i], round, true);
            }
        }
        (StateHash decision, uint256 support) = _majority(cast, r.committeeSize);
        if (StateHash.unwrap(decision) == bytes32(0)) {
            emit NoMajority(requestId, round);
            if (round < MAX_ROUNDS) {
                // INVARIANT: voters of a round without majority stay locked until the decision, so
                // blocking a majority is never free and a locked dissenter is not redrawn.
                Held[] storage held = _held[requestId];
                for (uint256 i; i < members.length; ++i) {
                    if (StateHash.unwrap(cast[i]) != bytes32(0)) held.push(Held(members[i], round, cast[i]));
                }
                delete _committee[requestId];
                _schedule(requestId, r, round + 1);
                return;
            }
            // INVARIANT: MAX_ROUNDS bounds every request: the last round decides by plurality.
            (decision, support) = _plurality(requestId, members, cast, r.claimedOutput);
        }
        _decide(requestId, r, members, cast, decision, support);
    }

    // ------------------------------------------------------------------------------------------ views

    /// @inheritdoc IRefereeCourt
    function getRequest(RequestId requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IRefereeCourt
    function committee(RequestId requestId) external view returns (address[] memory) {
        return _committee[requestId];
    }

    /// @inheritdoc IRefereeCourt
    /// @dev The vote in the request's current round.
    function voteOf(RequestId requestId, address referee) external view returns (StateHash) {
        return _votes[requestId][_requests[requestId].round][referee];
    }

    /// @inheritdoc IRefereeCourt
    function requestOf(GameId gameId) external view returns (RequestId) {
        return _requestOf[gameId];
    }

    /// @inheritdoc IRefereeCourt
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @notice Voters of earlier rounds without majority, still locked (empty once decided).
    function heldVoters(RequestId requestId) external view returns (address[] memory voters) {
        Held[] storage held = _held[requestId];
        voters = new address[](held.length);
        for (uint256 i; i < held.length; ++i) {
            voters[i] = held[i].referee;
        }
    }

    // ------------------------------------------------------------------------------------------ internals

    function _setParams(Params memory p) private {
        // INVARIANT: an odd committee always has a strict majority when everyone votes; bounded loops.
        if (p.committeeSize == 0 || p.committeeSize > MAX_COMMITTEE || p.committeeSize % 2 == 0) {
            revert InvalidParams("committeeSize", p.committeeSize);
        }
        // INVARIANT: a committee must get time to vote, and no request may live unboundedly long.
        if (p.voteWindow == 0 || p.voteWindow > MAX_VOTE_WINDOW) {
            revert InvalidParams("voteWindow", p.voteWindow);
        }
        // INVARIANT: a referee with nothing at stake can vote anything.
        if (p.refereeStake == 0) revert InvalidParams("refereeStake", 0);
        _params = p;
        emit ParamsSet(p);
    }

    /// @dev voteWindow + step * voteWindowPerStep, capped at MAX_VOTE_WINDOW (fits uint64).
    function _windowFor(Params storage p, uint32 step) private view returns (uint64) {
        uint256 window = uint256(p.voteWindow) + uint256(step) * p.voteWindowPerStep;
        return uint64(window > MAX_VOTE_WINDOW ? MAX_VOTE_WINDOW : window);
    }

    function _requireOpen(RequestId requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        // INVARIANT: round 0 is never a request (every request starts at round 1).
        if (r.round == 0) revert UnknownRequest(requestId);
        // INVARIANT: a decided operator is final.
        if (r.resolved) revert AlreadyResolved(requestId);
    }

    function _requireDrawn(RequestId requestId) private view returns (Request storage r) {
        r = _requireOpen(requestId);
        // INVARIANT: a round is voted and resolved only once its committee is drawn.
        if (r.drawBlock != 0) revert DrawPending(requestId, r.drawBlock);
    }

    /// @dev Round `round` will be drawn from the randomness of this block, whose hash the transaction
    /// that triggered the scheduling cannot know when it is sent.
    function _schedule(RequestId requestId, Request storage r, uint16 round) private {
        r.round = round;
        r.votes = 0;
        r.deadline = 0;
        r.drawBlock = uint64(block.number);
        emit DrawScheduled(requestId, r.gameId, round, uint64(block.number));
    }

    /// @dev Draw and lock the committee of the pending round. An empty draw (too few eligible referees)
    /// is not an error: the round just waits for its deadline and `resolve` moves on, so the game never
    /// sticks.
    function _draw(RequestId requestId, Request storage r, uint256 drawBlock) private {
        uint16 round = r.round;
        uint256 seed = randomness.randomWordAt(drawBlock, keccak256(abi.encode("referees", requestId, round)));
        uint256 stake = r.refereeStake;
        // INVARIANT: neither party of the game sits on its committee (with m = 1 it would decide alone).
        IDisputeGame.Game memory game = IDisputeGame(disputeGame).getGame(r.gameId);
        address[] memory parties = new address[](2);
        (parties[0], parties[1]) = (game.solver, game.challenger);
        address[] memory members = stakes.draw(Role.Referee, r.committeeSize, stake, seed, parties);
        // INVARIANT: the committee never exceeds its size (bounds every later loop).
        if (members.length > r.committeeSize) revert InvalidParams("drawn", members.length);
        r.drawBlock = 0;
        uint64 deadline = uint64(block.timestamp) + r.voteWindow;
        r.deadline = deadline;
        _committee[requestId] = members;
        emit CommitteeDrawn(requestId, r.gameId, round, members, deadline);
        for (uint256 i; i < members.length; ++i) {
            stakes.lock(members[i], Role.Referee, stake);
        }
    }

    /// @dev Final settlement: release every voter (held or current) who voted `decision`, slash every
    /// other voter (no-shows of the current round were slashed already), then call back the game.
    function _decide(
        RequestId requestId,
        Request storage r,
        address[] memory members,
        StateHash[] memory cast,
        StateHash decision,
        uint256 support
    ) private {
        r.resolved = true;
        r.decision = decision;
        emit Decided(requestId, r.gameId, decision, support);
        uint256 stake = r.refereeStake;
        uint16 round = r.round;
        for (uint256 i; i < members.length; ++i) {
            if (StateHash.unwrap(cast[i]) == bytes32(0)) continue;
            _settle(requestId, members[i], round, cast[i] == decision, stake);
        }
        Held[] storage held = _held[requestId];
        for (uint256 i; i < held.length; ++i) {
            Held memory h = held[i];
            _settle(requestId, h.referee, h.round, h.output == decision, stake);
        }
        delete _held[requestId];
        IDisputeGame(disputeGame).onAdjudicated(r.gameId, decision);
    }

    function _settle(RequestId requestId, address referee, uint16 round, bool agreed, uint256 stake) private {
        if (agreed) {
            stakes.unlock(referee, Role.Referee, stake);
        } else {
            stakes.slash(referee, Role.Referee, stake, address(0), 0);
            emit RefereeSlashed(requestId, referee, round, false);
        }
    }

    /// @dev The output with more than size/2 votes, or zero. O(m^2) with m <= MAX_COMMITTEE.
    function _majority(StateHash[] memory cast, uint256 size) private pure returns (StateHash, uint256) {
        for (uint256 i; i < cast.length; ++i) {
            if (StateHash.unwrap(cast[i]) == bytes32(0)) continue;
            uint256 count;
            for (uint256 j; j < cast.length; ++j) {
                if (cast[j] == cast[i]) ++count;
            }
            if (count > size / 2) return (cast[i], count);
        }
        return (StateHash.wrap(bytes32(0)), 0);
    }

    /// @dev The strict plurality of every vote of every round (one per seat); `fallback_` (the claimed
    /// output) if nobody voted or first place is tied. O(n^2), n <= MAX_ROUNDS * MAX_COMMITTEE.
    function _plurality(
        RequestId requestId,
        address[] memory members,
        StateHash[] memory cast,
        StateHash fallback_
    ) private view returns (StateHash best, uint256 bestCount) {
        Held[] storage held = _held[requestId];
        StateHash[] memory all = new StateHash[](held.length + members.length);
        for (uint256 i; i < held.length; ++i) {
            all[i] = held[i].output;
        }
        for (uint256 i; i < members.length; ++i) {
            all[held.length + i] = cast[i];
        }
        bool tied;
        for (uint256 i; i < all.length; ++i) {
            if (StateHash.unwrap(all[i]) == bytes32(0) || all[i] == best) continue;
            uint256 count;
            for (uint256 j; j < all.length; ++j) {
                if (all[j] == all[i]) ++count;
            }
            if (count > bestCount) {
                (best, bestCount, tied) = (all[i], count, false);
            } else if (count == bestCount) {
                tied = true;
            }
        }
        if (bestCount == 0 || tied) {
            best = fallback_;
            bestCount = 0;
            for (uint256 i; i < all.length; ++i) {
                if (all[i] == fallback_) ++bestCount;
            }
        }
    }

    function _isMember(address[] storage members, address who) private view returns (bool) {
        for (uint256 i; i < members.length; ++i) {
            if (members[i] == who) return true;
        }
        return false;
    }
}
