"""Dispute games (DisputeGame): the game as it stands and every move that got it there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from assay.protocol.types import GameStatus, Party
from services.db.base import Base, ChainEvent, event_keys, in_check
from services.db.enums import MoveKind
from services.db.types import JSON_VALUE, Address, EnumName, Hash32, Wei, enum_values

if TYPE_CHECKING:
    from services.db.models.jobs import Job

GAME_STATUS = EnumName(GameStatus, 20)
PARTY = EnumName(Party, 12)


class GameState:
    """The mutable state of a game, as of a move: games hold the latest, each move its own.

    Restoring a game after a reorg copies these columns from its newest surviving move.
    """

    SNAPSHOT: ClassVar[tuple[str, ...]] = (
        "status",
        "turn",
        "lo",
        "hi",
        "lo_hash",
        "hi_hash",
        "rounds",
        "step",
        "n_ops",
        "op_root",
        "request_id",
        "last_move_at",
        "solver_clock",
        "challenger_clock",
        "winner",
        "reason",
    )

    status: Mapped[GameStatus] = mapped_column(GAME_STATUS)  # the phase, or the outcome
    turn: Mapped[Party | None] = mapped_column(PARTY)  # None while adjudicating or resolved
    lo: Mapped[int] = mapped_column(BigInteger)  # agreed position
    hi: Mapped[int] = mapped_column(BigInteger)  # disputed position
    lo_hash: Mapped[str | None] = mapped_column(Hash32())  # agreed hash at lo (None: not known)
    hi_hash: Mapped[str | None] = mapped_column(Hash32())  # the solver's hash at hi
    rounds: Mapped[int] = mapped_column(Integer)  # open+choose rounds played
    step: Mapped[int | None] = mapped_column(BigInteger)  # disputed step s (phase 2 on)
    n_ops: Mapped[int | None] = mapped_column(BigInteger)  # N of step s's op trace (phase 2 on)
    op_root: Mapped[str | None] = mapped_column(Hash32())
    request_id: Mapped[int | None] = mapped_column(BigInteger)  # adjudication request (phase 3)
    last_move_at: Mapped[int] = mapped_column(BigInteger)  # the clocks run from here (unix s)
    # Seconds left on each chess clock as of last_move_at (None if the indexer does not track them).
    solver_clock: Mapped[int | None] = mapped_column(BigInteger)
    challenger_clock: Mapped[int | None] = mapped_column(BigInteger)
    winner: Mapped[str | None] = mapped_column(Address())  # once resolved
    reason: Mapped[str | None] = mapped_column(Text)  # GameResolved's ('timeout', …)

    @property
    def phase(self) -> int | None:
        """1 bisecting steps, 2 the op trace of one step, 3 adjudication; None once resolved."""
        return _PHASES.get(self.status)

    def snapshot(self) -> dict[str, Any]:
        """The state columns, to copy between a game and a move."""
        return {name: getattr(self, name) for name in self.SNAPSHOT}


_PHASES = {
    GameStatus.STEP_BISECTION: 1,
    GameStatus.AWAITING_OP_TRACE: 2,
    GameStatus.OP_BISECTION: 2,
    GameStatus.ADJUDICATING: 3,
}


def _state_checks() -> tuple[Any, ...]:
    return (in_check("status", enum_values(GameStatus)), in_check("turn", enum_values(Party)))


class Game(GameState, ChainEvent, Base):
    """A 1-vs-1 game on a job's result: created by GameStarted (the event columns are that log's),
    kept at the state of its newest move (`updated_block`)."""

    __tablename__ = "games"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "game_id"),
        *event_keys(),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
        Index(None, "deployment_id", "job_id"),
        *_state_checks(),
    )

    game_id: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int] = mapped_column(BigInteger)
    challenger: Mapped[str] = mapped_column(Address(), index=True)
    solver: Mapped[str] = mapped_column(Address(), index=True)  # the job's solver
    steps: Mapped[int] = mapped_column(BigInteger)  # T of the job
    bond: Mapped[int] = mapped_column(Wei())
    started_at: Mapped[int] = synonym("block_time")
    updated_block: Mapped[int] = mapped_column(BigInteger)  # block of the newest move
    updated_at: Mapped[int] = mapped_column(BigInteger)  # its time

    job: Mapped[Job] = relationship(viewonly=True)
    moves: Mapped[list[GameMove]] = relationship(
        viewonly=True, order_by=lambda: (GameMove.block_number, GameMove.log_index)
    )


class GameMove(GameState, ChainEvent, Base):
    """One DisputeGame event of a game, with the game's state right after it.

    `kind` names the event; `party` who moved (None when anyone may call, e.g. timeout); `actor`
    the transaction's sender when the indexer looked it up. Opened's points are in `positions` /
    `hashes` (JSON lists of ints / hex); Narrowed's new interval and StepIsolated's step are the
    state columns.
    """

    __tablename__ = "game_moves"
    __table_args__ = (
        *event_keys(primary=True),
        ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            ondelete="CASCADE",
        ),
        Index(None, "deployment_id", "game_id", "block_number", "log_index"),
        in_check("kind", enum_values(MoveKind)),
        *_state_checks(),
        in_check("party", enum_values(Party)),
    )

    game_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[MoveKind] = mapped_column(EnumName(MoveKind, 24))
    party: Mapped[Party | None] = mapped_column(PARTY)
    actor: Mapped[str | None] = mapped_column(Address())
    positions: Mapped[list[int] | None] = mapped_column(JSON_VALUE)
    hashes: Mapped[list[str] | None] = mapped_column(JSON_VALUE)
