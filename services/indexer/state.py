"""Pure state transitions: a game or a stake right after one of its events.

DisputeGame's and StakeManager's events carry only what changed; the indexer keeps each game's and
stake's full state (the columns of GameState / StakeState) and applies every event to it exactly as
the contract does, clocks included, so the database matches `getGame` / `stakeOf` at every block.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from assay.protocol.types import GameStatus, Party
from services.db.enums import MoveKind, StakeEventKind


@dataclass(frozen=True)
class GameTerms:
    """What a game needs from its job (snapshotted at posting, never changing)."""

    solver: str | None
    initial_state: str
    final_state: str | None
    clock_budget: int
    min_clock_extension: int


@dataclass(frozen=True)
class GameSnapshot:
    """A game's state (GameState.SNAPSHOT) as plain values."""

    status: GameStatus
    turn: Party | None
    lo: int
    hi: int
    lo_hash: str | None
    hi_hash: str | None
    rounds: int
    step: int | None
    n_ops: int | None
    op_root: str | None
    request_id: int | None
    last_move_at: int
    solver_clock: int | None
    challenger_clock: int | None
    winner: str | None
    reason: str | None

    def columns(self) -> dict[str, Any]:
        """The GameState columns."""
        return dict(self.__dict__)

    @classmethod
    def of(cls, row: Any) -> GameSnapshot:
        """From a Game or GameMove row."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


ZERO_HASH = "0x" + "00" * 32

# Who moved, by event (None: a consequence of another move, or anyone's call such as timeout).
MOVE_PARTY: dict[MoveKind, Party | None] = {
    MoveKind.STARTED: Party.CHALLENGER,
    MoveKind.OPENED: Party.SOLVER,
    MoveKind.NARROWED: Party.CHALLENGER,
    MoveKind.STEP_ISOLATED: None,
    MoveKind.OP_TRACE_COMMITTED: Party.SOLVER,
    MoveKind.ADJUDICATION_REQUESTED: None,
    MoveKind.RESOLVED: None,
}


def game_started(terms: GameTerms, steps: int, time: int) -> GameSnapshot:
    """A game right after GameStarted (DisputeGame.challenge)."""
    return GameSnapshot(
        status=GameStatus.STEP_BISECTION,
        turn=Party.SOLVER,
        lo=0,
        hi=steps,
        lo_hash=terms.initial_state,  # h_0, as getGame reports it until lo moves
        hi_hash=terms.final_state,
        rounds=0,
        step=None,
        n_ops=None,
        op_root=None,
        request_id=None,
        last_move_at=time,
        solver_clock=terms.clock_budget,
        challenger_clock=terms.clock_budget,
        winner=None,
        reason=None,
    )


def game_moved(
    game: GameSnapshot,
    kind: MoveKind,
    args: Mapping[str, Any],
    time: int,
    terms: GameTerms,
    challenger: str,
) -> GameSnapshot:
    """The game right after one of its events (other than GameStarted), as DisputeGame does it."""
    if kind is MoveKind.OPENED:
        return replace(_charge(game, Party.SOLVER, time, terms), turn=Party.CHALLENGER)
    if kind is MoveKind.NARROWED:
        return replace(
            _charge(game, Party.CHALLENGER, time, terms),
            lo=int(args["lo"]),
            hi=int(args["hi"]),
            # lo never moved in phase 1: the contract logs its unwritten slot, getGame says h_0
            lo_hash=game.lo_hash if args["loHash"] == ZERO_HASH else str(args["loHash"]),
            hi_hash=str(args["hiHash"]),
            rounds=game.rounds + 1,
            turn=Party.SOLVER,
        )
    if kind is MoveKind.STEP_ISOLATED:
        step = int(args["step"])
        return replace(
            game,
            status=GameStatus.AWAITING_OP_TRACE,
            step=step,
            lo=step - 1,
            hi=step,
            lo_hash=str(args["before"]),
            hi_hash=str(args["claimedAfter"]),
        )
    if kind is MoveKind.OP_TRACE_COMMITTED:
        n_ops = int(args["nOps"])
        return replace(
            _charge(game, Party.SOLVER, time, terms),
            status=GameStatus.OP_BISECTION,
            turn=Party.SOLVER,
            op_root=str(args["opRoot"]),
            n_ops=n_ops,
            lo=0,
            hi=n_ops,
        )
    if kind is MoveKind.ADJUDICATION_REQUESTED:
        return replace(
            game, status=GameStatus.ADJUDICATING, turn=None, request_id=int(args["requestId"])
        )
    if kind is MoveKind.RESOLVED:
        outcome = GameStatus(int(args["outcome"]))
        winner = challenger if outcome is GameStatus.CHALLENGER_WON else terms.solver
        return replace(game, status=outcome, turn=None, winner=winner, reason=str(args["reason"]))
    raise ValueError(f"{kind} is not a move after GameStarted")


def _charge(game: GameSnapshot, mover: Party, time: int, terms: GameTerms) -> GameSnapshot:
    """DisputeGame._charge: the mover pays the time since the last move, the opponent's clock is
    topped up to at least minClockExtension."""
    if game.solver_clock is None or game.challenger_clock is None:
        return replace(game, last_move_at=time)
    elapsed = max(time - game.last_move_at, 0)
    floor = terms.min_clock_extension
    if mover is Party.SOLVER:
        solver = max(game.solver_clock - elapsed, 0)
        challenger = max(game.challenger_clock, floor)
    else:
        challenger = max(game.challenger_clock - elapsed, 0)
        solver = max(game.solver_clock, floor)
    return replace(game, solver_clock=solver, challenger_clock=challenger, last_move_at=time)


@dataclass(frozen=True)
class StakeSnapshot:
    """An (account, role) stake (StakeState.SNAPSHOT) as plain values."""

    total: int = 0
    locked: int = 0
    pending_withdrawal: int = 0
    withdrawable_at: int = 0
    registered: bool = False

    def columns(self) -> dict[str, Any]:
        """The StakeState columns."""
        return dict(self.__dict__)

    @classmethod
    def of(cls, row: Any) -> StakeSnapshot:
        """From a Stake or StakeEvent row."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def stake_changed(
    stake: StakeSnapshot, kind: StakeEventKind, args: Mapping[str, Any]
) -> StakeSnapshot:
    """The stake right after one StakeManager event, as the contract computes it."""
    amount = int(args.get("amount", 0))
    if kind is StakeEventKind.DEPOSITED:
        return replace(stake, total=int(args["newTotal"]))
    if kind is StakeEventKind.WITHDRAWAL_REQUESTED:
        return replace(
            stake,
            pending_withdrawal=stake.pending_withdrawal + amount,
            withdrawable_at=int(args["withdrawableAt"]),
        )
    if kind is StakeEventKind.WITHDRAWN:
        return replace(stake, total=stake.total - amount, pending_withdrawal=0)
    if kind in (StakeEventKind.LOCKED, StakeEventKind.UNLOCKED):
        return replace(stake, locked=int(args["totalLocked"]))
    if kind is StakeEventKind.SLASHED:
        total, locked = stake.total - amount, stake.locked - amount
        return replace(
            stake,
            total=total,
            locked=locked,
            pending_withdrawal=min(stake.pending_withdrawal, total - locked),
        )
    return replace(stake, registered=kind is StakeEventKind.REGISTERED)
