"""Move decisions of assay.game_player, played against a toy in-memory DisputeGame (no chain).

The toy applies each move the way DisputeGame.sol does (proofs checked with the Python Merkle code,
the interval narrowed with assay.protocol.bisection), so whole games run in milliseconds for every
divergence point and arity.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_hash.auto import keccak

from assay.chain.bindings.game import Game
from assay.errors import ProtocolError
from assay.game_player import (
    Choose,
    CommitOpTrace,
    Open,
    Traces,
    challenger_move,
    choose_at,
    solver_move,
)
from assay.protocol import bisection, merkle
from assay.protocol.types import GameId, GameStatus, JobId, Party, RequestId, StateHash

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
        for p, value, proof in zip(move.positions, move.hashes, move.proofs, strict=True):
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


def test_choose_at_last_index_disputes_hi() -> None:
    solver = honest(4, 2)
    game = new_game(solver)
    move = choose_at(game, (solver.steps[2],), 1)
    assert move.disputed == game.hi_hash
    with pytest.raises(ProtocolError, match=r"outside 0\.\.1"):
        choose_at(game, (solver.steps[2],), 2)
