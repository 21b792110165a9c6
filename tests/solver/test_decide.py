"""solver.decide, table-driven, without a chain."""

from __future__ import annotations

import pytest

from assay.agents.actions import (
    ClaimJob,
    CommitOpTrace,
    DrawCommittee,
    DrawVerifiers,
    ExpireUnverified,
    Finalize,
    Open,
    ReleaseVerifiers,
    ResolveAdjudication,
    SettleFailure,
    StartOpTrace,
    StartTraining,
    SubmitResult,
    Timeout,
    WorkState,
)
from assay.agents.views import GameView, JobView
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import GameStatus, JobStatus, Party
from solver.decide import DEFAULT_MIN_BUDGET, Pricing, SolverLocal, decide, price_ok, stake_short
from tests.agents.fakes import CHEAT, ME, OPS, OTHER, PARAMS, SEATED, STEPS, T, game, job, request

STAKE = PARAMS.solverStake
TRAINED = SolverLocal(STAKE, training=WorkState.DONE, steps=STEPS, op_traces=OPS)
CLAIM_DL = 1000 + PARAMS.claimWindow
SOLVE_DL = 1100 + PARAMS.solveWindow
CHALLENGE_DL = 1200 + PARAMS.challengeWindow + T * PARAMS.challengeWindowPerStep

CASES: list[tuple[str, JobView, list[GameView], SolverLocal, int, list[type]]] = [
    ("claim open job", job(JobStatus.OPEN), [], SolverLocal(STAKE), 1001, [ClaimJob]),
    ("claim at deadline", job(JobStatus.OPEN), [], SolverLocal(STAKE), CLAIM_DL, [ClaimJob]),
    ("no claim after deadline", job(JobStatus.OPEN), [], SolverLocal(STAKE), CLAIM_DL + 1, []),
    ("no claim without stake", job(JobStatus.OPEN), [], SolverLocal(STAKE - 1), 1001, []),
    ("no claim by policy", job(JobStatus.OPEN), [],
     SolverLocal(STAKE, policy=lambda j: False), 1001, []),
    ("train once claimed", job(JobStatus.CLAIMED), [], SolverLocal(STAKE), 1101, [StartTraining]),
    ("wait while training", job(JobStatus.CLAIMED), [],
     SolverLocal(STAKE, training=WorkState.RUNNING), 1101, []),
    ("submit when trained", job(JobStatus.CLAIMED), [], TRAINED, 1101, [SubmitResult]),
    ("no submit at the deadline", job(JobStatus.CLAIMED), [], TRAINED, SOLVE_DL, []),
    ("no submit of another computation", job(JobStatus.CLAIMED, initial_state=STEPS[1]), [],
     TRAINED, 1101, []),
    ("not my claimed job", job(JobStatus.CLAIMED, solver=OTHER), [], TRAINED, 1101, []),
    ("wait in window", job(), [], TRAINED, CHALLENGE_DL, []),
    ("finalize after window", job(), [], TRAINED, CHALLENGE_DL + 1, [Finalize]),
    ("draw the verifiers after submitting", job(assigned=()), [], TRAINED, 1201, [DrawVerifiers]),
    ("fill an empty seat first", job(assigned=SEATED[:1]), [], TRAINED, CHALLENGE_DL + 1,
     [DrawVerifiers]),
    ("expire when seats stay empty", job(assigned=()), [], TRAINED,
     CHALLENGE_DL + PARAMS.claimWindow + 1, [ExpireUnverified]),
    ("no finalize with game open", job(open_games=1), [], TRAINED, CHALLENGE_DL + 1, []),
    ("open when my turn", job(open_games=1), [game()], TRAINED, 1301, [Open]),
    ("retrain after a restart", job(open_games=1), [game()], SolverLocal(STAKE), 1301,
     [StartTraining]),
    ("not my turn", job(open_games=1), [game(turn=Party.CHALLENGER)], TRAINED, 1301, []),
    ("timeout challenger", job(open_games=1), [game(turn=Party.CHALLENGER)], TRAINED,
     1300 + 3600, [Timeout]),
    ("no move after my flag fell", job(open_games=1), [game()], TRAINED, 1300 + 3600, []),
    ("op trace first", job(open_games=1), [game(GameStatus.AWAITING_OP_TRACE, step=5)],
     SolverLocal(STAKE, training=WorkState.DONE, steps=STEPS), 1301, [StartOpTrace]),
    ("op trace pending", job(open_games=1), [game(GameStatus.AWAITING_OP_TRACE, step=5)],
     SolverLocal(STAKE, training=WorkState.DONE, steps=STEPS, op_pending=frozenset({5})), 1301,
     []),
    ("commit op trace", job(open_games=1), [game(GameStatus.AWAITING_OP_TRACE, step=5)],
     TRAINED, 1301, [CommitOpTrace]),
    ("resolve adjudication", job(open_games=1),
     [game(GameStatus.ADJUDICATING, request=request())], TRAINED, 5001, [ResolveAdjudication]),
    ("adjudication still voting", job(open_games=1),
     [game(GameStatus.ADJUDICATING, request=request())], TRAINED, 5000, []),
    ("draw the pending committee", job(open_games=1),
     [game(GameStatus.ADJUDICATING, request=request((), draw_block=9, deadline=0))], TRAINED,
     5001, [DrawCommittee]),
    ("release after reveal", job(JobStatus.FINALIZED, settled_at=2000), [], TRAINED,
     2000 + PARAMS.revealWindow + 1, [ReleaseVerifiers]),
    ("released already", job(JobStatus.FINALIZED, settled_at=2000, verifiers_released=True), [],
     TRAINED, 2000 + PARAMS.revealWindow + 1, []),
    ("settle failure after reveal", job(JobStatus.FAILED, settled_at=2000), [], TRAINED,
     2000 + PARAMS.revealWindow + 1, [SettleFailure]),
    ("no settle inside reveal", job(JobStatus.FAILED, settled_at=2000), [], TRAINED,
     2000 + PARAMS.revealWindow, []),
    ("cancelled", job(JobStatus.CANCELLED), [], TRAINED, 1301, []),
    ("answer a game still open after the job failed", job(JobStatus.FAILED, open_games=1,
     settled_at=1300), [game()], TRAINED, 1301, [Open]),
]  # fmt: skip


