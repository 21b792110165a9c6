// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {JobId, GameId, StateHash, JobStatus, Role} from "../src/types/Types.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {IStakeManager} from "../src/interfaces/IStakeManager.sol";
import {IRandomness} from "../src/interfaces/IRandomness.sol";
import {StakeManager} from "../src/StakeManager.sol";
import {DevnetRandomness} from "../src/DevnetRandomness.sol";
import {JobMarket} from "../src/JobMarket.sol";

/// @dev The test contract plays both DisputeGame and ForcedErrorRegistry (it is wired as both).
contract JobMarketTest {
    StakeManager internal sm;
    DevnetRandomness internal rnd;
    JobMarket internal market;
    uint256 internal taxReceived;

    address internal treasury = vm.addr(0x7EA5);
    address internal submitter = vm.addr(0x5AB);
    address internal solver = vm.addr(0x501);
    address internal challenger = vm.addr(0xC4A1);
    address internal stranger = vm.addr(0x5743);
    address[4] internal verifiers = [vm.addr(0xF1), vm.addr(0xF2), vm.addr(0xF3), vm.addr(0xF4)];

    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant GRAPH = keccak256("graph");
    StateHash internal constant H0 = StateHash.wrap(keccak256("h0"));
    StateHash internal constant HT = StateHash.wrap(keccak256("hT"));
    bytes32 internal constant ROOT = keccak256("root");
    bytes32 internal constant TAG = keccak256("tag");
    GameId internal constant GAME = GameId.wrap(1);

    function setUp() public {
        vm.warp(1_000_000);
        vm.roll(100);
        sm = new StakeManager(address(this), treasury, 30 days);
        rnd = new DevnetRandomness();
        market = new JobMarket(address(this), sm, rnd, _defaultParams());
        market.wire(address(this), address(this));
        sm.setProtocolContract(address(market), true);

        vm.deal(submitter, 1000 ether);
        vm.deal(solver, 1000 ether);
        vm.prank(solver);
        sm.deposit{value: 50 ether}(Role.Solver);
        for (uint256 i; i < verifiers.length; ++i) {
            vm.deal(verifiers[i], 100 ether);
            vm.prank(verifiers[i]);
            sm.deposit{value: 10 ether}(Role.Verifier);
        }
    }

    /// @dev ForcedErrorRegistry role: receives the protocol tax.
    function fund() external payable {
        taxReceived += msg.value;
    }

    /// @dev DisputeGame role: where each game was won by adjudication (set by the tests).
    mapping(uint256 game => uint64 location) internal adjudicated; // step << 32 | opIndex, 0: not adjudicated

    function adjudicatedAt(GameId gameId) external view returns (bool, uint32, uint32) {
        uint64 loc = adjudicated[GameId.unwrap(gameId)];
        return (loc != 0, uint32(loc >> 32), uint32(loc));
    }

    function _adjudicate(GameId gameId, uint32 step, uint32 opIndex) internal {
        adjudicated[GameId.unwrap(gameId)] = (uint64(step) << 32) | opIndex;
    }

    // ---------------------------------------------------------------- helpers

    function _defaultParams() internal pure returns (IJobMarket.Params memory) {
        return IJobMarket.Params({
            solverStake: 10 ether,
            verifierStake: 2 ether,
            challengeBond: 1 ether,
            claimWindow: 1 days,
            solveWindow: 2 days,
            challengeWindow: 1 days,
            revealWindow: 3 days,
            clockBudget: 1 days,
            minClockExtension: 1 hours,
            verifiersPerJob: 3,
            bisectionArity: 2,
            verifierFeeBps: 1000,
            protocolTaxBps: 100,
            slashWinnerShareBps: 5000,
            maxOpsPerStep: 1000,
            challengeWindowPerStep: 0,
            minVerifierFee: 0
        });
    }

    function _post(uint256 value) internal returns (JobId id) {
        vm.prank(submitter);
        id = market.postJob{value: value}(SPEC, "ipfs://spec", 100, GRAPH, 8, H0);
    }

    function _postClaimed() internal returns (JobId id) {
        id = _post(10 ether);
        vm.prank(solver);
        market.claimJob(id);
    }

    function _postSubmitted() internal returns (JobId id) {
        id = _postClaimed();
        vm.prank(solver);
        market.submitResult(id, HT, ROOT, "ipfs://model", TAG);
        _drawVerifiers(id);
    }

    function _assigned(JobId id) internal view returns (address[] memory out) {
        IJobMarket.Assignment[] memory a = market.assignments(id);
        out = new address[](a.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = a[i].verifier;
        }
    }

    function _attest(JobId id, address v) internal {
        vm.prank(v);
        market.attest(id);
    }

    function _challengeDeadline(JobId id) internal view returns (uint256) {
        IJobMarket.Job memory j = market.getJob(id);
        return uint256(j.windowStart) + j.params.challengeWindow + uint256(j.steps)
            * j.params.challengeWindowPerStep;
    }

    /// @dev Last second of a Failed job's reveal window (from its challenge deadline or last game).
    function _revealEnd(JobId id) internal view returns (uint256) {
        IJobMarket.Job memory j = market.getJob(id);
        uint256 opens = _challengeDeadline(id);
        if (j.settledAt > opens) opens = j.settledAt;
        return opens + j.params.revealWindow;
    }

    /// @dev Submitted job that a challenger won; the first assigned verifier attested.
    function _failedJob() internal returns (JobId id, address attester) {
        id = _postSubmitted();
        attester = _assigned(id)[0];
        _attest(id, attester);
        market.onChallengeOpened(id, GAME, challenger);
        _adjudicate(GAME, 7, 8);
        market.onGameResolved(id, GAME, challenger, true);
    }

    function _finalizedJob() internal returns (JobId id, address attester) {
        id = _postSubmitted();
        attester = _assigned(id)[0];
        _attest(id, attester);
        vm.warp(_challengeDeadline(id) + 1);
        market.finalize(id);
    }

    /// @dev The verifier draw, seeded by the submission's block: anyone, from the next block on.
    function _drawVerifiers(JobId id) internal {
        if (market.getJob(id).params.verifiersPerJob == 0) return; // no seat to fill
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
    }

    function _eq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function _status(JobId id, JobStatus expected) internal view {
        require(market.jobStatus(id) == expected, "status");
    }

    function _solvent() internal view {
        _eq(address(market).balance, market.totalEscrow(), "market escrow");
        _eq(address(sm).balance, sm.totalStaked() + sm.totalCredits(), "stake manager");
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    function _wrongStatus(JobId id, JobStatus actual, JobStatus expected) internal {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.WrongStatus.selector, id, actual, expected));
    }

    // ---------------------------------------------------------------- constructor / wire / params

    function test_constructor_revertsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ZeroAddress.selector));
        new JobMarket(address(this), IStakeManager(address(0)), rnd, _defaultParams());
    }

    function test_constructor_revertsInvalidParams() public {
        IJobMarket.Params memory p = _defaultParams();
        p.bisectionArity = 1;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidParams.selector, "bisectionArity", 1));
        new JobMarket(address(this), sm, rnd, p);
    }

    function test_wire_setsProtocolContracts() public {
        JobMarket m = new JobMarket(address(this), sm, rnd, _defaultParams());
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.Wired(address(1), address(2));
        m.wire(address(1), address(2));
        require(m.disputeGame() == address(1) && m.forcedErrorRegistry() == address(2), "wired");
    }

    function test_wire_revertsNotOwner() public {
        JobMarket m = new JobMarket(address(this), sm, rnd, _defaultParams());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotOwner.selector, stranger, address(this)));
        vm.prank(stranger);
        m.wire(address(1), address(2));
    }

    function test_wire_revertsAlreadyWired() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadyWired.selector));
        market.wire(address(1), address(2));
    }

    function test_wire_revertsZeroAddress() public {
        JobMarket m = new JobMarket(address(this), sm, rnd, _defaultParams());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ZeroAddress.selector));
        m.wire(address(0), address(2));
    }

    function test_setParams_updatesWithoutTouchingLiveJobs() public {
        JobId id = _post(10 ether);
        IJobMarket.Params memory p = _defaultParams();
        p.solverStake = 20 ether;
        vm.expectEmit(false, false, false, true);
        emit IJobMarket.ParamsSet(p);
        market.setParams(p);
        _eq(market.params().solverStake, 20 ether, "new params");
        _eq(market.getJob(id).params.solverStake, 10 ether, "snapshot");
    }

    function test_setParams_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotOwner.selector, stranger, address(this)));
        vm.prank(stranger);
        market.setParams(_defaultParams());
    }

    /// @dev Each field pushed just out of range is rejected with its own name and value.
    function testFuzz_setParams_rejectsOutOfRange(uint8 field, uint256 raw) public {
        IJobMarket.Params memory p = _defaultParams();
        string memory name;
        uint256 bad;
        field = uint8(field % 14);
        if (field == 0) {
            (name, bad, p.solverStake) = ("solverStake", 0, 0);
        } else if (field == 1) {
            (name, bad, p.verifierStake) = ("verifierStake", 0, 0);
        } else if (field == 2) {
            (name, bad, p.challengeBond) = ("challengeBond", 0, 0);
        } else if (field == 3) {
            (name, bad, p.claimWindow) = ("claimWindow", 0, 0);
        } else if (field == 4) {
            (name, bad, p.solveWindow) = ("solveWindow", 0, 0);
        } else if (field == 5) {
            (name, bad, p.challengeWindow) = ("challengeWindow", 0, 0);
        } else if (field == 6) {
            (name, bad, p.revealWindow) = ("revealWindow", 0, 0);
        } else if (field == 7) {
            (name, bad, p.minClockExtension) = ("minClockExtension", 0, 0);
        } else if (field == 8) {
            bad = _bound(raw, 0, p.minClockExtension - 1);
            (name, p.clockBudget) = ("clockBudget", uint64(bad));
        } else if (field == 9) {
            bad = _bound(raw, 17, type(uint16).max);
            (name, p.verifiersPerJob) = ("verifiersPerJob", uint16(bad));
        } else if (field == 10) {
            bad = raw % 2 == 0 ? raw % 2 : _bound(raw, 17, type(uint16).max);
            (name, p.bisectionArity) = ("bisectionArity", uint16(bad));
        } else if (field == 11) {
            bad = _bound(raw, 10_001, type(uint16).max);
            (name, p.verifierFeeBps) = ("verifierFeeBps", uint16(bad));
        } else if (field == 12) {
            bad = _bound(raw, 10_000, type(uint16).max);
            (name, p.slashWinnerShareBps) = ("slashWinnerShareBps", uint16(bad));
        } else {
            (name, bad, p.maxOpsPerStep) = ("maxOpsPerStep", 0, 0);
        }
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidParams.selector, name, bad));
        market.setParams(p);
    }

    function testFuzz_setParams_rejectsTaxAbove10000(uint16 bps) public {
        IJobMarket.Params memory p = _defaultParams();
        p.protocolTaxBps = bps;
        if (bps > 10_000) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidParams.selector, "protocolTaxBps", bps));
        }
        market.setParams(p);
    }

    function testFuzz_setParams_acceptsInRange(uint16 k, uint16 arity, uint16 fee, uint16 share) public {
        IJobMarket.Params memory p = _defaultParams();
        p.verifiersPerJob = uint16(_bound(k, 0, 16));
        p.bisectionArity = uint16(_bound(arity, 2, 16));
        p.verifierFeeBps = uint16(_bound(fee, 0, 10_000));
        p.slashWinnerShareBps = uint16(_bound(share, 0, 9_999));
        market.setParams(p);
        _eq(market.params().bisectionArity, p.bisectionArity, "stored");
    }

    // ---------------------------------------------------------------- postJob

    function test_postJob_escrowsBudgetAndFundsJackpot() public {
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.JobPosted(
            JobId.wrap(1), submitter, 9.9 ether, 0.1 ether, 100, SPEC, GRAPH, 8, H0, "ipfs://spec"
        );
        JobId id = _post(10 ether);
        _eq(JobId.unwrap(id), 1, "ids start at 1");
        _eq(market.jobCount(), 1, "count");
        IJobMarket.Job memory j = market.getJob(id);
        require(j.submitter == submitter && j.status == JobStatus.Open, "job");
        _eq(j.budget, 9.9 ether, "net budget");
        _eq(j.tax, 0.1 ether, "tax kept for the honeypot reimbursement");
        _eq(j.postedAt, block.timestamp, "postedAt");
        _eq(j.opsPerStep, 8, "N committed at posting");
        _eq(market.disputeTerms(id).opsPerStep, 8, "N in the dispute terms");
        _eq(j.params.verifiersPerJob, 3, "snapshot");
        _eq(taxReceived, 0.1 ether, "tax");
        _eq(market.totalEscrow(), 9.9 ether, "escrow");
        _solvent();
    }

    function test_postJob_revertsInvalidOpsPerStep() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidOpsPerStep.selector, 0, 1000));
        market.postJob{value: 1}(SPEC, "", 1, GRAPH, 0, H0);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidOpsPerStep.selector, 1001, 1000));
        market.postJob{value: 1}(SPEC, "", 1, GRAPH, 1001, H0);
    }

    function test_postJob_revertsNotWired() public {
        JobMarket m = new JobMarket(address(this), sm, rnd, _defaultParams());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotWired.selector));
        m.postJob{value: 1 ether}(SPEC, "", 1, GRAPH, 8, H0);
    }

    function test_postJob_revertsZeroBudget() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BudgetTooSmall.selector, 0, 1));
        market.postJob(SPEC, "", 1, GRAPH, 8, H0);
    }

    function test_postJob_revertsZeroSteps() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ZeroSteps.selector));
        market.postJob{value: 1}(SPEC, "", 0, GRAPH, 8, H0);
    }

    function test_postJob_revertsTooManySteps() public {
        uint32 steps = uint32(2 ** 31 + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooManySteps.selector, steps, 2 ** 31));
        market.postJob{value: 1}(SPEC, "", steps, GRAPH, 8, H0);
    }

    function test_postJob_acceptsMaxSteps() public {
        JobId id = market.postJob{value: 1}(SPEC, "", uint32(2 ** 31), GRAPH, 8, H0);
        _eq(market.getJob(id).steps, 2 ** 31, "steps");
    }

    function test_postJob_revertsEmptySpecHash() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EmptyHash.selector, "specHash"));
        market.postJob{value: 1}(bytes32(0), "", 1, GRAPH, 8, H0);
    }

    function test_postJob_revertsEmptyGraphHash() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EmptyHash.selector, "graphHash"));
        market.postJob{value: 1}(SPEC, "", 1, bytes32(0), 8, H0);
    }

    function test_postJob_revertsEmptyInitialState() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EmptyHash.selector, "initialState"));
        market.postJob{value: 1}(SPEC, "", 1, GRAPH, 8, StateHash.wrap(0));
    }

    // ---------------------------------------------------------------- cancelJob / expireJob

    function test_cancelJob_refundsSubmitter() public {
        JobId id = _post(10 ether);
        vm.expectEmit(true, false, false, true);
        emit IJobMarket.JobCancelled(id);
        vm.prank(submitter);
        market.cancelJob(id);
        _status(id, JobStatus.Cancelled);
        _eq(sm.creditOf(submitter), 9.9 ether, "refund");
        _eq(market.totalEscrow(), 0, "escrow");
        _solvent();
    }

    function test_cancelJob_revertsNotSubmitter() public {
        JobId id = _post(10 ether);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotSubmitter.selector, id, stranger, submitter));
        vm.prank(stranger);
        market.cancelJob(id);
    }

    function test_cancelJob_revertsWrongStatus() public {
        JobId id = _postClaimed();
        _wrongStatus(id, JobStatus.Claimed, JobStatus.Open);
        vm.prank(submitter);
        market.cancelJob(id);
    }

    function test_cancelJob_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(7)));
        market.cancelJob(JobId.wrap(7));
    }

    function test_expireJob_refundsAfterClaimWindow() public {
        JobId id = _post(10 ether);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectEmit(true, false, false, true);
        emit IJobMarket.JobExpired(id);
        vm.prank(stranger);
        market.expireJob(id);
        _status(id, JobStatus.Expired);
        _eq(sm.creditOf(submitter), 9.9 ether, "refund");
        _solvent();
    }

    function test_expireJob_revertsTooEarly() public {
        JobId id = _post(10 ether);
        uint256 deadline = block.timestamp + 1 days;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, deadline, deadline + 1));
        market.expireJob(id);
    }

    function test_expireJob_revertsWrongStatus() public {
        JobId id = _postClaimed();
        vm.warp(block.timestamp + 1 days + 1);
        _wrongStatus(id, JobStatus.Claimed, JobStatus.Open);
        market.expireJob(id);
    }

    // ---------------------------------------------------------------- claimJob

    function test_claimJob_locksSolverStake() public {
        JobId id = _post(10 ether);
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.JobClaimed(id, solver, 10 ether, block.timestamp + 2 days);
        vm.prank(solver);
        market.claimJob(id);
        _status(id, JobStatus.Claimed);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.solver == solver, "solver");
        _eq(j.claimedAt, block.timestamp, "claimedAt");
        _eq(sm.stakeOf(solver, Role.Solver).locked, 10 ether, "locked");
    }

    function test_claimJob_revertsWithoutStake() public {
        JobId id = _post(10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.InsufficientFreeStake.selector, stranger, Role.Solver, 0, 10 ether
            )
        );
        vm.prank(stranger);
        market.claimJob(id);
    }

    function test_claimJob_revertsAfterClaimWindow() public {
        JobId id = _post(10 ether);
        uint256 deadline = block.timestamp + 1 days;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, deadline + 1, deadline));
        vm.prank(solver);
        market.claimJob(id);
    }

    function test_claimJob_revertsWrongStatus() public {
        JobId id = _postClaimed();
        _wrongStatus(id, JobStatus.Claimed, JobStatus.Open);
        vm.prank(solver);
        market.claimJob(id);
    }

    function test_claimJob_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(0)));
        market.claimJob(JobId.wrap(0));
    }

    function test_drawVerifiers_expiredWordReschedules() public {
        JobId id = _postClaimed();
        vm.prank(solver);
        market.submitResult(id, HT, ROOT, "", TAG);
        vm.roll(block.number + 300); // the submission block's hash is gone (256 blocks)
        market.drawVerifiers(id); // no seat filled: the draw moves to this block
        _eq(_assigned(id).length, 0, "drawn from an expired word");
        _eq(market.getJob(id).drawBlock, block.number, "re-scheduled");
        _drawVerifiers(id);
        require(_assigned(id).length > 0, "drawn after re-scheduling");
    }

    // ---------------------------------------------------------------- submitResult

    function test_submitResult_storesResultAndAssignsVerifiers() public {
        JobId id = _postClaimed();
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.ResultSubmitted(id, solver, HT, ROOT, TAG, "ipfs://model", block.timestamp + 1 days);
        vm.prank(solver);
        market.submitResult(id, HT, ROOT, "ipfs://model", TAG);
        // Review finding: drawing inside submitResult let the solver time its submission for a draw
        // that seats its own verifiers. Nobody is drawn in the solver's block; the draw needs the next.
        _eq(_assigned(id).length, 0, "drawn in the solver's transaction");
        _eq(market.getJob(id).drawBlock, block.number, "draw scheduled on the submission's block");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRandomness.RandomnessUnavailable.selector, block.number, IRandomness.Availability.Pending
            )
        );
        market.drawVerifiers(id);
        _drawVerifiers(id);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.status == JobStatus.Submitted && j.traceRoot == ROOT && j.sealedTag == TAG, "stored");
        require(j.finalState == HT, "final state");
        _eq(j.submittedAt, block.timestamp, "submittedAt");
        address[] memory a = _assigned(id);
        require(a.length > 0 && a.length <= 3, "assigned");
        for (uint256 i; i < a.length; ++i) {
            require(market.isAssigned(id, a[i]), "isAssigned");
            _eq(sm.stakeOf(a[i], Role.Verifier).locked, 2 ether, "verifier locked");
        }
        require(!market.isAssigned(id, stranger), "stranger");
    }

    function test_submitResult_neverAssignsSolver() public {
        vm.prank(solver);
        sm.deposit{value: 10 ether}(Role.Verifier);
        for (uint256 n; n < 5; ++n) {
            JobId id = _postSubmitted();
            require(!market.isAssigned(id, solver), "solver drawn");
            vm.warp(block.timestamp + 1 hours);
        }
    }

    function test_submitResult_withoutStakedVerifiersAssignsNone() public {
        StakeManager sm2 = new StakeManager(address(this), treasury, 30 days);
        JobMarket m = new JobMarket(address(this), sm2, rnd, _defaultParams());
        m.wire(address(this), address(this));
        sm2.setProtocolContract(address(m), true);
        vm.prank(solver);
        sm2.deposit{value: 10 ether}(Role.Solver);
        vm.prank(submitter);
        JobId id = m.postJob{value: 1 ether}(SPEC, "", 1, GRAPH, 8, H0);
        vm.startPrank(solver);
        m.claimJob(id);
        m.submitResult(id, HT, ROOT, "", TAG);
        vm.stopPrank();
        _eq(m.assignments(id).length, 0, "none");
    }

    function test_submitResult_revertsNotSolver() public {
        JobId id = _postClaimed();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotSolver.selector, id, stranger, solver));
        vm.prank(stranger);
        market.submitResult(id, HT, ROOT, "", TAG);
    }

    function test_submitResult_revertsWrongStatus() public {
        JobId id = _post(1 ether);
        _wrongStatus(id, JobStatus.Open, JobStatus.Claimed);
        vm.prank(solver);
        market.submitResult(id, HT, ROOT, "", TAG);
    }

    function test_submitResult_revertsAfterSolveWindow() public {
        JobId id = _postClaimed();
        uint256 deadline = block.timestamp + 2 days;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, deadline + 1, deadline));
        vm.prank(solver);
        market.submitResult(id, HT, ROOT, "", TAG);
    }

    function test_submitResult_revertsEmptyTraceRoot() public {
        JobId id = _postClaimed();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EmptyHash.selector, "traceRoot"));
        vm.prank(solver);
        market.submitResult(id, HT, bytes32(0), "", TAG);
    }

    function test_submitResult_revertsEmptyFinalState() public {
        JobId id = _postClaimed();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EmptyHash.selector, "finalState"));
        vm.prank(solver);
        market.submitResult(id, StateHash.wrap(0), ROOT, "", TAG);
    }

    // ---------------------------------------------------------------- reportMissedDeadline

    function test_reportMissedDeadline_slashesSolverAndRefunds() public {
        JobId id = _postClaimed();
        vm.warp(block.timestamp + 2 days + 1);
        vm.expectEmit(true, true, true, true);
        emit IJobMarket.JobFailed(id, solver, address(0), "missed deadline");
        vm.prank(stranger);
        market.reportMissedDeadline(id);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.status == JobStatus.Failed && j.solverSettled, "failed");
        _eq(j.settledAt, block.timestamp, "settledAt");
        _eq(sm.stakeOf(solver, Role.Solver).amount, 40 ether, "slashed");
        // The slash share goes to the delayed submitter, never to whoever reports.
        _eq(sm.creditOf(stranger), 0, "reporter gets nothing");
        _eq(sm.creditOf(treasury), 5 ether, "treasury");
        _eq(sm.creditOf(submitter), 9.9 ether + 5 ether, "refund + slash share");
        _solvent();
    }

    function test_reportMissedDeadline_revertsTooEarly() public {
        JobId id = _postClaimed();
        uint256 deadline = block.timestamp + 2 days;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, deadline, deadline + 1));
        market.reportMissedDeadline(id);
    }

    function test_reportMissedDeadline_revertsWrongStatus() public {
        JobId id = _postSubmitted();
        vm.warp(block.timestamp + 3 days);
        _wrongStatus(id, JobStatus.Submitted, JobStatus.Claimed);
        market.reportMissedDeadline(id);
    }

    // ---------------------------------------------------------------- attest

    function test_attest_recordsAttestation() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.Attested(id, v);
        _attest(id, v);
        require(market.assignments(id)[0].attested, "attested");
    }

    function test_attest_revertsNotAssignedVerifier() public {
        JobId id = _postSubmitted();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAssignedVerifier.selector, id, stranger));
        _attest(id, stranger);
    }

    function test_attest_revertsAlreadyAttested() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        _attest(id, v);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadyAttested.selector, id, v));
        _attest(id, v);
    }

    function test_attest_revertsAfterChallenging() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        market.onChallengeOpened(id, GAME, v);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadyChallenged.selector, id, v));
        _attest(id, v);
    }

    function test_attest_revertsAfterChallengeWindow() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        uint256 deadline = _challengeDeadline(id);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, deadline + 1, deadline));
        _attest(id, v);
    }

    function test_attest_revertsWrongStatus() public {
        JobId id = _postClaimed();
        _wrongStatus(id, JobStatus.Claimed, JobStatus.Submitted);
        _attest(id, verifiers[0]);
    }

    // ---------------------------------------------------------------- onChallengeOpened

    function test_onChallengeOpened_registersGame() public {
        JobId id = _postSubmitted();
        vm.expectEmit(true, true, true, true);
        emit IJobMarket.ChallengeRegistered(id, GAME, challenger);
        market.onChallengeOpened(id, GAME, challenger);
        _eq(market.getJob(id).openGames, 1, "open games");
    }

    function test_onChallengeOpened_marksAssignedChallenger() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        market.onChallengeOpened(id, GAME, v);
        require(market.assignments(id)[0].challenged, "challenged");
    }

    function test_onChallengeOpened_revertsNotDisputeGame() public {
        JobId id = _postSubmitted();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotDisputeGame.selector, stranger));
        vm.prank(stranger);
        market.onChallengeOpened(id, GAME, challenger);
    }

    function test_onChallengeOpened_revertsWrongStatus() public {
        JobId id = _postClaimed();
        _wrongStatus(id, JobStatus.Claimed, JobStatus.Submitted);
        market.onChallengeOpened(id, GAME, challenger);
    }

    function test_onChallengeOpened_revertsAfterChallengeWindow() public {
        JobId id = _postSubmitted();
        uint256 deadline = _challengeDeadline(id);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, deadline + 1, deadline));
        market.onChallengeOpened(id, GAME, challenger);
    }

    function test_onChallengeOpened_revertsChallengerIsSolver() public {
        JobId id = _postSubmitted();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ChallengerIsSolver.selector, id, solver));
        market.onChallengeOpened(id, GAME, solver);
    }

    function test_onChallengeOpened_revertsForAttester() public {
        JobId id = _postSubmitted();
        address v = _assigned(id)[0];
        _attest(id, v);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadyAttested.selector, id, v));
        market.onChallengeOpened(id, GAME, v);
    }

    // ---------------------------------------------------------------- onGameResolved

    function test_onGameResolved_solverWinKeepsJobSubmitted() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        vm.expectEmit(true, true, true, true);
        emit IJobMarket.GameResolved(id, GAME, challenger, false);
        market.onGameResolved(id, GAME, challenger, false);
        _status(id, JobStatus.Submitted);
        _eq(market.getJob(id).openGames, 0, "open games");
    }

    function test_onGameResolved_challengerWinFailsJobAndRefunds() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        vm.expectEmit(true, true, true, true);
        emit IJobMarket.JobFailed(id, solver, challenger, "challenger won");
        market.onGameResolved(id, GAME, challenger, true);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.status == JobStatus.Failed && j.winningChallenger == challenger, "failed");
        _eq(j.settledAt, block.timestamp, "settledAt");
        _eq(sm.creditOf(submitter), 9.9 ether, "refund");
        _solvent();
    }

    function test_onGameResolved_laterWinKeepsFirstWinner() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        market.onChallengeOpened(id, GameId.wrap(2), stranger);
        market.onGameResolved(id, GAME, challenger, true);
        vm.warp(block.timestamp + 1 hours);
        market.onGameResolved(id, GameId.wrap(2), stranger, true);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.winningChallenger == challenger, "first winner");
        _eq(j.openGames, 0, "open games");
        _eq(sm.creditOf(submitter), 9.9 ether, "refunded once");
        _solvent();
    }

    function test_onGameResolved_revertsNotDisputeGame() public {
        JobId id = _postSubmitted();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotDisputeGame.selector, stranger));
        vm.prank(stranger);
        market.onGameResolved(id, GAME, challenger, true);
    }

    function test_onGameResolved_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(9)));
        market.onGameResolved(JobId.wrap(9), GAME, challenger, true);
    }

    // ---------------------------------------------------------------- finalize

    function test_finalize_paysSolverAndAttesters() public {
        JobId id = _postSubmitted();
        address[] memory a = _assigned(id);
        require(a.length >= 2, "need two verifiers");
        _attest(id, a[0]);
        vm.warp(_challengeDeadline(id) + 1);
        uint256 feeEach = uint256(9.9 ether) * 1000 / 10_000 / a.length;
        uint256 solverPay = 9.9 ether - feeEach * a.length;
        vm.expectEmit(true, true, false, true);
        emit IJobMarket.JobFinalized(id, solver, solverPay, feeEach);
        market.finalize(id);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.status == JobStatus.Finalized && j.solverSettled && !j.verifiersReleased, "finalized");
        _eq(sm.creditOf(solver), solverPay, "solver");
        _eq(sm.creditOf(a[0]), feeEach, "attester");
        _eq(sm.creditOf(a[1]), 0, "silent");
        _eq(sm.creditOf(submitter), feeEach * (a.length - 1), "silent share refunded");
        _eq(sm.stakeOf(solver, Role.Solver).locked, 0, "solver unlocked");
        _eq(sm.stakeOf(a[0], Role.Verifier).locked, 2 ether, "verifiers still locked");
        _solvent();
    }

    function test_finalize_withoutVerifiersPaysWholeBudget() public {
        IJobMarket.Params memory p = _defaultParams();
        p.verifiersPerJob = 0;
        market.setParams(p);
        JobId id = _postSubmitted();
        vm.warp(_challengeDeadline(id) + 1);
        market.finalize(id);
        _eq(sm.creditOf(solver), 9.9 ether, "solver");
        _solvent();
    }

    function test_finalize_afterLostGame() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        vm.warp(_challengeDeadline(id) + 1);
        market.onGameResolved(id, GAME, challenger, false);
        market.finalize(id);
        _status(id, JobStatus.Finalized);
    }

    function test_finalize_revertsTooEarly() public {
        JobId id = _postSubmitted();
        uint256 deadline = _challengeDeadline(id);
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, deadline, deadline + 1));
        market.finalize(id);
    }

    function test_finalize_revertsGamesStillOpen() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        vm.warp(_challengeDeadline(id) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.GamesStillOpen.selector, id, 1));
        market.finalize(id);
    }

    function test_finalize_revertsWrongStatus() public {
        (JobId id,) = _failedJob();
        vm.warp(_challengeDeadline(id) + 1);
        _wrongStatus(id, JobStatus.Failed, JobStatus.Submitted);
        market.finalize(id);
    }

    function testFuzz_finalize_splitsSumToBudget(uint96 value, uint16 feeBps, uint16 taxBps, uint8 attestMask)
        public
    {
        IJobMarket.Params memory p = _defaultParams();
        p.verifierFeeBps = uint16(_bound(feeBps, 0, 10_000));
        p.protocolTaxBps = uint16(_bound(taxBps, 0, 10_000));
        p.verifiersPerJob = 4;
        market.setParams(p);
        uint256 budgetIn = _bound(value, 1, 500 ether);
        vm.prank(submitter);
        JobId id = market.postJob{value: budgetIn}(SPEC, "", 10, GRAPH, 8, H0);
        vm.startPrank(solver);
        market.claimJob(id);
        market.submitResult(id, HT, ROOT, "", TAG);
        _drawVerifiers(id);
        vm.stopPrank();
        address[] memory a = _assigned(id);
        for (uint256 i; i < a.length; ++i) {
            if (attestMask & (1 << i) != 0) _attest(id, a[i]);
        }
        uint256 budget = market.getJob(id).budget;
        _eq(budget + taxReceived, budgetIn, "tax + budget");
        vm.warp(_challengeDeadline(id) + 1);
        market.finalize(id);
        uint256 paid = sm.creditOf(solver) + sm.creditOf(submitter);
        for (uint256 i; i < a.length; ++i) {
            paid += sm.creditOf(a[i]);
        }
        _eq(paid, budget, "payouts");
        _eq(market.totalEscrow(), 0, "escrow");
        _solvent();
    }

    // ---------------------------------------------------------------- settleFailure

    function test_settleFailure_slashesSolverReleasesAttesters() public {
        (JobId id, address attester) = _failedJob();
        address[] memory a = _assigned(id);
        vm.warp(_revealEnd(id) + 1);
        vm.expectEmit(true, false, false, true);
        emit IJobMarket.FailureSettled(id, 10 ether, 5 ether, 1, false);
        vm.prank(stranger);
        market.settleFailure(id);
        IJobMarket.Job memory j = market.getJob(id);
        require(j.solverSettled && j.verifiersReleased, "flags");
        _eq(sm.stakeOf(solver, Role.Solver).amount, 40 ether, "solver slashed");
        // A lost game does not prove an attester lazy (the solver may have lost on purpose).
        _eq(sm.stakeOf(attester, Role.Verifier).amount, 10 ether, "attester intact");
        _eq(sm.stakeOf(attester, Role.Verifier).locked, 0, "attester released");
        // 50% of the solver's 10 ether to the (only, undrawn) winner, who claims it; the rest to the treasury.
        _eq(sm.creditOf(treasury), 5 ether, "treasury");
        vm.prank(challenger);
        _eq(market.claimWinnerShare(id), 5 ether, "claimed");
        _eq(sm.creditOf(challenger), 5 ether, "winner");
        for (uint256 i = 1; i < a.length; ++i) {
            _eq(sm.stakeOf(a[i], Role.Verifier).locked, 0, "silent released");
            _eq(sm.stakeOf(a[i], Role.Verifier).amount, 10 ether, "silent intact");
        }
        _solvent();
    }

    function test_settleFailure_revertsTooEarly() public {
        (JobId id,) = _failedJob();
        uint256 end = _revealEnd(id);
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, end, end + 1));
        market.settleFailure(id);
    }

    function test_settleFailure_revertsWrongStatus() public {
        JobId id = _postSubmitted();
        _wrongStatus(id, JobStatus.Submitted, JobStatus.Failed);
        market.settleFailure(id);
    }

    function test_settleFailure_revertsAlreadySettled() public {
        (JobId id,) = _failedJob();
        vm.warp(_revealEnd(id) + 1);
        market.settleFailure(id);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.settleFailure(id);
    }

    function test_settleFailure_revertsAfterMissedDeadline() public {
        JobId id = _postClaimed();
        vm.warp(block.timestamp + 2 days + 1);
        market.reportMissedDeadline(id);
        vm.warp(block.timestamp + 3 days + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.settleFailure(id);
    }

    /// Regression (sock-puppet challenger): the solver's own address wins first, the drawn verifier
    /// later. Before: only the first winner (`winningChallenger`) was paid, so the solver recovered
    /// the winner share. Now settlement waits for every game and drawn winners take precedence.
    function test_settleFailure_sockWinningFirstGetsNothingWhenDrawnVerifierWins() public {
        JobId id = _postSubmitted();
        address drawn = _assigned(id)[0];
        address sock = vm.addr(0x50C);
        market.onChallengeOpened(id, GAME, drawn);
        market.onChallengeOpened(id, GameId.wrap(2), sock);
        market.onGameResolved(id, GameId.wrap(2), sock, true); // the sock resolves first
        // The honest game is still open: nobody can settle yet.
        vm.warp(_revealEnd(id) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.GamesStillOpen.selector, id, 1));
        market.settleFailure(id);
        market.onGameResolved(id, GAME, drawn, true);
        vm.warp(_revealEnd(id) + 1);
        market.settleFailure(id);
        _eq(sm.creditOf(drawn), 5 ether, "drawn winner takes the whole winner share");
        _eq(sm.creditOf(sock), 0, "sock gets nothing");
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToClaim.selector, id, sock));
        vm.prank(sock);
        market.claimWinnerShare(id);
        _solvent();
    }

    /// A drawn verifier may still challenge after a sock failed the job first (until the window closes).
    function test_onChallengeOpened_drawnVerifierMayChallengeFailedJob() public {
        JobId id = _postSubmitted();
        address drawn = _assigned(id)[0];
        address sock = vm.addr(0x50C);
        market.onChallengeOpened(id, GameId.wrap(2), sock);
        market.onGameResolved(id, GameId.wrap(2), sock, true);
        _status(id, JobStatus.Failed);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotDrawnVerifier.selector, id, stranger));
        market.onChallengeOpened(id, GameId.wrap(3), stranger);
        market.onChallengeOpened(id, GAME, drawn);
        market.onGameResolved(id, GAME, drawn, true);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadyWon.selector, id, drawn));
        market.onChallengeOpened(id, GameId.wrap(3), drawn);
        IJobMarket.Job memory j = market.getJob(id);
        _eq(j.winners, 2, "winners");
        _eq(j.drawnWinners, 1, "drawn winners");
    }

    function test_settleFailure_splitsEquallyAmongDrawnWinners() public {
        JobId id = _postSubmitted();
        address[] memory a = _assigned(id);
        for (uint256 i; i < a.length; ++i) {
            market.onChallengeOpened(id, GameId.wrap(10 + i), a[i]);
            market.onGameResolved(id, GameId.wrap(10 + i), a[i], true);
        }
        vm.warp(_revealEnd(id) + 1);
        market.settleFailure(id);
        // 5 ether over 3: 1.666.. each, 2 wei dust to the treasury.
        for (uint256 i; i < a.length; ++i) {
            _eq(sm.creditOf(a[i]), uint256(5 ether) / 3, "equal share");
        }
        _eq(sm.creditOf(treasury), 5 ether + 5 ether - 3 * (uint256(5 ether) / 3), "rest + dust");
        _eq(sm.creditOf(address(market)), 0, "market passes every wei on");
        _solvent();
    }

    function test_claimWinnerShare_undrawnWinnersShareWhenNoDrawnWinner() public {
        JobId id = _postSubmitted();
        market.onChallengeOpened(id, GAME, challenger);
        market.onChallengeOpened(id, GameId.wrap(2), stranger);
        market.onGameResolved(id, GAME, challenger, true);
        market.onGameResolved(id, GameId.wrap(2), stranger, true);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToClaim.selector, id, challenger));
        market.claimWinnerShare(id); // not settled yet
        vm.warp(_revealEnd(id) + 1);
        market.settleFailure(id);
        vm.prank(challenger);
        _eq(market.claimWinnerShare(id), 2.5 ether, "half");
        vm.prank(stranger);
        _eq(market.claimWinnerShare(id), 2.5 ether, "half");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToClaim.selector, id, stranger));
        market.claimWinnerShare(id);
        _solvent();
    }

    // ---------------------------------------------------------------- seats and windows

    /// Regression (dust jobs): a 1-wei job was accepted and locked verifier stake for no fee.
    function test_postJob_revertsBelowMinVerifierFee() public {
        IJobMarket.Params memory p = _defaultParams();
        p.minVerifierFee = 0.01 ether;
        market.setParams(p);
        // fee each = net * 10% / 3 >= 0.01 ether needs net >= 0.3 ether, gross >= 0.3 / 0.99 ether.
        uint256 need = (uint256(0.3 ether) * 10_000 + 9899) / 9900;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BudgetTooSmall.selector, 1, need));
        _post(1);
        _post(need); // enough
    }

    /// Regression (starved verification): a job drawn fewer verifiers than verifiersPerJob finalized
    /// unchecked. Now it cannot finalize until drawVerifiers fills the seats, which restarts the window.
    function test_finalize_revertsWhileSeatsMissingThenDrawFills() public {
        // Lock three of the four verifiers' stake on another job so the next job finds one only.
        IJobMarket.Params memory p = _defaultParams();
        p.verifierStake = 6 ether; // 10 ether staked each: one assignment at a time
        market.setParams(p);
        JobId busy = _postSubmitted();
        JobId id = _postSubmitted();
        uint256 seats = _assigned(id).length;
        require(seats < 3, "fewer seats than asked");
        vm.warp(_challengeDeadline(id) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.SeatsMissing.selector, id, seats, 3));
        market.finalize(id);
        // The other job settles and frees its verifiers; anyone fills the seats.
        market.finalize(busy);
        vm.warp(block.timestamp + 3 days + 1);
        market.releaseVerifiers(busy);
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
        _eq(_assigned(id).length, 3, "seats filled");
        _eq(_challengeDeadline(id), block.timestamp + 1 days, "window restarts at the last seat");
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.SeatsFull.selector, id, 3));
        market.drawVerifiers(id);
        vm.warp(_challengeDeadline(id) + 1);
        market.finalize(id);
        _status(id, JobStatus.Finalized);
        _solvent();
    }

    function test_expireUnverified_returnsBudgetAfterBound() public {
        IJobMarket.Params memory p = _defaultParams();
        p.verifiersPerJob = 5; // only four verifiers exist
        market.setParams(p);
        JobId id = _postSubmitted();
        uint256 bound = _challengeDeadline(id) + 1 days; // + claimWindow
        vm.warp(bound);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, bound, bound + 1));
        market.expireUnverified(id);
        vm.warp(bound + 1);
        market.expireUnverified(id);
        _status(id, JobStatus.Expired);
        _eq(sm.stakeOf(solver, Role.Solver).locked, 0, "solver released");
        _eq(sm.stakeOf(solver, Role.Solver).amount, 50 ether, "solver unslashed");
        _eq(sm.creditOf(submitter), 9.9 ether, "budget back");
        _eq(market.totalEscrow(), 0, "escrow");
        _solvent();
    }

    /// Regression (one global window): the window now grows with the job's steps.
    function test_challengeWindow_scalesWithSteps() public {
        IJobMarket.Params memory p = _defaultParams();
        p.challengeWindowPerStep = 1 minutes;
        market.setParams(p);
        JobId id = _postSubmitted(); // 100 steps
        _eq(market.challengeDeadline(id), block.timestamp + 1 days + 100 minutes, "deadline");
        vm.warp(block.timestamp + 1 days + 1); // past the old fixed window
        market.onChallengeOpened(id, GAME, challenger); // still open
    }

    // ---------------------------------------------------------------- releaseVerifiers

    function test_releaseVerifiers_unlocksAll() public {
        (JobId id,) = _finalizedJob();
        address[] memory a = _assigned(id);
        vm.warp(block.timestamp + 3 days + 1);
        vm.expectEmit(true, false, false, true);
        emit IJobMarket.VerifiersReleased(id);
        market.releaseVerifiers(id);
        require(market.getJob(id).verifiersReleased, "flag");
        for (uint256 i; i < a.length; ++i) {
            _eq(sm.stakeOf(a[i], Role.Verifier).locked, 0, "released");
        }
    }

    function test_releaseVerifiers_revertsTooEarly() public {
        (JobId id,) = _finalizedJob();
        uint256 end = block.timestamp + 3 days;
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, end, end + 1));
        market.releaseVerifiers(id);
    }

    function test_releaseVerifiers_revertsWrongStatus() public {
        (JobId id,) = _failedJob();
        _wrongStatus(id, JobStatus.Failed, JobStatus.Finalized);
        market.releaseVerifiers(id);
    }

    function test_releaseVerifiers_revertsAlreadySettled() public {
        (JobId id,) = _finalizedJob();
        vm.warp(block.timestamp + 3 days + 1);
        market.releaseVerifiers(id);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.releaseVerifiers(id);
    }

    // ---------------------------------------------------------------- onForcedErrorRevealed

    /// @dev A failed job whose challenge window closed, ready for a reveal at (7, 8).
    function _revealableJob() internal returns (JobId id, address attester) {
        (id, attester) = _failedJob();
        vm.warp(_challengeDeadline(id) + 1);
    }

    function test_onForcedErrorRevealed_failedJobSparesSolverSlashesAttesters() public {
        (JobId id, address attester) = _revealableJob();
        address[] memory a = _assigned(id);
        uint256 treasuryBefore = sm.creditOf(treasury);
        vm.expectEmit(true, false, false, true);
        emit IJobMarket.ForcedErrorMarked(id, 7, 8, 0, 2 ether);
        (address[] memory winners, uint256 cost) = market.onForcedErrorRevealed(id, 7, 8);
        _eq(winners.length, 0, "the challenger was not drawn");
        // The budget was refunded when the challenger won: the honeypot cost its tax only.
        _eq(cost, 0.1 ether, "cost: the tax");
        IJobMarket.Job memory j = market.getJob(id);
        require(j.forcedError && j.solverSettled && j.verifiersReleased, "flags");
        IStakeManager.Stake memory s = sm.stakeOf(solver, Role.Solver);
        _eq(s.amount, 50 ether, "solver spared");
        _eq(s.locked, 0, "solver unlocked");
        _eq(sm.stakeOf(attester, Role.Verifier).amount, 8 ether, "attester slashed");
        // Regression (jackpot self-dealing): an undrawn winner (a whistleblower's sock) gets no share.
        _eq(sm.creditOf(challenger), 0, "undrawn winner: nothing");
        _eq(sm.creditOf(treasury) - treasuryBefore, 2 ether, "all to treasury");
        for (uint256 i = 1; i < a.length; ++i) {
            _eq(sm.stakeOf(a[i], Role.Verifier).locked, 0, "others released");
        }
        _solvent();
    }

    function test_onForcedErrorRevealed_drawnWinnersAtLocationShareAttesterSlash() public {
        JobId id = _postSubmitted();
        address[] memory a = _assigned(id);
        _attest(id, a[0]);
        market.onChallengeOpened(id, GAME, a[1]);
        _adjudicate(GAME, 7, 8);
        market.onGameResolved(id, GAME, a[1], true);
        market.onChallengeOpened(id, GameId.wrap(2), a[2]);
        _adjudicate(GameId.wrap(2), 7, 5); // elsewhere: not a finder of the forced error
        market.onGameResolved(id, GameId.wrap(2), a[2], true);
        vm.warp(_challengeDeadline(id) + 1);
        (address[] memory winners,) = market.onForcedErrorRevealed(id, 7, 8);
        _eq(winners.length, 1, "one drawn winner at (7, 8)");
        require(winners[0] == a[1], "the finder");
        _eq(sm.creditOf(a[1]), 1 ether, "half the attester's 2 ether");
        _eq(sm.creditOf(a[2]), 0, "won elsewhere");
        _solvent();
    }

    /// Review finding: a whistleblower's own solver and challenger can stage a game on a CORRECT job that
    /// the court decides at an operator j < N (the solver lies in the op trace it commits during the game,
    /// not in its result). Only an end-state ruling (j == N: the committed h_s recomputed and found wrong)
    /// proves the result wrong, so a tag sealed at (s, j < N) never slashes attesters.
    function test_onForcedErrorRevealed_operatorRulingIsNoProof() public {
        JobId id = _postSubmitted();
        _attest(id, _assigned(id)[0]);
        market.onChallengeOpened(id, GAME, challenger);
        _adjudicate(GAME, 7, 5); // the court ruled the solver's operator 5 of step 7 wrong
        market.onGameResolved(id, GAME, challenger, true);
        vm.warp(_challengeDeadline(id) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ErrorNotProven.selector, id, 7, 5));
        market.onForcedErrorRevealed(id, 7, 5);
    }

    /// Regression (reveal proves no error): the location must carry an adjudicated win.
    function test_onForcedErrorRevealed_revertsErrorNotProven() public {
        (JobId id,) = _revealableJob();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ErrorNotProven.selector, id, 7, 5));
        market.onForcedErrorRevealed(id, 7, 5);
    }

    function test_onForcedErrorRevealed_revertsForFinalizedJob() public {
        (JobId id,) = _finalizedJob();
        _wrongStatus(id, JobStatus.Finalized, JobStatus.Failed);
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsInsideChallengeWindow() public {
        (JobId id,) = _failedJob();
        uint256 deadline = _challengeDeadline(id);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, block.timestamp, deadline + 1)
        );
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsNotRegistry() public {
        (JobId id,) = _revealableJob();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotForcedErrorRegistry.selector, stranger));
        vm.prank(stranger);
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsWrongStatus() public {
        JobId id = _postSubmitted();
        _wrongStatus(id, JobStatus.Submitted, JobStatus.Failed);
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsTwice() public {
        (JobId id,) = _revealableJob();
        market.onForcedErrorRevealed(id, 7, 8);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsAfterSettleFailure() public {
        (JobId id,) = _failedJob();
        vm.warp(_revealEnd(id) + 1);
        market.settleFailure(id);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsForMissedDeadline() public {
        JobId id = _postClaimed();
        vm.warp(block.timestamp + 2 days + 1);
        market.reportMissedDeadline(id);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AlreadySettled.selector, id));
        market.onForcedErrorRevealed(id, 7, 8);
    }

    function test_onForcedErrorRevealed_revertsAfterRevealWindow() public {
        (JobId id,) = _failedJob();
        uint256 end = _revealEnd(id);
        vm.warp(end + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, end + 1, end));
        market.onForcedErrorRevealed(id, 7, 8);
    }

    // ---------------------------------------------------------------- views

    function test_getJob_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(1)));
        market.getJob(JobId.wrap(1));
    }

    function test_jobStatus_unknownIsNone() public view {
        _status(JobId.wrap(42), JobStatus.None);
    }
}
