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
/// Every loop runs over one committee, at most MAX_COMMITTEE members (the tally is O(m^2) = 225 steps).
contract RefereeCourt is IRefereeCourt {
    uint256 public constant MAX_COMMITTEE = 15;

    address public immutable owner;
    IStakeManager public immutable stakes;
    IRandomness public immutable randomness;
    address public disputeGame;

    Params private _params;
    uint256 public requestCount;
    mapping(RequestId => Request) private _requests;
    mapping(RequestId => address[]) private _committee;
    mapping(RequestId => mapping(uint16 round => mapping(address => StateHash))) private _votes;
    mapping(GameId => RequestId) private _requestOf;

    constructor(address owner_, IStakeManager stakes_, IRandomness randomness_, Params memory params_) {
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
        // INVARIANT: governance only; live requests keep their snapshotted size and stake.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _setParams(newParams);
    }

    /// @inheritdoc IOpAdjudicator
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
        r.input = input;
        r.claimedOutput = claimedOutput;
        _requestOf[gameId] = requestId;
        _draw(requestId, r, 1);
    }

    /// @inheritdoc IRefereeCourt
    function vote(RequestId requestId, StateHash output) external {
        Request storage r = _requireOpen(requestId);
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
        Request storage r = _requireOpen(requestId);
        address[] memory members = _committee[requestId];
        uint256 votes = r.votes;
        // INVARIANT: resolve once everyone voted, or after the deadline (an empty committee always
        // waits for the deadline, then re-draws).
        if (block.timestamp <= r.deadline && (members.length == 0 || votes < members.length)) {
            revert VotingOpen(requestId, r.deadline, votes, members.length);
        }
        uint16 round = r.round;
        StateHash[] memory cast = new StateHash[](members.length);
        for (uint256 i; i < members.length; ++i) {
            cast[i] = _votes[requestId][round][members[i]];
        }
        (StateHash decision, uint256 support) = _majority(cast, r.committeeSize);
        uint256 stake = r.refereeStake;

        if (StateHash.unwrap(decision) != bytes32(0)) {
            r.resolved = true;
            r.decision = decision;
            emit Decided(requestId, r.gameId, decision, support);
            for (uint256 i; i < members.length; ++i) {
                if (cast[i] == decision) {
                    stakes.unlock(members[i], Role.Referee, stake);
                } else {
                    stakes.slash(members[i], Role.Referee, stake, address(0), 0);
                    emit RefereeSlashed(requestId, members[i], round, StateHash.unwrap(cast[i]) == bytes32(0));
                }
            }
            IDisputeGame(disputeGame).onAdjudicated(r.gameId, decision);
        } else {
            emit NoMajority(requestId, round);
            for (uint256 i; i < members.length; ++i) {
                if (StateHash.unwrap(cast[i]) != bytes32(0)) {
                    stakes.unlock(members[i], Role.Referee, stake);
                } else {
                    stakes.slash(members[i], Role.Referee, stake, address(0), 0);
                    emit RefereeSlashed(requestId, members[i], round, true);
                }
            }
            _draw(requestId, r, round + 1);
        }
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

    // ------------------------------------------------------------------------------------------ internals

    function _setParams(Params memory p) private {
        // INVARIANT: an odd committee always has a strict majority when everyone votes; bounded loops.
        if (p.committeeSize == 0 || p.committeeSize > MAX_COMMITTEE || p.committeeSize % 2 == 0) {
            revert InvalidParams("committeeSize", p.committeeSize);
        }
        // INVARIANT: a committee must get time to vote.
        if (p.voteWindow == 0) revert InvalidParams("voteWindow", 0);
        // INVARIANT: a referee with nothing at stake can vote anything.
        if (p.refereeStake == 0) revert InvalidParams("refereeStake", 0);
        _params = p;
        emit ParamsSet(p);
    }

    function _requireOpen(RequestId requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        // INVARIANT: round 0 is never a request (every request starts at round 1).
        if (r.round == 0) revert UnknownRequest(requestId);
        // INVARIANT: a decided operator is final.
        if (r.resolved) revert AlreadyResolved(requestId);
    }

    /// @dev Draw and lock the committee of `round`. An empty draw (too few eligible referees) is not an
    /// error: the round just waits for its deadline and `resolve` draws again, so the game never sticks.
    function _draw(RequestId requestId, Request storage r, uint16 round) private {
        uint256 seed = randomness.randomWord(keccak256(abi.encode("referees", requestId, round)));
        uint256 stake = r.refereeStake;
        // INVARIANT: neither party of the game sits on its committee (with m = 1 it would decide alone).
        IDisputeGame.Game memory game = IDisputeGame(disputeGame).getGame(r.gameId);
        address[] memory parties = new address[](2);
        (parties[0], parties[1]) = (game.solver, game.challenger);
        address[] memory members = stakes.draw(Role.Referee, r.committeeSize, stake, seed, parties);
        // INVARIANT: the committee never exceeds its size (bounds every later loop).
        if (members.length > r.committeeSize) revert InvalidParams("drawn", members.length);
        r.round = round;
        r.votes = 0;
        uint64 deadline = uint64(block.timestamp + _params.voteWindow);
        r.deadline = deadline;
        _committee[requestId] = members;
        emit CommitteeDrawn(requestId, r.gameId, round, members, deadline);
        for (uint256 i; i < members.length; ++i) {
            stakes.lock(members[i], Role.Referee, stake);
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

    function _isMember(address[] storage members, address who) private view returns (bool) {
        for (uint256 i; i < members.length; ++i) {
            if (members[i] == who) return true;
        }
        return false;
    }
}
