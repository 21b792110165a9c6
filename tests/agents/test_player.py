"""Move decisions of assay.agents.player, played against a toy in-memory DisputeGame (no chain).

The toy applies each move the way DisputeGame.sol does (proofs checked with the Python Merkle code,
the interval narrowed with assay.protocol.bisection), so whole games run in milliseconds for every
divergence point and arity.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_hash.auto import keccak

from assay.agents.actions import Choose, CommitOpTrace, Open
from assay.agents.player import Traces, challenger_move, choose_at, solver_move
from assay.errors import ProtocolError
from assay.protocol import bisection, merkle
from assay.protocol.records import Game
from assay.protocol.types import (
    GameId,
    GameStatus,
    JobId,
    Party,
    RequestId,
    StateHash,
    StepIndex,
)

ZERO = StateHash(b"\x00" * 32)


def _h(*parts: object) -> StateHash:
    return StateHash(keccak(repr(parts).encode()))


def honest(steps: int, n_ops: int) -> Traces:
    trace = [_h("h", i) for i in range(steps + 1)]

    def ops(s: int) -> list[StateHash]:
        return [trace[s - 1], *[_h("op", s, j) for j in range(1, n_ops)], trace[s]]

    return Traces(trace, ops)


def cheater(steps: int, n_ops: int, bad_step: int, bad_op: int) -> Traces:
    """Right before `bad_step`, wrong from it on; inside it, wrong from operator `bad_op` on."""
    good = honest(steps, n_ops)
    trace = [good.steps[i] if i < bad_step else _h("bad", i) for i in range(steps + 1)]

    def ops(s: int) -> list[StateHash]:
        records = (
            list(good.ops(s))
            if s != bad_step
            else [good.ops(s)[j] if j < bad_op else _h("badop", s, j) for j in range(n_ops + 1)]
        )
        records[0], records[-1] = trace[s - 1], trace[s]
        return records

    return Traces(trace, ops)


def new_game(solver: Traces) -> Game:
    steps = len(solver.steps) - 1
    # Like DisputeGame.challenge: a one-step job goes straight to that step's op trace.
    status, step = (
        (GameStatus.AWAITING_OP_TRACE, 1) if steps == 1 else (GameStatus.STEP_BISECTION, 0)
    )
    return Game(
        GameId(1), "0xC", status, Party.SOLVER, 0, steps, 0, "0xS", JobId(1),
        0, 3600, 3600, step, 0, solver.steps[0], solver.steps[-1], ZERO, ZERO, 0, RequestId(0),
    )  # fmt: skip


def apply(game: Game, move: Open | Choose | CommitOpTrace, root: bytes, size: int, k: int) -> Game:
    """What DisputeGame does with a move (including its proof checks)."""
    if isinstance(move, Open):
        assert (move.lo, move.hi) == (game.lo, game.hi)
        ps = bisection.positions(game.lo, game.hi, k)  # the contract opens these, not the mover
        for p, value, proof in zip(ps, move.hashes, move.proofs, strict=True):
            assert merkle.verify(root, size + 1, p, value, proof), f"proof of {p} rejected"
        return replace(game, turn=Party.CHALLENGER)
    if isinstance(move, CommitOpTrace):
        assert merkle.verify(move.op_root, move.n_ops + 1, 0, game.lo_hash, move.first_proof)
        assert merkle.verify(
            move.op_root, move.n_ops + 1, move.n_ops, game.hi_hash, move.last_proof
        )
        status = GameStatus.OP_BISECTION if move.n_ops > 1 else GameStatus.ADJUDICATING
        return replace(game, status=status, lo=0, hi=move.n_ops, n_ops=move.n_ops)
    lo_hash = game.lo_hash if move.index == 0 else move.openings[move.index - 1]
    lo, hi = bisection.narrow(game.lo, game.hi, k, move.index)
    game = replace(
        game, lo=lo, hi=hi, lo_hash=lo_hash, hi_hash=move.disputed, rounds=game.rounds + 1
    )
    if hi - lo > 1:
        return replace(game, turn=Party.SOLVER)
    if game.status == GameStatus.STEP_BISECTION:
        return replace(game, status=GameStatus.AWAITING_OP_TRACE, step=hi, turn=Party.SOLVER)
    return replace(game, status=GameStatus.ADJUDICATING, turn=Party.NONE)


def play(solver: Traces, truth: Traces, k: int) -> Game:
    game = new_game(solver)
    op_root, openings = b"", ()
    for _ in range(200):
        if game.status == GameStatus.ADJUDICATING:
            return game
        size = len(solver.steps) - 1 if game.status == GameStatus.STEP_BISECTION else game.n_ops
        root = (
            merkle.MerkleTree(solver.steps).root
            if game.status == GameStatus.STEP_BISECTION
            else op_root
        )
        move = solver_move(game, solver, k) or challenger_move(game, openings, truth, k)
        assert move is not None, f"nobody can move in {game}"
        if isinstance(move, Open):
            openings = move.hashes
        if isinstance(move, CommitOpTrace):
            op_root = move.op_root
        game = apply(game, move, root, size, k)
    raise AssertionError("game did not end")


@pytest.mark.parametrize("k", [2, 3, 5, 16])
@pytest.mark.parametrize(
    ("steps", "n_ops", "bad_step", "bad_op"),
    [(1, 1, 1, 1), (8, 4, 5, 3), (8, 4, 1, 1), (8, 4, 8, 4), (33, 17, 32, 9), (100, 64, 1, 64)],
)
def test_honest_challenger_isolates_first_wrong_step_and_operator(
    k: int, steps: int, n_ops: int, bad_step: int, bad_op: int
) -> None:
    game = play(cheater(steps, n_ops, bad_step, bad_op), honest(steps, n_ops), k)
    assert (game.step, game.hi) == (bad_step, bad_op)
    truth = honest(steps, n_ops).ops(bad_step)
    assert game.lo_hash == truth[bad_op - 1]  # the referee recomputes from an agreed, true input
    assert game.hi_hash != truth[bad_op]  # and the solver's output there is wrong
    assert game.rounds <= bisection.ceil_log(steps, k) + bisection.ceil_log(n_ops, k)


def test_solver_does_not_move_on_challengers_turn() -> None:
    solver = honest(4, 2)
    assert solver_move(replace(new_game(solver), turn=Party.CHALLENGER), solver, 2) is None


def test_challenger_does_not_move_on_solvers_turn() -> None:
    solver = honest(4, 2)
    assert challenger_move(new_game(solver), (), solver, 2) is None


def test_challenger_rejects_openings_of_another_interval() -> None:
    solver = honest(4, 2)
    game = replace(new_game(solver), turn=Party.CHALLENGER)
    with pytest.raises(ProtocolError, match="expected 1 openings"):
        challenger_move(game, (solver.steps[1], solver.steps[2]), solver, 2)


def test_moves_are_the_agents_actions_of_the_game_played() -> None:
    solver = honest(4, 2)
    game = replace(new_game(solver), game_id=GameId(7))
    opened = solver_move(game, solver, 2)
    assert isinstance(opened, Open) and opened.key == ("game", 7)
    chose = challenger_move(replace(game, turn=Party.CHALLENGER), opened.hashes, solver, 2)
    assert isinstance(chose, Choose) and chose.game_id == GameId(7)
    awaiting = replace(game, status=GameStatus.AWAITING_OP_TRACE, step=StepIndex(3))
    committed = solver_move(awaiting, solver, 2)
    assert isinstance(committed, CommitOpTrace) and committed.game_id == GameId(7)
    assert choose_at(game, opened.hashes, 0).game_id == GameId(7)


def test_choose_at_last_index_disputes_hi() -> None:
    solver = honest(4, 2)
    game = new_game(solver)
    move = choose_at(game, (solver.steps[2],), 1)
    assert move.disputed == game.hi_hash
    with pytest.raises(ProtocolError, match=r"outside 0\.\.1"):
        choose_at(game, (solver.steps[2],), 2)


def _misposted(steps: int, n_true: int, n_game: int, bad_step: int) -> Traces:
    """A cheater on a job posted with N = `n_game` although its spec has `n_true`: its op trace of
    `bad_step` has the posted length, honest records first (an honest prefix when shorter, padding
    when longer), and ends at a claimed h_s that is the honest record n_game (or garbage)."""
    good = honest(steps, n_true)
    truth = list(good.ops(bad_step))
    claim = truth[n_game] if n_game < n_true else _h("pad-claim")
    trace = [good.steps[i] if i < bad_step else _h("bad", i) for i in range(steps + 1)]
    trace[bad_step] = claim

    def ops(s: int) -> list[StateHash]:
        if s != bad_step:
            return list(good.ops(s))
        pad = [truth[j] if j < n_true else _h("pad", j) for j in range(n_game)]
        return [trace[s - 1], *pad[1:], claim]

    return Traces(trace, ops)


@pytest.mark.parametrize(("n_true", "n_game"), [(6, 1), (6, 3), (6, 5), (6, 7), (6, 11), (1, 4)])
def test_honest_challenger_plays_any_op_count_the_chain_accepted(n_true: int, n_game: int) -> None:
    # The chain fixes N per job; on a job posted with another N than its spec gives (an honest
    # solver never claims one) the challenger must still play every position, not crash, and the
    # referee's answer there (op_positions) must differ from the cheater's leaf.
    truth = honest(8, n_true)
    game = play(_misposted(8, n_true, n_game, 5), truth, 2)
    assert game.step == 5 and game.n_ops == n_game
    answer = bisection.op_positions(truth.ops(5), n_game)[game.hi]
    assert game.lo_hash == bisection.op_positions(truth.ops(5), n_game)[game.lo]
    assert answer != game.hi_hash


def test_op_positions_maps_end_state_and_missing_operators() -> None:
    leaves = [_h("r", j) for j in range(4)]  # r_0..r_3: two operators, then h_s
    assert bisection.op_positions(leaves, 3) == leaves
    assert bisection.op_positions(leaves, 1) == [leaves[0], leaves[3]]
    padded = bisection.op_positions(leaves, 5)
    assert padded[:3] == leaves[:3] and padded[5] == leaves[3]
    assert padded[3] == padded[4] == bisection.NO_SUCH_OPERATOR
    with pytest.raises(ValueError, match="N >= 1"):
        bisection.op_positions(leaves, 0)
