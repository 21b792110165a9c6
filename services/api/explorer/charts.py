"""Server-side charts: the loss curve as an SVG polyline, and a dispute's bisection as one
narrowing interval per round (geometry only; the templates draw it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.api.schemas.common import DisputeState, MoveName
from services.api.schemas.disputes import Move

CHART_W, CHART_H = 600, 200  # the loss curve's viewBox
PAD = 8
BAR_X, BAR_W = 150, 430  # where an interval row's domain [0, T] or [0, N] is drawn
ROW_H = 28


@dataclass(frozen=True)
class LossCurve:
    """The polyline of a loss curve in a CHART_W x CHART_H viewBox, and its range."""

    points: str
    steps: int
    lo: float
    hi: float
    first: float
    last: float


def loss_curve(losses: Sequence[float]) -> LossCurve:
    """Step i (1..T) at x, loss at y (top: the highest loss)."""
    lo, hi = min(losses), max(losses)
    span = (hi - lo) or 1.0
    n = len(losses)
    width, height = CHART_W - 2 * PAD, CHART_H - 2 * PAD

    def xy(i: int, loss: float) -> str:
        x = PAD + (width * i / (n - 1) if n > 1 else width / 2)
        y = PAD + height * (hi - loss) / span
        return f"{x:.1f},{y:.1f}"

    return LossCurve(
        points=" ".join(xy(i, v) for i, v in enumerate(losses)),
        steps=n,
        lo=lo,
        hi=hi,
        first=losses[0],
        last=losses[-1],
    )


@dataclass(frozen=True)
class Round:
    """One row of the bisection drawing: the interval [lo, hi] after a move, over steps
    (phase 1) or over the operators of the disputed step (phase 2)."""

    number: int  # the game's round counter after it (0: the start of a phase)
    label: str
    over: str  # "steps" or "operators"
    domain: int  # T or N
    lo: int
    hi: int
    opened: Move | None  # the solver's Opened that the challenger chose from
    move: Move  # the move that set this interval
    x: float  # the interval's bar, in the SVG's user units
    w: float
    y: float

    @property
    def text_y(self) -> float:
        """Baseline of the row's label."""
        return self.y + ROW_H / 2 + 4


def bisection_rounds(moves: Sequence[Move], steps: int) -> list[Round]:
    """One row for the start of each phase and one per narrowing, in chain order."""
    rows: list[Round] = []
    opened: Move | None = None

    def add(move: Move, label: str, over: str, domain: int, lo: int, hi: int) -> None:
        y = len(rows) * ROW_H
        d = max(domain, 1)
        x = BAR_X + BAR_W * lo / d
        w = max(BAR_W * (hi - lo) / d, 2.0)
        rows.append(Round(move.state.rounds, label, over, domain, lo, hi, opened, move, x, w, y))

    for move in moves:
        state = move.state
        if move.kind is MoveName.STARTED:
            add(move, "start", "steps", steps, 0, steps)
        elif move.kind is MoveName.OPENED:
            opened = move
        elif move.kind is MoveName.NARROWED:
            if state.status is DisputeState.STEP_BISECTION or state.n_ops is None:
                add(move, f"round {state.rounds}", "steps", steps, state.lo, state.hi)
            else:
                add(move, f"round {state.rounds}", "operators", state.n_ops, state.lo, state.hi)
            opened = None
        elif move.kind is MoveName.OP_TRACE_COMMITTED and state.n_ops is not None:
            add(move, f"step {state.step}: ops", "operators", state.n_ops, state.lo, state.hi)
    return rows


def rounds_height(rows: Sequence[Round]) -> int:
    """The SVG height that fits `rows`."""
    return max(len(rows), 1) * ROW_H
