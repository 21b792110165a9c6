// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "../utils/Vm.sol";
import {Traces} from "../utils/Traces.sol";
import {MerkleTree} from "../utils/MerkleTree.sol";
import {LibMerkle} from "../../src/libraries/LibMerkle.sol";
import {LibBisection} from "../../src/libraries/LibBisection.sol";
import {IStakeManager} from "../../src/interfaces/IStakeManager.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {IRefereeCourt} from "../../src/interfaces/IRefereeCourt.sol";
import {IForcedErrorRegistry} from "../../src/interfaces/IForcedErrorRegistry.sol";
import {
    JobId,
    GameId,
    RequestId,
    StateHash,
    Role,
    JobStatus,
    GameStatus,
    Party
} from "../../src/types/Types.sol";

/// @notice Drives the whole protocol with bounded random actions for the invariant suite.
/// Honest parties always play their true trace; a challenger is honest iff the result it challenges
/// is wrong. Timeouts are only ever claimed against a dishonest party, so "an honest party never
/// loses" is a property of the game, not of the handler's patience.
contract ProtocolHandler {
    uint256 internal constant MAX_STEPS = 16;
    uint256 internal constant MAX_OPS = 8;

    IStakeManager public immutable stakes;
    IJobMarket public immutable market;
    IDisputeGame public immutable game;
    IRefereeCourt public immutable court;
    IForcedErrorRegistry public immutable registry;

    address public immutable submitter;
    address public immutable governor; // JobMarket owner: the handler varies k between jobs
    address public immutable whistleblower;
    address[] public solvers;
    address[] public verifiers;
    address[] public referees;

    struct JobInfo {
        bytes32 key;
        uint32 steps;
        uint32 nOps; // op records per step
        bool cheat; // the submitted result is wrong from step `badStep` on
        uint32 badStep;
        uint32 badOp;
        bool honeypot;
        bytes32 salt;
        uint32 prefixOps; // cheat: h'_badStep is the honest record after this many ops (0: garbage)
        bool staged; // a CORRECT result sealed as a honeypot at (badStep, badOp < N): the whistleblower's
        // own solver lies at that operator in the op trace it commits, its challenger steers there
    }

    mapping(uint256 => JobInfo) public info;
    uint256[] public jobIds;
    uint256[] public gameIds;
    mapping(uint256 => uint256) public movesOf; // game -> successful moves (incl. challenge)

    // ghost variables read by the invariants
    uint256 public ghostHonestLosses;
    uint256 public ghostMovesAfterResolution;
    uint256 public ghostResolvedGames;
    uint256 public ghostCalls;
    uint256 public ghostReimbursed; // wei reimbursed to honeypot submitters by reveals
    uint256 public ghostHoneypotCost; // upper bound on what the revealed honeypots cost, from their terms
    uint256 public ghostBadReimbursements; // reveals that paid more than the pool or not the submitter
    uint256 public ghostWrongOpCountAccepted; // op traces committed with N != the job's opsPerStep
    uint256 public ghostFreeDissent; // decided requests where a voter against the decision kept its stake
    uint256 public ghostTaintedGames; // games whose committee held a garbage-voting sybil seat

    // Adversary: many minimum-size referee accounts that vote garbage (or do not show).
    uint256 internal constant MAX_SYBILS = 6;
    uint256 internal constant SYBIL_STAKE = 0.5 ether; // the referee registry minimum
    bytes32 internal constant GARBAGE = keccak256("sybil garbage");
    address[] public sybils;
    mapping(address => bool) public isSybil;
    mapping(uint256 request => bool) public tainted;
    // every vote the handler made on a request, over all rounds
    mapping(uint256 request => address[]) internal _voters;
    mapping(uint256 request => StateHash[]) internal _votesCast;
    uint256 public ghostFalseReveals; // reveals that succeeded on a CORRECT job (honest attesters slashed)
    uint256 public ghostUnpaidHonestDrawn; // settlements that did not pay an honest drawn winner its share
    uint256 public ghostCheaterProfits; // failed cheats whose solver recovered its whole slash via socks
    uint256 public ghostSettledCheats; // failed cheating jobs settled (the checks above ran)
    mapping(uint256 => uint256) public sockGain; // job -> winner shares claimed by the solver's socks
    address[] public socks; // the dishonest solvers' second addresses

    constructor(
        IStakeManager stakes_,
        IJobMarket market_,
        IDisputeGame game_,
        IRefereeCourt court_,
        IForcedErrorRegistry registry_,
        address submitter_,
        address governor_,
        address whistleblower_,
        address[] memory solvers_,
        address[] memory verifiers_,
        address[] memory referees_
    ) {
        stakes = stakes_;
        market = market_;
        game = game_;
        court = court_;
        registry = registry_;
        submitter = submitter_;
        governor = governor_;
        whistleblower = whistleblower_;
        solvers = solvers_;
        verifiers = verifiers_;
        referees = referees_;
        for (uint256 i; i < 2; ++i) {
            socks.push(address(uint160(0x50C0 + i)));
        }
    }

    // ------------------------------------------------------------------ job lifecycle
    function postJob(uint256 seed, uint96 budget) external {
        ghostCalls++;
        uint256 amount = 0.01 ether + uint256(budget) % 5 ether;
        vm.deal(submitter, submitter.balance + amount);
        bytes32 key = keccak256(abi.encode("job", jobIds.length, seed));
        uint32 steps = uint32(1 + seed % MAX_STEPS);
        uint32 nOps = uint32(1 + (seed >> 8) % MAX_OPS);
        // k-ary bisection is snapshotted per job: vary it so games with k = 2..5 run side by side
        IJobMarket.Params memory p = market.params();
        p.bisectionArity = uint16(2 + (seed >> 16) % 4);
        vm.prank(governor);
        market.setParams(p);
        vm.prank(submitter);
        JobId id = market.postJob{value: amount}(
            keccak256(abi.encode(key, "spec")),
            "ipfs://spec",
            steps,
            keccak256("graph"),
            nOps,
            Traces.honest(key, 0)
        );
        JobInfo storage j = info[JobId.unwrap(id)];
        j.key = key;
        j.steps = steps;
        j.nOps = nOps;
        jobIds.push(JobId.unwrap(id));
    }

    function claimJob(uint256 jobSeed, uint256 solverSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Open);
        if (!ok) return;
        vm.prank(solvers[solverSeed % solvers.length]);
        try market.claimJob(JobId.wrap(id)) {} catch {}
    }

    function submitResult(uint256 jobSeed, uint256 mode) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Claimed);
        if (!ok) return;
        JobInfo storage j = info[id];
        j.cheat = mode % 3 != 0; // two thirds of results are wrong, so games happen often
        j.badStep = uint32(1 + (mode >> 8) % j.steps);
        j.badOp = uint32(1 + (mode >> 16) % j.nOps);
        // A third of the cheats are the honest-prefix kind (only possible when a step has >= 2 records):
        // h'_s is a true intermediate record, and the cheater's best hope is to commit fewer ops.
        j.prefixOps =
            j.cheat && j.nOps > 1 && (mode >> 32) % 3 == 0 ? uint32(1 + (mode >> 40) % (j.nOps - 1)) : 0;
        // Half of the results (wrong or CORRECT) carry the whistleblower's sealed tag at (badStep, badOp):
        // a reveal of a correct one must never succeed.
        j.honeypot = (mode >> 24) % 2 == 0;
        // A honeypot errs at the end state of its step (honest records, wrong h_s): the only ruling that
        // proves a committed result wrong. Half of the correct "honeypots" are sealed at an operator,
        // where a staged game could be won; neither kind may ever be revealed.
        if (j.honeypot && (j.cheat || (mode >> 48) % 2 == 0)) j.badOp = j.nOps;
        j.staged = j.honeypot && !j.cheat && j.badOp < j.nOps;
        j.salt = keccak256(abi.encode(j.key, "salt"));
        bytes32 tag = j.honeypot
            ? keccak256(abi.encode(JobId.wrap(id), j.salt, whistleblower, j.badStep, j.badOp))
            : keccak256(abi.encode(j.key, "random tag"));
        bytes32[] memory trace = _solverSteps(j);
        bytes32 root = _root(trace);
        IJobMarket.Job memory job = market.getJob(JobId.wrap(id));
        vm.prank(job.solver);
        try market.submitResult(JobId.wrap(id), StateHash.wrap(trace[j.steps]), root, "ipfs://model", tag) {
            // The draw is seeded by the submission's block: the solver's agent draws in the next one.
            vm.roll(block.number + 1);
            try market.drawVerifiers(JobId.wrap(id)) {} catch {}
        } catch {}
    }

    function attest(uint256 jobSeed, uint256 verifierSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Submitted);
        if (!ok) return;
        IJobMarket.Assignment[] memory a = market.assignments(JobId.wrap(id));
        if (a.length == 0) return;
        vm.prank(a[verifierSeed % a.length].verifier);
        try market.attest(JobId.wrap(id)) {} catch {}
    }

    function challenge(uint256 jobSeed, uint256 challengerSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Submitted);
        // A Failed job still takes games from its drawn verifiers until the window closes.
        if (!ok) (ok, id) = _pickJob(jobSeed, JobStatus.Failed);
        if (!ok) return;
        _challengeAs(id, verifiers[challengerSeed % verifiers.length]);
    }

    /// @notice The solver's own second address challenges (it can then lose to itself first).
    function sockChallenge(uint256 jobSeed, uint256 sockSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Submitted);
        if (!ok) return;
        _challengeAs(id, socks[sockSeed % socks.length]);
    }

    function _challengeAs(uint256 id, address challenger) internal {
        IJobMarket.Job memory job = market.getJob(JobId.wrap(id));
        uint256 bond = job.params.challengeBond;
        vm.deal(challenger, challenger.balance + bond);
        vm.prank(challenger);
        try game.challenge{value: bond}(JobId.wrap(id), job.finalState) returns (GameId g) {
            gameIds.push(GameId.unwrap(g));
            movesOf[GameId.unwrap(g)] = 1;
        } catch {}
    }

    function drawVerifiers(uint256 jobSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Submitted);
        if (ok) try market.drawVerifiers(JobId.wrap(id)) {} catch {}
        if (ok) try market.expireUnverified(JobId.wrap(id)) {} catch {}
    }

    /// @notice A winner (sock or verifier) claims its part of a settled job's winner share.
    function claimShare(uint256 jobSeed, uint256 whoSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Failed);
        if (!ok) return;
        bool sock = whoSeed % 2 == 0;
        address who =
            sock ? socks[(whoSeed >> 8) % socks.length] : verifiers[(whoSeed >> 8) % verifiers.length];
        vm.prank(who);
        try market.claimWinnerShare(JobId.wrap(id)) returns (uint256 amount) {
            if (!sock) return;
            sockGain[id] += amount;
            // A cheating solver never gets its whole slash back through its socks.
            if (info[id].cheat && sockGain[id] >= market.getJob(JobId.wrap(id)).params.solverStake) {
                ghostCheaterProfits++;
            }
        } catch {}
    }

    function finalize(uint256 jobSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Submitted);
        if (ok) try market.finalize(JobId.wrap(id)) {} catch {}
    }

    function settle(uint256 jobSeed) external {
        ghostCalls++;
        if (jobIds.length == 0) return;
        uint256 raw = jobIds[jobSeed % jobIds.length];
        JobId id = JobId.wrap(raw);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        uint256[] memory before = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) {
            before[i] = stakes.creditOf(a[i].verifier);
        }
        try market.settleFailure(id) {
            _checkSettlement(raw, a, before);
        } catch {}
        try market.releaseVerifiers(id) {} catch {}
    }

    /// @dev After settleFailure of `id`: every drawn verifier that won was paid its equal share.
    function _checkSettlement(uint256 id, IJobMarket.Assignment[] memory a, uint256[] memory before)
        internal
    {
        IJobMarket.Job memory job = market.getJob(JobId.wrap(id));
        if (info[id].cheat) ghostSettledCheats++;
        if (job.drawnWinners == 0) return;
        uint256 share =
            uint256(job.params.solverStake) * job.params.slashWinnerShareBps / 10_000 / job.drawnWinners;
        for (uint256 i; i < a.length; ++i) {
            if (!market.winOf(JobId.wrap(id), a[i].verifier).won) continue;
            if (stakes.creditOf(a[i].verifier) - before[i] < share) ghostUnpaidHonestDrawn++;
        }
    }

    function cancelOrExpire(uint256 jobSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Open);
        if (!ok) return;
        vm.prank(submitter);
        try market.cancelJob(JobId.wrap(id)) {} catch {}
    }

    function missedDeadline(uint256 jobSeed) external {
        ghostCalls++;
        (bool ok, uint256 id) = _pickJob(jobSeed, JobStatus.Claimed);
        if (ok) try market.reportMissedDeadline(JobId.wrap(id)) {} catch {}
    }

    function reveal(uint256 jobSeed) external {
        ghostCalls++;
        if (jobIds.length == 0) return;
        uint256 id = jobIds[jobSeed % jobIds.length];
        JobInfo storage j = info[id];
        if (!j.honeypot) return;
        uint256 cost = market.getJob(JobId.wrap(id)).tax;
        uint256 poolBefore = registry.pool();
        uint256 creditBefore = stakes.creditOf(submitter);
        vm.prank(whistleblower);
        try registry.reveal(JobId.wrap(id), j.salt, j.badStep, j.badOp) returns (
            uint256 jackpot, uint256 reimbursed
        ) {
            // Attesters of a correct job are honest: a reveal that slashes them is a protocol failure.
            if (!j.cheat) ghostFalseReveals++;
            ghostReimbursed += reimbursed;
            ghostHoneypotCost += cost;
            // The submitter is never a verifier here, so the reveal credits it the reimbursement only.
            bool paidSubmitter = stakes.creditOf(submitter) - creditBefore == reimbursed;
            if (jackpot + reimbursed > poolBefore || !paidSubmitter) ghostBadReimbursements++;
        } catch {}
    }

    // ------------------------------------------------------------------ money
    function deposit(uint256 actorSeed, uint96 amount, uint8 roleSeed) external {
        ghostCalls++;
        Role role = Role(1 + roleSeed % 3);
        address who = _actor(actorSeed);
        uint256 value = 1 + uint256(amount) % 10 ether;
        vm.deal(who, who.balance + value);
        vm.prank(who);
        stakes.deposit{value: value}(role);
    }

    function requestWithdrawal(uint256 actorSeed, uint96 amount, uint8 roleSeed) external {
        ghostCalls++;
        Role role = Role(1 + roleSeed % 3);
        address who = _actor(actorSeed);
        uint256 free = stakes.freeStake(who, role);
        if (free == 0) return;
        vm.prank(who);
        stakes.requestWithdrawal(role, 1 + uint256(amount) % free);
    }

    function withdraw(uint256 actorSeed, uint8 roleSeed) external {
        ghostCalls++;
        address who = _actor(actorSeed);
        vm.prank(who);
        try stakes.withdraw(Role(1 + roleSeed % 3)) {} catch {}
    }

    function claimCredit(uint256 actorSeed) external {
        ghostCalls++;
        address who = _actor(actorSeed);
        vm.prank(who);
        try stakes.claim() {} catch {}
    }

    function warp(uint32 secondsSeed) external {
        ghostCalls++;
        vm.warp(block.timestamp + uint256(secondsSeed) % 2 days);
    }

    // ------------------------------------------------------------------ referee adversary
    /// @notice The adversary splits stake into minimum-size referee accounts (bounded: their total
    /// stays below the honest referees' stake).
    function joinSybils(uint8 n) external {
        ghostCalls++;
        for (uint256 i; i < 1 + n % 3 && sybils.length < MAX_SYBILS; ++i) {
            address sybil = address(uint160(0x5b1000 + sybils.length));
            sybils.push(sybil);
            isSybil[sybil] = true;
            vm.deal(sybil, SYBIL_STAKE);
            vm.prank(sybil);
            stakes.deposit{value: SYBIL_STAKE}(Role.Referee);
        }
    }

    /// @notice The adversary chooses when a pending committee draw happens (after 0..3 more blocks).
    function drawCommittee(uint256 gameSeed, uint8 blocks) external {
        ghostCalls++;
        if (gameIds.length == 0) return;
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(gameIds[gameSeed % gameIds.length]));
        if (st.status != GameStatus.Adjudicating) return;
        vm.roll(block.number + blocks % 4);
        try court.drawCommittee(st.requestId) {} catch {}
    }

    // ------------------------------------------------------------------ games
    /// @notice Play up to `budget` moves of one game, honestly for the honest side.
    function play(uint256 gameSeed, uint256 choiceSeed, uint8 budget) external {
        ghostCalls++;
        if (gameIds.length == 0) return;
        uint256 g = gameIds[gameSeed % gameIds.length];
        for (uint256 i; i < 1 + budget % 24; ++i) {
            if (!_step(g, uint256(keccak256(abi.encode(choiceSeed, i))))) break;
        }
    }

    /// @notice Claim a timeout, but only against a dishonest party.
    function timeoutGame(uint256 gameSeed) external {
        ghostCalls++;
        if (gameIds.length == 0) return;
        uint256 g = gameIds[gameSeed % gameIds.length];
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(g));
        if (_resolved(st.status) || st.status == GameStatus.Adjudicating) return;
        bool solverCheats = info[JobId.unwrap(st.jobId)].cheat;
        bool moverHonest = st.turn == Party.Solver ? !solverCheats : solverCheats;
        if (moverHonest) return;
        (uint256 sLeft, uint256 cLeft) = game.clocks(GameId.wrap(g));
        vm.warp(block.timestamp + (st.turn == Party.Solver ? sLeft : cLeft) + 1);
        try game.timeout(GameId.wrap(g)) {
            movesOf[g]++;
            _afterResolution(g, st);
        } catch {}
    }

    /// @notice Try an illegal move on a resolved game; it must revert.
    function moveAfterResolution(uint256 gameSeed) external {
        ghostCalls++;
        if (gameIds.length == 0) return;
        uint256 g = gameIds[gameSeed % gameIds.length];
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(g));
        if (!_resolved(st.status)) return;
        StateHash[] memory none = new StateHash[](0);
        bytes32[][] memory noProofs = new bytes32[][](0);
        IJobMarket.Job memory job = market.getJob(st.jobId);
        vm.prank(job.solver);
        try game.open(GameId.wrap(g), st.lo, st.hi, none, noProofs) {
            ghostMovesAfterResolution++;
        } catch {}
        vm.prank(st.challenger);
        try game.choose(GameId.wrap(g), st.lo, st.hi, none, 0, st.hiHash) {
            ghostMovesAfterResolution++;
        } catch {}
        try game.timeout(GameId.wrap(g)) {
            ghostMovesAfterResolution++;
        } catch {}
    }

    // ------------------------------------------------------------------ views for invariants
    function jobCount() external view returns (uint256) {
        return jobIds.length;
    }

    function gameCount() external view returns (uint256) {
        return gameIds.length;
    }

    function allGames() external view returns (uint256[] memory) {
        return gameIds;
    }

    function allJobs() external view returns (uint256[] memory) {
        return jobIds;
    }

    // ------------------------------------------------------------------ internals
    /// @dev One move of game `g` by whoever is to move. Returns false when nothing can be done.
    function _step(uint256 g, uint256 choice) internal returns (bool) {
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(g));
        if (_resolved(st.status)) return false;
        JobInfo storage j = info[JobId.unwrap(st.jobId)];
        IJobMarket.Job memory job = market.getJob(st.jobId);
        if (st.status == GameStatus.Adjudicating) return _adjudicate(g, st, j, choice);
        if (st.status == GameStatus.AwaitingOpTrace) {
            // A cheater chooses its op count like a real one would: the honest prefix that ends at its
            // claim, a padded trace, any N; only the job's N may be accepted.
            if (j.cheat && choice % 2 == 0) _tryChosenOpCount(g, st, j, job.solver, choice >> 1);
            bytes32[] memory ops = _solverOps(j, st.step);
            vm.prank(job.solver);
            try game.commitOpTrace(
                GameId.wrap(g),
                _root(ops),
                j.nOps,
                MerkleTree.proof(MerkleTree.build(ops), 0),
                MerkleTree.proof(MerkleTree.build(ops), j.nOps)
            ) {
                movesOf[g]++;
                _afterMove(g, st);
                return true;
            } catch {
                return false;
            }
        }
        bool phase2 = st.status == GameStatus.OpBisection;
        bytes32[] memory solverTrace = phase2 ? _solverOps(j, st.step) : _solverSteps(j);
        uint32[] memory pos = LibBisection.positions(st.lo, st.hi, job.params.bisectionArity);
        StateHash[] memory hashes = new StateHash[](pos.length);
        for (uint256 i; i < pos.length; ++i) {
            hashes[i] = StateHash.wrap(solverTrace[pos[i]]);
        }
        if (st.turn == Party.Solver) {
            bytes32[][] memory proofs = new bytes32[][](pos.length);
            bytes32[][] memory levels = MerkleTree.build(solverTrace);
            for (uint256 i; i < pos.length; ++i) {
                proofs[i] = MerkleTree.proof(levels, pos[i]);
            }
            vm.prank(job.solver);
            try game.open(GameId.wrap(g), st.lo, st.hi, hashes, proofs) {
                movesOf[g]++;
                return true;
            } catch {
                return false;
            }
        }
        // Challenger: honest iff the solver cheats — it names the first opening that is wrong.
        uint256 index = pos.length;
        if (j.cheat) {
            bytes32[] memory truth = phase2
                ? Traces.opTrace(j.key, st.step, j.nOps, false, 0, 0)
                : Traces.stepTrace(j.key, j.steps, false, 0);
            for (uint256 i; i < pos.length; ++i) {
                if (truth[pos[i]] != StateHash.unwrap(hashes[i])) {
                    index = i;
                    break;
                }
            }
        } else if (j.staged) {
            // The whistleblower's challenger steers to the sealed location: the sub-interval holding it.
            uint256 target = phase2 ? j.badOp : j.badStep;
            while (index > 0 && pos[index - 1] >= target) --index;
        } else {
            index = choice % (pos.length + 1);
        }
        StateHash disputed = index == pos.length ? st.hiHash : hashes[index];
        vm.prank(st.challenger);
        try game.choose(GameId.wrap(g), st.lo, st.hi, hashes, index, disputed) {
            movesOf[g]++;
            _afterMove(g, st);
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Draws a pending committee; honest referees vote the true output of the disputed operator,
    /// sybils vote garbage or do not show (by `choice`); then resolve, checking that every voter
    /// against the decision (in any round) lost its stake.
    function _adjudicate(uint256 g, IDisputeGame.Game memory st, JobInfo storage j, uint256 choice)
        internal
        returns (bool)
    {
        RequestId r = st.requestId;
        IRefereeCourt.Request memory req = court.getRequest(r);
        if (req.resolved) return false;
        if (req.drawBlock != 0) {
            if (block.number <= req.drawBlock) vm.roll(req.drawBlock + 1);
            try court.drawCommittee(r) {} catch {}
            req = court.getRequest(r);
            if (req.drawBlock != 0) return true; // re-scheduled (expired word): draw next time
        }
        StateHash truth = Traces.honestOp(j.key, req.step, j.nOps, req.opIndex);
        address[] memory members = court.committee(r);
        for (uint256 i; i < members.length; ++i) {
            if (StateHash.unwrap(court.voteOf(r, members[i])) != bytes32(0)) continue;
            StateHash out = truth;
            if (isSybil[members[i]]) {
                if ((choice >> i) & 1 == 0) continue; // no-show
                out = StateHash.wrap(GARBAGE);
            }
            vm.prank(members[i]);
            try court.vote(r, out) {
                _voters[RequestId.unwrap(r)].push(members[i]);
                _votesCast[RequestId.unwrap(r)].push(out);
                if (isSybil[members[i]]) tainted[RequestId.unwrap(r)] = true;
            } catch {}
        }
        if (
            members.length == 0 || block.timestamp <= req.deadline
                && court.getRequest(r).votes < members.length
        ) {
            vm.warp(uint256(req.deadline) + 1);
        }
        uint256[] memory before = _voterAmounts(RequestId.unwrap(r));
        try court.resolve(r) {
            if (court.getRequest(r).resolved) _checkDissentPaid(RequestId.unwrap(r), before);
            // A committee round without a majority schedules a re-draw inside the court: not a game
            // move. Only the decision, which calls DisputeGame.onAdjudicated, moves the game.
            if (_resolved(game.getGame(GameId.wrap(g)).status)) {
                movesOf[g]++;
                _afterMove(g, st);
            }
            return true;
        } catch {
            return false;
        }
    }

    function _voterAmounts(uint256 r) internal view returns (uint256[] memory amounts) {
        address[] storage voters = _voters[r];
        amounts = new uint256[](voters.length);
        for (uint256 i; i < voters.length; ++i) {
            amounts[i] = stakes.stakeOf(voters[i], Role.Referee).amount;
        }
    }

    /// @dev Each voter's stake fell by at least refereeStake per vote it cast against the decision.
    function _checkDissentPaid(uint256 r, uint256[] memory before) internal {
        IRefereeCourt.Request memory req = court.getRequest(RequestId.wrap(r));
        address[] storage voters = _voters[r];
        StateHash[] storage cast = _votesCast[r];
        for (uint256 i; i < voters.length; ++i) {
            uint256 dissents;
            for (uint256 k; k < voters.length; ++k) {
                if (voters[k] == voters[i] && cast[k] != req.decision) dissents++;
            }
            uint256 lost = before[i] - stakes.stakeOf(voters[i], Role.Referee).amount;
            if (lost < dissents * req.refereeStake) ghostFreeDissent++;
        }
    }

    function _afterMove(uint256 g, IDisputeGame.Game memory before) internal {
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(g));
        if (_resolved(st.status)) _afterResolution(g, before);
    }

    function _afterResolution(uint256 g, IDisputeGame.Game memory before) internal {
        if (_resolved(before.status)) ghostMovesAfterResolution++;
        ghostResolvedGames++;
        IDisputeGame.Game memory st = game.getGame(GameId.wrap(g));
        bool solverCheats = info[JobId.unwrap(st.jobId)].cheat;
        // A sybil seat can decide a one-seat committee: the honest-outcome property is only claimed
        // for games the adversary did not sit in judgement on (dissent is checked for all of them).
        if (RequestId.unwrap(st.requestId) != 0 && tainted[RequestId.unwrap(st.requestId)]) {
            ghostTaintedGames++;
            return;
        }
        // The staged solver lied in its op trace: it is no honest party (its reveal is checked instead).
        if (info[JobId.unwrap(st.jobId)].staged) return;
        // Honest solver must win; honest challenger (solver cheats) must win.
        if (solverCheats && st.status != GameStatus.ChallengerWon) ghostHonestLosses++;
        if (!solverCheats && st.status != GameStatus.SolverWon) ghostHonestLosses++;
    }

    function _solverSteps(JobInfo storage j) internal view returns (bytes32[] memory) {
        return Traces.stepTrace(j.key, j.steps, j.cheat, j.badStep, j.nOps, j.prefixOps);
    }

    function _solverOps(JobInfo storage j, uint256 step) internal view returns (bytes32[] memory ops) {
        ops = Traces.opTrace(j.key, step, j.nOps, j.cheat, j.badStep, j.badOp, j.prefixOps);
        // The staged solver's result is correct; it lies only in the op record it will lose on.
        if (j.staged && step == j.badStep) ops[j.badOp] = keccak256(abi.encode(j.key, "staged lie"));
    }

    /// @dev The cheater commits an op trace of its own length: N' = the honest prefix ending at its claim,
    /// or anything in 1..MAX_OPS + 4 (truncated or padded). Counts it if the game accepts N' != N.
    function _tryChosenOpCount(
        uint256 g,
        IDisputeGame.Game memory st,
        JobInfo storage j,
        address solver,
        uint256 c
    ) internal {
        uint256 n = j.prefixOps != 0 && c % 2 == 0 ? j.prefixOps : 1 + (c >> 1) % (MAX_OPS + 4);
        if (n == j.nOps) return;
        bytes32[] memory ops = Traces.chosenOpTrace(j.key, j.badStep, st.step, j.nOps, j.prefixOps, n);
        bytes32[][] memory levels = MerkleTree.build(ops);
        vm.prank(solver);
        try game.commitOpTrace(
            GameId.wrap(g), _root(ops), uint32(n), MerkleTree.proof(levels, 0), MerkleTree.proof(levels, n)
        ) {
            ghostWrongOpCountAccepted++;
        } catch {}
    }

    function _resolved(GameStatus s) internal pure returns (bool) {
        return s == GameStatus.ChallengerWon || s == GameStatus.SolverWon;
    }

    function _pickJob(uint256 seed, JobStatus wanted) internal view returns (bool, uint256) {
        uint256 n = jobIds.length;
        if (n == 0) return (false, 0);
        for (uint256 i; i < n && i < 8; ++i) {
            uint256 id = jobIds[(seed + i) % n];
            if (market.jobStatus(JobId.wrap(id)) == wanted) return (true, id);
        }
        return (false, 0);
    }

    function _actor(uint256 seed) internal view returns (address) {
        uint256 total = solvers.length + verifiers.length + referees.length;
        uint256 i = seed % total;
        if (i < solvers.length) return solvers[i];
        i -= solvers.length;
        if (i < verifiers.length) return verifiers[i];
        return referees[i - verifiers.length];
    }

    function _root(bytes32[] memory values) internal pure returns (bytes32) {
        return LibMerkle.root(values);
    }
}

