// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "../utils/Vm.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";
import {StakeManager} from "../../src/StakeManager.sol";
import {JobMarket} from "../../src/JobMarket.sol";
import {DisputeGame} from "../../src/DisputeGame.sol";
import {RefereeCourt} from "../../src/RefereeCourt.sol";
import {ForcedErrorRegistry} from "../../src/ForcedErrorRegistry.sol";
import {DevnetRandomness} from "../../src/DevnetRandomness.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {IRefereeCourt} from "../../src/interfaces/IRefereeCourt.sol";
import {IForcedErrorRegistry} from "../../src/interfaces/IForcedErrorRegistry.sol";
import {JobId, GameId, Role, GameStatus} from "../../src/types/Types.sol";

// Whole-protocol invariants over random sequences of ProtocolHandler actions:
// (a) solvency, (b) exactly one winner per resolved game and job accounting of open games,
// (c) no move after resolution, (d) an honest party never loses, (e) bounded game length.
/// @notice The real protocol, wired as the deploy script wires it, with staked actors and a handler.
abstract contract ProtocolSetup {
    StakeManager internal stakes;
    JobMarket internal market;
    DisputeGame internal game;
    RefereeCourt internal court;
    ForcedErrorRegistry internal registry;
    ProtocolHandler internal handler;
    address internal constant TREASURY = address(0x7ea5);
    address internal constant GOVERNOR = address(0x60f);

    function setUp() public {
        vm.warp(1_700_000_000);
        stakes = new StakeManager(address(this), TREASURY, 30 days);
        DevnetRandomness rnd = new DevnetRandomness();
        market = new JobMarket(GOVERNOR, stakes, rnd, _marketParams());
        court = new RefereeCourt(
            address(this),
            stakes,
            rnd,
            IRefereeCourt.Params({
                committeeSize: 1, voteWindow: 1 hours, voteWindowPerStep: 1 minutes, refereeStake: 0.5 ether
            })
        );
        game = new DisputeGame(market, stakes, court);
        registry = new ForcedErrorRegistry(
            address(this),
            stakes,
            market,
            IForcedErrorRegistry.Params({
                verificationCost: 0.01 ether,
                forcedErrorRateBps: 100,
                maxJackpotShareBps: 2000,
                maxReimbursementShareBps: 5000,
                maxRevealsPerWindow: 50,
                rateWindow: 1 days,
                minWhistleblowerStake: 1 ether
            })
        );
        vm.prank(GOVERNOR);
        market.wire(address(game), address(registry));
        court.wire(address(game));
        stakes.setProtocolContract(address(market), true);
        stakes.setProtocolContract(address(game), true);
        stakes.setProtocolContract(address(court), true);
        stakes.setProtocolContract(address(registry), true);
        stakes.setMinRegistryStake(Role.Verifier, 0.5 ether);
        stakes.setMinRegistryStake(Role.Referee, 0.5 ether);

        address[] memory solvers = _actors(0x501, 2, Role.Solver, 5 ether);
        address[] memory verifiers = _actors(0x7e1, 3, Role.Verifier, 3 ether);
        address[] memory referees = _actors(0x4ef, 2, Role.Referee, 3 ether);
        address whistleblower = _actors(0xb10, 1, Role.Whistleblower, 1 ether)[0];
        registry.registerWhistleblower(whistleblower);
        handler = new ProtocolHandler(
            stakes,
            market,
            game,
            court,
            registry,
            address(0x5b),
            GOVERNOR,
            whistleblower,
            solvers,
            verifiers,
            referees
        );
        // the handler pranks the actors; fund the registry a little so jackpots are paid
        vm.deal(address(this), 10 ether);
        registry.fund{value: 1 ether}();
    }

    function _marketParams() internal pure returns (IJobMarket.Params memory p) {
        p.solverStake = 1 ether;
        p.verifierStake = 0.5 ether;
        p.challengeBond = 0.1 ether;
        p.claimWindow = 1 days;
        p.solveWindow = 1 days;
        p.challengeWindow = 1 days;
        p.revealWindow = 1 days;
        p.clockBudget = 1 days;
        p.minClockExtension = 1 hours;
        p.verifiersPerJob = 2;
        p.bisectionArity = 2;
        p.verifierFeeBps = 500;
        p.protocolTaxBps = 200;
        p.slashWinnerShareBps = 5000;
        p.maxOpsPerStep = 64;
        p.challengeWindowPerStep = 10 minutes;
        p.minVerifierFee = 0.0001 ether;
    }

    function _actors(uint256 base, uint256 n, Role role, uint256 stake)
        internal
        returns (address[] memory a)
    {
        a = new address[](n);
        for (uint256 i; i < n; ++i) {
            a[i] = address(uint160(base + i));
            vm.deal(a[i], stake);
            vm.prank(a[i]);
            stakes.deposit{value: stake}(role);
        }
    }

    receive() external payable {}
}

