"""verifier.decide, table-driven, without a chain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assay.agents.actions import (
    Attest,
    Challenge,
    Choose,
    ClaimWinnerShare,
    DrawCommittee,
    ReleaseVerifiers,
    ResolveAdjudication,
    SettleFailure,
    StartOpTrace,
    StartReplay,
    Timeout,
    WorkState,
)
from assay.agents.views import GameView, JobView
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Assignment
from assay.protocol.types import GameStatus, JobStatus, Party
from tests.agents.fakes import CHEAT, ME, OPS, OTHER, PARAMS, STEPS, T, game, h, job, request
from verifier.decide import VerifierLocal, decide

MINE = (Assignment(ME, False, False), Assignment(OTHER, False, False))
ATTESTED = (Assignment(ME, True, False),)
CHALLENGED = (Assignment(ME, False, True),)
REPLAYED = VerifierLocal(
    replay=WorkState.DONE, steps=STEPS, trace_root=MerkleTree(STEPS).root, op_traces=OPS
)
DL = 1200 + PARAMS.challengeWindow + T * PARAMS.challengeWindowPerStep
REVEAL = 2000 + PARAMS.revealWindow + 1
SETTLED = job(JobStatus.FAILED, solver=OTHER, settled_at=2000, solver_settled=True, winners=1)


def replace_job(view: JobView, **kw: object) -> JobView:
    return JobView(replace(view.job, **kw), view.assignments)  # type: ignore[arg-type]


CHEATED = job(assigned=MINE, solver=OTHER, final_state=CHEAT[-1], trace_root=MerkleTree(CHEAT).root)


def g(status: GameStatus = GameStatus.STEP_BISECTION, turn: Party = Party.CHALLENGER,
      **kw: object) -> GameView:  # fmt: skip
    return game(status, turn, challenger=ME, solver=OTHER, **kw)  # type: ignore[arg-type]


CASES: list[tuple[str, JobView, list[GameView], VerifierLocal, int, list[type]]] = [
    ("replay when assigned", job(assigned=MINE, solver=OTHER), [], VerifierLocal(), 1201,
     [StartReplay]),
    ("not assigned", job(assigned=(Assignment(OTHER, False, False),), solver=OTHER), [],
     VerifierLocal(), 1201, []),
    ("all jobs by policy", job(solver=OTHER), [], VerifierLocal(verify_all=True), 1201,
     [StartReplay]),
    ("unknown spec", job(assigned=MINE, solver=OTHER), [], VerifierLocal(can_replay=False),
     1201, []),
    ("attest a match", job(assigned=MINE, solver=OTHER), [], REPLAYED, DL, [Attest]),
    ("no attest after window", job(assigned=MINE, solver=OTHER), [], REPLAYED, DL + 1, []),
    ("attested already", job(assigned=ATTESTED, solver=OTHER), [], REPLAYED, 1201, []),
    ("challenge a mismatch", CHEATED, [], REPLAYED, 1201, [Challenge]),
    ("never challenge twice", CHEATED, [g(GameStatus.CHALLENGER_WON)], REPLAYED, 1201, []),
    ("challenged already", job(assigned=CHALLENGED, solver=OTHER, final_state=CHEAT[-1]), [],
     REPLAYED, 1201, []),
    ("choose on openings", CHEATED, [g(openings=(CHEAT[4],))], REPLAYED, 1301, [Choose]),
    ("wait for openings", CHEATED, [g()], REPLAYED, 1301, []),
    ("solver's turn", CHEATED, [g(turn=Party.SOLVER)], REPLAYED, 1301, []),
    ("timeout solver", CHEATED, [g(turn=Party.SOLVER)], REPLAYED, 1300 + 3600, [Timeout]),
    ("op trace before choosing", CHEATED, [g(GameStatus.OP_BISECTION, step=5, openings=(h(1),))],
     VerifierLocal(replay=WorkState.DONE, steps=STEPS), 1301, [StartOpTrace]),
    ("resolve", CHEATED, [g(GameStatus.ADJUDICATING, request=request(votes=1))], REPLAYED, 1301,
     [ResolveAdjudication]),
    ("draw the pending committee", CHEATED,
     [g(GameStatus.ADJUDICATING, request=request((), draw_block=9, deadline=0))], REPLAYED, 1301,
     [DrawCommittee]),
    ("release after reveal", job(JobStatus.FINALIZED, assigned=MINE, settled_at=2000), [],
     REPLAYED, REVEAL, [ReleaseVerifiers]),
    ("settle failure", job(JobStatus.FAILED, assigned=MINE, settled_at=2000), [], REPLAYED,
     REVEAL, [SettleFailure]),
    ("settled", job(JobStatus.FAILED, assigned=MINE, settled_at=2000, solver_settled=True), [],
     REPLAYED, REVEAL, []),
    ("no settlement while a game runs",
     job(JobStatus.FAILED, assigned=MINE, settled_at=2000, open_games=1), [], REPLAYED, REVEAL, []),
    ("claim my winner share", SETTLED, [g(GameStatus.CHALLENGER_WON)], REPLAYED, REVEAL,
     [ClaimWinnerShare]),
    ("share claimed", SETTLED, [g(GameStatus.CHALLENGER_WON)],
     replace(REPLAYED, share_paid=True), REVEAL, []),
    ("drawn winners were paid at settlement", replace_job(SETTLED, drawn_winners=1),
     [g(GameStatus.CHALLENGER_WON)], REPLAYED, REVEAL, []),
    ("a lost game earns no share", SETTLED, [g(GameStatus.SOLVER_WON)], REPLAYED, REVEAL, []),
    ("keep playing after another's win failed the job",
     job(JobStatus.FAILED, assigned=MINE, solver=OTHER, settled_at=1300),
     [g(openings=(CHEAT[4],))], REPLAYED, 1301, [Choose]),
]  # fmt: skip


@pytest.mark.parametrize(("job_view", "games", "local", "now", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_decide_table(
    job_view: JobView, games: list[GameView], local: VerifierLocal, now: int, expected: list[type]
) -> None:
    actions = decide(job_view, games, local, now, ME)
    assert [type(a) for a in actions] == expected
    assert decide(job_view, games, local, now, ME) == actions


def test_challenge_names_the_disputed_final_and_choose_follows_the_game_player() -> None:
    (c,) = decide(CHEATED, [], REPLAYED, 1201, ME)
    assert isinstance(c, Challenge)
    assert (c.disputed_final, c.bond) == (CHEAT[-1], PARAMS.challengeBond)
    (choice,) = decide(CHEATED, [g(openings=(CHEAT[4],))], REPLAYED, 1301, ME)
    assert isinstance(choice, Choose)
    assert (choice.index, choice.disputed) == (1, STEPS[-1])  # agrees with h_4: disputes hi