@pytest.mark.parametrize(("job_view", "games", "local", "now", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_decide_table(
    job_view: JobView, games: list[GameView], local: SolverLocal, now: int, expected: list[type]
) -> None:
    actions = decide(job_view, games, local, now, ME)
    assert [type(a) for a in actions] == expected
    assert decide(job_view, games, local, now, ME) == actions  # idempotent


def test_submit_carries_the_trace_root_and_the_moves_follow_the_game_player() -> None:
    (submit,) = decide(job(JobStatus.CLAIMED), [], TRAINED, 1101, ME)
    assert isinstance(submit, SubmitResult)
    assert (submit.final_state, submit.trace_root) == (STEPS[-1], MerkleTree(STEPS).root)
    cheat = SolverLocal(STAKE, training=WorkState.DONE, steps=CHEAT, op_traces=OPS)
    (move,) = decide(job(open_games=1), [game()], cheat, 1301, ME)
    assert isinstance(move, Open)
    assert (move.lo, move.hi, move.hashes) == (0, 8, (CHEAT[4],))


# ------------------------------------------------------------------------- pricing and stake

GIGA = 10**9


def test_a_one_wei_job_is_below_the_default_minimum_budget() -> None:
    ok, why = price_ok(1, 10**6, Pricing())
    assert not ok and why == "budget 0.000000000000000001 ETH is below the minimum budget 0.001 ETH"
    assert price_ok(DEFAULT_MIN_BUDGET, 10**6, Pricing()) == (True, "")


def test_the_price_per_gflop_is_charged_on_the_estimate_rounded_up() -> None:
    pricing = Pricing(min_budget=0, min_wei_per_gflop=100 * GIGA)  # 100 gwei per GFLOP
    assert price_ok(250 * GIGA, int(2.5 * GIGA), pricing) == (True, "")
    ok, why = price_ok(250 * GIGA - 1, int(2.5 * GIGA), pricing)
    assert not ok and "the minimum price 0.0000001 ETH/GFLOP times 2.5e+09 estimated FLOPs" in why
    # One FLOP still costs a whole wei: the ceiling never lets a job through for free.
    assert not price_ok(0, 1, Pricing(min_budget=0, min_wei_per_gflop=1))[0]
    assert price_ok(0, 10**30, Pricing(min_budget=0))[0]  # no price set: any size


def test_stake_short_says_how_much_more() -> None:
    assert stake_short(STAKE, STAKE) is None
    why = stake_short(STAKE - 10**17, STAKE)
    assert why is not None and "stake 0.1 ETH more" in why
    assert "below the 1 ETH a claim locks" in why