contract ProtocolInvariants is ProtocolSetup {
    /// @dev forge reads this to restrict the fuzzer to the handler.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// (a) Every wei the protocol holds is accounted for.
    function invariant_solvency() public view {
        uint256 held = address(stakes).balance + address(market).balance + address(game).balance
            + address(court).balance + address(registry).balance;
        uint256 owed = stakes.totalStaked() + stakes.totalCredits() + market.totalEscrow() + game.totalBonds()
            + registry.pool();
        require(held == owed, "solvency: balances != stakes + credits + escrow + bonds + jackpot");
    }

    /// (a') A reveal pays the honeypot's submitter back at most what the honeypot cost (its tax and,
    /// if it finalized, the fees its attesters took, each at most the attester's slashed stake),
    /// to the submitter only, and never more than the pool held.
    function invariant_reimbursementOnlyRepaysHoneypotCost() public view {
        require(
            handler.ghostReimbursed() <= handler.ghostHoneypotCost(), "reimbursed more than honeypots cost"
        );
        require(handler.ghostBadReimbursements() == 0, "a reveal overpaid or paid the wrong account");
    }

    /// (f) Economics: an honest drawn challenger of a wrong result is paid its equal share of the
    /// slash, a cheating solver never recovers its slash through sock-puppet challengers, and a
    /// reveal never succeeds on a correct job (so its honest attesters are never slashed).
    function invariant_economics() public view {
        require(handler.ghostUnpaidHonestDrawn() == 0, "an honest drawn winner was not paid");
        require(handler.ghostCheaterProfits() == 0, "a cheating solver recovered its slash via socks");
        require(handler.ghostFalseReveals() == 0, "a correct job was revealed a forced error");
    }

    /// (b) A resolved game has exactly one winner, and every game is counted open by its job until
    /// it is resolved, exactly once.
    function invariant_oneWinnerAndJobAccounting() public view {
        uint256[] memory jobs = handler.allJobs();
        uint256[] memory games = handler.allGames();
        for (uint256 i; i < jobs.length; ++i) {
            uint256 open;
            for (uint256 k; k < games.length; ++k) {
                IDisputeGame.Game memory g = game.getGame(GameId.wrap(games[k]));
                if (JobId.unwrap(g.jobId) != jobs[i]) continue;
                bool resolved = g.status == GameStatus.ChallengerWon || g.status == GameStatus.SolverWon;
                if (!resolved) open++;
            }
            require(
                market.getJob(JobId.wrap(jobs[i])).openGames == open,
                "job open-game count != unresolved games"
            );
        }
    }

    /// (c) Nothing moves a resolved game.
    function invariant_noMoveAfterResolution() public view {
        require(handler.ghostMovesAfterResolution() == 0, "a move succeeded on a resolved game");
    }

    /// (d) The honest side of every game won it.
    function invariant_honestNeverLoses() public view {
        require(handler.ghostHonestLosses() == 0, "an honest party lost a game");
    }

    /// (d') A solver never chooses its op count: only the job's opsPerStep is ever committed, whatever
    /// truncated (honest-prefix) or padded trace the cheater tries.
    function invariant_opCountIsTheJobs() public view {
        require(handler.ghostWrongOpCountAccepted() == 0, "an op trace with N != opsPerStep was accepted");
    }

    /// (d'') Dissent is never free: every referee who voted against a request's decision, in any round,
    /// lost its stake for it (the adversary controls sybil referees, their votes and draw timing).
    function invariant_dissentIsNeverFree() public view {
        require(handler.ghostFreeDissent() == 0, "a referee voted against the decision and kept its stake");
    }

    /// (e) Moves per game <= 2 * (ceil(log_k T) + ceil(log_k N)) + MOVE_OVERHEAD.
    function invariant_boundedMoves() public view {
        uint256[] memory games = handler.allGames();
        for (uint256 k; k < games.length; ++k) {
            IDisputeGame.Game memory g = game.getGame(GameId.wrap(games[k]));
            IJobMarket.Job memory job = market.getJob(g.jobId);
            (,, uint32 nOps,,,,,,,) = handler.info(JobId.unwrap(g.jobId));
            uint256 bound =
                2 * game.maxRounds(job.steps, nOps, job.params.bisectionArity) + game.MOVE_OVERHEAD();
            require(handler.movesOf(games[k]) <= bound, "game took more moves than the bound");
        }
    }
}
