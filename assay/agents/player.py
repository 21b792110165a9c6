"""Play a dispute game from traces: the pure move decisions of either party.

The solver knows its step trace h_0..h_T (committed as the job's trace root) and, for any step s,
its op trace r_0..r_N (r_0 = h_{s-1}, r_N = h_s). The challenger knows its own truth of both and
sees the solver's openings only on chain (the `Opened` event). Decisions are pure functions of a
`Game` read from chain and return the agents' actions (`assay.agents.actions`); the responder
(`assay.agents.responder`) sends them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assay.agents.actions import Choose, CommitOpTrace, Open
from assay.errors import ProtocolError
from assay.protocol.bisection import (
    NO_SUCH_OPERATOR,
    first_disagreement,
    op_positions,
    positions,
)
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Game
from assay.protocol.types import GameStatus, Party, StateHash, StepIndex

# Op records r_0..r_N of step s (1-based), as one party computes them.
OpTraceOf = Callable[[StepIndex], Sequence[StateHash]]


@dataclass(frozen=True)
class Traces:
    """One party's view of the computation: the step trace and a way to get any step's op trace."""

    steps: Sequence[StateHash]
    ops: OpTraceOf


def _tree(game: Game, mine: Traces) -> MerkleTree:
    """The tree the current bisection phase proves against (steps, or the isolated step's ops)."""
    if game.status == GameStatus.STEP_BISECTION:
        return MerkleTree(mine.steps)
    if game.status in (GameStatus.AWAITING_OP_TRACE, GameStatus.OP_BISECTION):
        return MerkleTree(mine.ops(game.step))
    raise ProtocolError(f"game {game.game_id} is {game.status.name}: no trace to prove against")


def solver_move(game: Game, mine: Traces, arity: int) -> Open | CommitOpTrace | None:
    """The solver's forced move, or None when it is not the solver's turn to move."""
    if game.turn != Party.SOLVER:
        return None
    if game.status == GameStatus.AWAITING_OP_TRACE:
        records = mine.ops(game.step)
        if len(records) < 2:
            raise ProtocolError(f"the op trace of step {game.step} needs at least 2 records")
        tree = MerkleTree(records)
        n = len(records) - 1
        return CommitOpTrace(game.game_id, tree.root, n, tree.proof(0), tree.proof(n))
    if game.status not in (GameStatus.STEP_BISECTION, GameStatus.OP_BISECTION):
        return None
    tree = _tree(game, mine)
    ps = positions(game.lo, game.hi, arity)
    return Open(
        game.game_id,
        game.lo,
        game.hi,
        tuple(tree.value(p) for p in ps),
        tuple(tree.proof(p) for p in ps),
    )


def challenger_move(
    game: Game, openings: Sequence[StateHash], truth: Traces, arity: int
) -> Choose | None:
    """The honest challenger's answer to the solver's `openings` of the current interval."""
    if game.turn != Party.CHALLENGER:
        return None
    if game.status not in (GameStatus.STEP_BISECTION, GameStatus.OP_BISECTION):
        return None
    ps = positions(game.lo, game.hi, arity)
    if len(ps) != len(openings):
        raise ProtocolError(
            f"expected {len(ps)} openings of ({game.lo}, {game.hi}), got {len(openings)}"
        )
    if game.status == GameStatus.STEP_BISECTION:
        # A job posted with more steps than its spec has: our run has no state past its last step.
        values = list(truth.steps)
        expected = [values[p] if p < len(values) else StateHash(NO_SUCH_OPERATOR) for p in ps]
    else:
        # Whatever N the contract accepted, every position has our answer (see op_positions).
        values = [StateHash(v) for v in op_positions(truth.ops(game.step), game.n_ops)]
        expected = [values[p] for p in ps]
    return choose_at(game, openings, first_disagreement(openings, expected))


def choose_at(game: Game, openings: Sequence[StateHash], index: int) -> Choose:
    """A `Choose` of sub-interval `index` (any index, honest or not)."""
    if not 0 <= index <= len(openings):
        raise ProtocolError(f"choice {index} is outside 0..{len(openings)}")
    disputed = openings[index] if index < len(openings) else game.hi_hash
    return Choose(
        game.game_id,
        game.lo,
        game.hi,
        tuple(StateHash(o) for o in openings),
        index,
        StateHash(disputed),
    )
