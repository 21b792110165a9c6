// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IOpAdjudicator} from "./interfaces/IOpAdjudicator.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {LibBisection} from "./libraries/LibBisection.sol";
import {LibClock} from "./libraries/LibClock.sol";
import {LibMerkle} from "./libraries/LibMerkle.sol";
import {JobId, GameId, RequestId, StateHash, GameStatus, Party} from "./types/Types.sol";

/// @title DisputeGame
/// @notice The bisection game of IDisputeGame: steps, then the operators of one step, then one
/// operator adjudicated by an IOpAdjudicator.
///
/// Bound: `rounds` <= maxRounds(T, N, k) = ceil(log_k T) + ceil(log_k N) (LibBisection), each round is
/// one `open` and one `choose`, and the only other moves are `challenge`, `commitOpTrace` and the
/// adjudicator's `onAdjudicated` (or a single `timeout`): total moves <= 2 * maxRounds + MOVE_OVERHEAD.
///
/// Gas: a game lives in 7 storage slots (`Packed`), `challenge` writes 5. Job parameters a round needs
/// (arity, clock extension, tree size, root) are copied at `challenge` so that `open`/`choose` never
/// call into JobMarket; the solver, the bond and the payout split are read through the compact
/// `IJobMarket.disputeTerms` view (snapshotted job parameters, hence immutable) when needed:
/// `commitOpTrace` and resolution. `open` is a forced move (see there) and needs no solver check.
contract DisputeGame is IDisputeGame {
    /// @notice Moves outside the open/choose rounds: challenge, commitOpTrace, onAdjudicated|timeout.
    uint256 public constant MOVE_OVERHEAD = 3;

    uint256 private constant BPS = 10_000;

    /// @dev Storage layout of a game (7 slots, 5 written by `challenge`). Seconds and timestamps fit uint40 (34,000 years); job
    /// and request ids fit uint48 (checked); `size` is the number of intervals of the current tree.
    struct Packed {
        // slot 0: read and written by every move
        address challenger;
        GameStatus status;
        Party turn;
        uint32 lo;
        uint32 hi;
        uint16 rounds;
        // slot 1: the clocks and what a round needs from the job
        uint40 lastMoveAt;
        uint40 solverClock;
        uint40 challengerClock;
        uint40 minExtension;
        uint16 arity;
        uint48 jobId;
        uint32 size; // T in phase 1, N in phase 2 (the tree has size + 1 leaves)
        // slot 2: written once the step is isolated
        uint32 step;
        uint48 requestId;
        bool inOps; // phase 2 reached (root is the op-trace root)
        // slots 3..6
        StateHash loHash; // written the first time lo moves (phase 1, lo == 0 means h_0 = initialState)
        StateHash hiHash;
        bytes32 root; // job.traceRoot in phase 1, the op-trace root in phase 2
        bytes32 openingsHash; // never cleared between rounds: a nonzero rewrite is cheaper
    }

    IJobMarket public immutable market;
    IStakeManager public immutable stakes;
    IOpAdjudicator public immutable adjudicator;

    /// @dev One slot: starting `_nextId` at 1 keeps the slot nonzero, so the first game does not pay
    /// for a fresh slot.
    uint128 private _nextId = 1;
    uint128 private _totalBonds;

    mapping(GameId => Packed) private _games;
    mapping(JobId => mapping(address => GameId)) private _gameOf;

    constructor(IJobMarket market_, IStakeManager stakes_, IOpAdjudicator adjudicator_) {
        market = market_;
        stakes = stakes_;
        adjudicator = adjudicator_;
    }

    // ------------------------------------------------------------------------------------------ moves

    /// @inheritdoc IDisputeGame
    function challenge(JobId jobId, StateHash disputedFinal) external payable returns (GameId gameId) {
        IJobMarket.DisputeTerms memory job = market.disputeTerms(jobId);
        // INVARIANT: a job with no steps has nothing to bisect (JobMarket rejects it at posting).
        if (job.steps == 0) revert NoSteps(jobId);
        // INVARIANT: the challenger disputes the result on chain now, not one a reorg replaced.
        if (disputedFinal != job.finalState) revert WrongFinalState(jobId, disputedFinal, job.finalState);
        // INVARIANT: every game is bonded, so opening games costs the griefer.
        if (msg.value != job.challengeBond) revert WrongBond(msg.value, job.challengeBond);
        // INVARIANT: a solver cannot dispute itself (it would recover its own stake as a "winner").
        if (msg.sender == job.solver) revert ChallengerIsSolver(jobId, msg.sender);
        // INVARIANT: the trace is committed, so openings can be proven against it.
        if (job.traceRoot == bytes32(0)) revert ZeroRoot();
        GameId previous = _gameOf[jobId][msg.sender];
        // INVARIANT: one unresolved game per (job, challenger).
        if (GameId.unwrap(previous) != 0 && _games[previous].status < GameStatus.ChallengerWon) {
            revert GameAlreadyOpen(jobId, msg.sender, previous);
        }
        // INVARIANT: k-ary bisection needs k >= 2 to narrow.
        if (job.bisectionArity < 2) revert LibBisection.InvalidArity(job.bisectionArity);
        // INVARIANT: ids fit the packed slot.
        if (JobId.unwrap(jobId) > type(uint48).max) revert TooLarge("jobId", JobId.unwrap(jobId));

        uint256 id = _nextId;
        _nextId = uint128(id + 1);
        _totalBonds += uint128(msg.value);
        gameId = GameId.wrap(id);

        Packed storage g = _games[gameId];
        uint40 budget = _clamp40(job.clockBudget);
        g.challenger = msg.sender;
        g.turn = Party.Solver;
        g.hi = job.steps;
        g.lastMoveAt = uint40(block.timestamp);
        g.solverClock = budget;
        g.arity = job.bisectionArity;
        g.challengerClock = budget;
        g.minExtension = _clamp40(job.minClockExtension);
        g.jobId = uint48(JobId.unwrap(jobId));
        g.size = job.steps;
        g.hiHash = job.finalState;
        g.root = job.traceRoot;
        _gameOf[jobId][msg.sender] = gameId;
        if (job.steps == 1) {
            // The only step is the disputed one: straight to its op trace.
            g.status = GameStatus.AwaitingOpTrace;
            g.step = 1;
            g.loHash = job.initialState;
        } else {
            g.status = GameStatus.StepBisection;
        }
        emit GameStarted(gameId, jobId, msg.sender, job.steps, msg.value);
        if (job.steps == 1) emit StepIsolated(gameId, 1, job.initialState, job.finalState);

        market.onChallengeOpened(jobId, gameId, msg.sender);
    }

    /// @inheritdoc IDisputeGame
    function open(
        GameId gameId,
        uint32 lo,
        uint32 hi,
        StateHash[] calldata hashes,
        bytes32[][] calldata proofs
    ) external {
        Packed storage g = _games[gameId];
        GameStatus status = _requireBisection(gameId, g);
        // INVARIANT: openings come only when the challenger has answered the last ones. Anyone may send
        // them for the solver: every value is fixed by the solver's committed root (checked below), so
        // the move is forced and a relayer can only advance the game the way the solver must.
        if (g.turn != Party.Solver) revert NotYourTurn(gameId, msg.sender, g.turn);
        (uint256 gLo, uint256 gHi) = (g.lo, g.hi);
        // INVARIANT: the move is about the current interval (reorg safety).
        if (lo != gLo || hi != gHi) revert StaleMove(gameId, gLo, gHi, lo, hi);
        uint256 m = LibBisection.openingCount(gLo, gHi, g.arity);
        // INVARIANT: exactly the m points of this round are opened, each with its proof.
        if (hashes.length != m || proofs.length != m) {
            revert WrongOpeningCount(gameId, hashes.length != m ? hashes.length : proofs.length, m);
        }
        _charge(gameId, g, Party.Solver);

        uint32[] memory ps = _verifyOpenings(gameId, g, gLo, gHi, m, hashes, proofs);
        g.openingsHash = keccak256(abi.encode(hashes));
        g.turn = Party.Challenger;
        emit Opened(gameId, status, ps, hashes);
    }

    /// @inheritdoc IDisputeGame
    function choose(
        GameId gameId,
        uint32 lo,
        uint32 hi,
        StateHash[] calldata openings,
        uint256 index,
        StateHash disputed
    ) external {
        Packed storage g = _games[gameId];
        GameStatus status = _requireBisection(gameId, g);
        // INVARIANT: only the challenger chooses, and only after the solver opened this round.
        if (g.turn != Party.Challenger || msg.sender != g.challenger) {
            revert NotYourTurn(gameId, msg.sender, g.turn);
        }
        (uint256 gLo, uint256 gHi) = (g.lo, g.hi);
        // INVARIANT: the move is about the current interval (reorg safety).
        if (lo != gLo || hi != gHi) revert StaleMove(gameId, gLo, gHi, lo, hi);
        // INVARIANT: the challenger answers exactly what the solver opened (only its hash is stored).
        if (keccak256(abi.encode(openings)) != g.openingsHash) revert OpeningsMismatch(gameId);
        uint256 m = openings.length;
        // INVARIANT: the choice is one of the m+1 sub-intervals.
        if (index > m) revert IndexOutOfRange(gameId, index, m);
        StateHash newHiHash = index == m ? g.hiHash : openings[index];
        // INVARIANT: the challenger names the hash it disputes (reorg safety).
        if (disputed != newHiHash) revert WrongDisputedHash(gameId, disputed, newHiHash);
        _charge(gameId, g, Party.Challenger);

        uint32 newLo = uint32(LibBisection.positionOf(gLo, gHi, m, index));
        uint32 newHi = uint32(LibBisection.positionOf(gLo, gHi, m, index + 1));
        if (index != 0) g.loHash = openings[index - 1];
        if (index != m) g.hiHash = newHiHash;
        g.lo = newLo;
        g.hi = newHi;
        g.rounds += 1;
        g.turn = Party.Solver;
        emit Narrowed(gameId, status, newLo, newHi, g.loHash, newHiHash);

        if (newHi != newLo + 1) return;
        if (status == GameStatus.StepBisection) {
            g.status = GameStatus.AwaitingOpTrace;
            g.step = newHi;
            StateHash before = g.loHash;
            if (newLo == 0) {
                // lo never moved: h_0 is the job's initial state (loHash was left unwritten).
                before = market.disputeTerms(JobId.wrap(g.jobId)).initialState;
                g.loHash = before;
            }
            emit StepIsolated(gameId, newHi, before, newHiHash);
        } else {
            _requestAdjudication(gameId, g);
        }
    }

    /// @inheritdoc IDisputeGame
    function commitOpTrace(
        GameId gameId,
        bytes32 opRoot,
        uint32 nOps,
        bytes32[] calldata firstProof,
        bytes32[] calldata lastProof
    ) external {
        Packed storage g = _games[gameId];
        GameStatus status = g.status;
        // INVARIANT: see _requireBisection.
        if (status == GameStatus.None) revert UnknownGame(gameId);
        // INVARIANT: an op trace is committed once, after phase 1 isolated the step.
        if (status != GameStatus.AwaitingOpTrace) revert WrongStatus(gameId, status);
        IJobMarket.DisputeTerms memory job = market.disputeTerms(JobId.wrap(g.jobId));
        // INVARIANT: only the solver commits its op trace: unlike an opening, a new root is a choice.
        if (msg.sender != job.solver) revert NotYourTurn(gameId, msg.sender, g.turn);
        // INVARIANT: a zero root commits to nothing.
        if (opRoot == bytes32(0)) revert ZeroRoot();
        uint256 expectedOps = job.opsPerStep;
        // INVARIANT: N is the job's, committed at posting, never the solver's choice. A solver free to
        // pick N could commit an honest prefix r_0..r_{N'} of the step and claim r_{N'} as h_s: every
        // opening would be honest and the last operator correct, so a wrong result would win. Padding
        // (N' > N) would drive the court to an operator the step does not have.
        if (nOps != expectedOps) revert WrongOpCount(gameId, nOps, expectedOps);
        StateHash first = g.loHash;
        StateHash last = g.hiHash;
        // INVARIANT: r_0 = h_{s-1}: the op trace starts from the state both sides agree on.
        if (!LibMerkle.verify(opRoot, uint256(nOps) + 1, 0, StateHash.unwrap(first), firstProof)) {
            revert OpTraceNotBound(gameId, 0, first);
        }
        // INVARIANT: r_N = h_s: the op trace ends in the state the solver claimed (opML forgot this check,
        // letting a solver bisect over an op trace unrelated to its claim).
        if (!LibMerkle.verify(opRoot, uint256(nOps) + 1, nOps, StateHash.unwrap(last), lastProof)) {
            revert OpTraceNotBound(gameId, nOps, last);
        }
        _charge(gameId, g, Party.Solver);

        // loHash = r_0 and hiHash = r_N are already the stored h_{s-1} and h_s.
        g.root = opRoot;
        g.size = nOps;
        g.inOps = true;
        g.lo = 0;
        g.hi = nOps;
        emit OpTraceCommitted(gameId, opRoot, nOps);
        if (nOps == 1) {
            _requestAdjudication(gameId, g);
        } else {
            g.status = GameStatus.OpBisection;
            g.turn = Party.Solver; // the solver opens the first op round
        }
    }

    /// @inheritdoc IDisputeGame
    function timeout(GameId gameId) external {
        Packed storage g = _games[gameId];
        GameStatus status = g.status;
        // INVARIANT: see _requireBisection.
        if (status == GameStatus.None) revert UnknownGame(gameId);
        // INVARIANT: clocks run only while a party is to move (not while adjudicating, not after the end).
        if (
            status != GameStatus.StepBisection && status != GameStatus.AwaitingOpTrace
                && status != GameStatus.OpBisection
        ) {
            revert WrongStatus(gameId, status);
        }
        Party turn = g.turn;
        uint256 left = LibClock.remaining(
            turn == Party.Solver ? g.solverClock : g.challengerClock, g.lastMoveAt, block.timestamp
        );
        // INVARIANT: a party loses on time only once its clock is at zero.
        if (left != 0) revert ClockNotExpired(gameId, turn, left);
        _resolve(gameId, g, turn == Party.Solver, "timeout");
    }

    /// @inheritdoc IDisputeGame
    function onAdjudicated(GameId gameId, StateHash correctOutput) external {
        // INVARIANT: only the adjudicator decides the operator.
        if (msg.sender != address(adjudicator)) revert NotAdjudicator(msg.sender);
        Packed storage g = _games[gameId];
        GameStatus status = g.status;
        // INVARIANT: see _requireBisection.
        if (status == GameStatus.None) revert UnknownGame(gameId);
        // INVARIANT: one answer per game, only to a pending request.
        if (status != GameStatus.Adjudicating) revert WrongStatus(gameId, status);
        bool solverRight = correctOutput == g.hiHash;
        _resolve(gameId, g, !solverRight, solverRight ? "operator correct" : "operator wrong");
    }

    // ------------------------------------------------------------------------------------------ views

    /// @inheritdoc IDisputeGame
    function getGame(GameId gameId) external view returns (Game memory game) {
        Packed storage g = _games[gameId];
        if (g.status == GameStatus.None) return game;
        IJobMarket.DisputeTerms memory job = market.disputeTerms(JobId.wrap(g.jobId));
        game.challenger = g.challenger;
        game.status = g.status;
        game.turn = g.turn;
        game.lo = g.lo;
        game.hi = g.hi;
        game.rounds = g.rounds;
        game.solver = job.solver;
        game.jobId = JobId.wrap(g.jobId);
        game.lastMoveAt = g.lastMoveAt;
        game.solverClock = g.solverClock;
        game.challengerClock = g.challengerClock;
        game.step = g.step;
        game.nOps = g.inOps ? g.size : 0;
        // While phase 1 has not moved lo, h_lo = h_0 is the job's initial state (see Packed.loHash).
        game.loHash = (!g.inOps && g.lo == 0 && g.step == 0) ? job.initialState : g.loHash;
        game.hiHash = g.hiHash;
        game.opRoot = g.inOps ? g.root : bytes32(0);
        game.openingsHash = g.openingsHash;
        game.bond = job.challengeBond;
        game.requestId = RequestId.wrap(g.requestId);
    }

    /// @inheritdoc IDisputeGame
    function nextPositions(GameId gameId) external view returns (uint32[] memory) {
        Packed storage g = _games[gameId];
        bool bisecting = g.status == GameStatus.StepBisection || g.status == GameStatus.OpBisection;
        if (!bisecting || g.turn != Party.Solver) return new uint32[](0);
        return LibBisection.positions(g.lo, g.hi, g.arity);
    }

    /// @inheritdoc IDisputeGame
    function clocks(GameId gameId) external view returns (uint256 solverLeft, uint256 challengerLeft) {
        Packed storage g = _games[gameId];
        (solverLeft, challengerLeft) = (g.solverClock, g.challengerClock);
        GameStatus status = g.status;
        bool running = status == GameStatus.StepBisection || status == GameStatus.AwaitingOpTrace
            || status == GameStatus.OpBisection;
        if (!running) return (solverLeft, challengerLeft);
        if (g.turn == Party.Solver) {
            solverLeft = LibClock.remaining(solverLeft, g.lastMoveAt, block.timestamp);
        } else {
            challengerLeft = LibClock.remaining(challengerLeft, g.lastMoveAt, block.timestamp);
        }
    }

    /// @inheritdoc IDisputeGame
    function gameCount() external view returns (uint256) {
        return _nextId - 1;
    }

    /// @inheritdoc IDisputeGame
    function gameOf(JobId jobId, address challenger) external view returns (GameId) {
        return _gameOf[jobId][challenger];
    }

    /// @inheritdoc IDisputeGame
    /// @dev Adjudicating is entered only through _requestAdjudication (which sets requestId, ids start at
    /// 1) and left only through onAdjudicated (timeouts are refused there), so a challenger win with a
    /// request id is a win by adjudication at (step, hi).
    function adjudicatedAt(GameId gameId) external view returns (bool won, uint32 step, uint32 opIndex) {
        Packed storage g = _games[gameId];
        if (g.status != GameStatus.ChallengerWon || g.requestId == 0) return (false, 0, 0);
        return (true, g.step, g.hi);
    }

    /// @inheritdoc IDisputeGame
    /// @dev Rounds only: a game makes at most 2 * maxRounds + MOVE_OVERHEAD moves.
    function maxRounds(uint256 steps, uint256 nOps, uint256 k) external pure returns (uint256) {
        return LibBisection.ceilLog(steps, k) + LibBisection.ceilLog(nOps, k);
    }

    /// @inheritdoc IDisputeGame
    function totalBonds() external view returns (uint256) {
        return _totalBonds;
    }

    // ------------------------------------------------------------------------------------------ internals

    function _requireBisection(GameId gameId, Packed storage g) private view returns (GameStatus status) {
        status = g.status;
        // INVARIANT: status 0 is never a game (ids start at 1 and every game gets a status).
        if (status == GameStatus.None) revert UnknownGame(gameId);
        // INVARIANT: open/choose only while bisecting; a resolved game takes no moves.
        if (status != GameStatus.StepBisection && status != GameStatus.OpBisection) {
            revert WrongStatus(gameId, status);
        }
    }

    /// @dev Check each opening against the committed root; returns the opened positions.
    function _verifyOpenings(
        GameId gameId,
        Packed storage g,
        uint256 lo,
        uint256 hi,
        uint256 m,
        StateHash[] calldata hashes,
        bytes32[][] calldata proofs
    ) private view returns (uint32[] memory ps) {
        bytes32 root = g.root;
        uint256 leaves = uint256(g.size) + 1;
        ps = new uint32[](m);
        for (uint256 i; i < m; ++i) {
            uint256 p = LibBisection.positionOf(lo, hi, m, i + 1);
            // INVARIANT: every opening is the leaf the solver committed to before the game started
            // (phase 1: job.traceRoot) or before phase 2 (the op-trace root).
            if (!LibMerkle.verify(root, leaves, p, StateHash.unwrap(hashes[i]), proofs[i])) {
                revert InvalidProof(gameId, p);
            }
            ps[i] = uint32(p);
        }
    }

    /// @dev Charge `mover` the time since the last move and top the opponent up to minExtension.
    function _charge(GameId gameId, Packed storage g, Party mover) private {
        uint256 elapsed = block.timestamp - g.lastMoveAt;
        uint256 minExt = g.minExtension;
        if (mover == Party.Solver) {
            uint256 left = g.solverClock;
            // INVARIANT: a flag that fell stays fallen: a late move cannot beat the opponent's `timeout`.
            if (elapsed >= left) revert ClockExpired(gameId, mover);
            g.solverClock = uint40(left - elapsed);
            uint256 other = g.challengerClock;
            if (other < minExt) g.challengerClock = uint40(minExt);
        } else {
            uint256 left = g.challengerClock;
            // INVARIANT: see above.
            if (elapsed >= left) revert ClockExpired(gameId, mover);
            g.challengerClock = uint40(left - elapsed);
            uint256 other = g.solverClock;
            if (other < minExt) g.solverClock = uint40(minExt);
        }
        g.lastMoveAt = uint40(block.timestamp);
    }

    /// @dev One operator left: pause the clocks and ask the adjudicator.
    function _requestAdjudication(GameId gameId, Packed storage g) private {
        g.status = GameStatus.Adjudicating;
        g.turn = Party.None;
        uint32 step = g.step;
        uint32 opIndex = g.hi;
        RequestId requestId =
            adjudicator.requestAdjudication(gameId, JobId.wrap(g.jobId), step, opIndex, g.loHash, g.hiHash);
        // INVARIANT: the request id fits the packed slot.
        if (RequestId.unwrap(requestId) > type(uint48).max) {
            revert TooLarge("requestId", RequestId.unwrap(requestId));
        }
        g.requestId = uint48(RequestId.unwrap(requestId));
        emit AdjudicationRequested(gameId, requestId, step, opIndex);
    }

    /// @dev End the game and pay the bond as pull credits (checks-effects-interactions).
    function _resolve(GameId gameId, Packed storage g, bool challengerWon, string memory reason) private {
        JobId jobId = JobId.wrap(g.jobId);
        // The job's parameters are snapshotted at posting: this is the bond the challenger paid.
        IJobMarket.DisputeTerms memory job = market.disputeTerms(jobId);
        uint256 bond = job.challengeBond;
        GameStatus outcome = challengerWon ? GameStatus.ChallengerWon : GameStatus.SolverWon;
        g.status = outcome;
        g.turn = Party.None;
        _totalBonds -= uint128(bond);
        address challenger = g.challenger;
        emit GameResolved(gameId, jobId, outcome, reason);

        if (challengerWon) {
            if (bond != 0) stakes.credit{value: bond}(challenger);
        } else {
            uint256 toSolver = (bond * job.slashWinnerShareBps) / BPS;
            if (toSolver != 0) stakes.credit{value: toSolver}(job.solver);
            if (bond - toSolver != 0) stakes.credit{value: bond - toSolver}(stakes.treasury());
        }
        market.onGameResolved(jobId, gameId, challenger, challengerWon);
    }

    function _clamp40(uint256 x) private pure returns (uint40) {
        return x > type(uint40).max ? type(uint40).max : uint40(x);
    }
}
