"""Response models of the dispute routes: a game's bisection state, clocks, moves and court."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.api.schemas.common import (
    Address,
    BlockNumber,
    DisputeState,
    Hash32,
    MoveName,
    PartyName,
    UnixTime,
    Wei,
)
from services.api.schemas.pages import PageInfo


class DisputeSummary(BaseModel):
    """A dispute game as listed."""

    deployment_id: int = Field(examples=[1])
    game_id: int = Field(ge=0, examples=[3])
    job_id: int = Field(ge=0, examples=[7])
    status: DisputeState
    phase: int | None = Field(
        ge=1,
        le=3,
        description="1 bisecting steps, 2 bisecting one step's op trace, 3 adjudicating one "
        "operator; null once resolved.",
        examples=[1],
    )
    challenger: Address
    solver: Address
    bond: Wei
    started_at: UnixTime
    updated_at: UnixTime = Field(description="Time of the newest move.")
    winner: Address | None
    reason: str | None = Field(description="How it was resolved.", examples=["timeout"])


class DisputePage(PageInfo):
    """One page of dispute games, newest first."""

    items: list[DisputeSummary]


class Bisection(BaseModel):
    """Where the bisection stands: the interval still in dispute and whose move it is."""

    lo: int = Field(ge=0, description="Agreed position (a step in phase 1, an op in phase 2).")
    hi: int = Field(ge=0, description="Disputed position.")
    width: int = Field(ge=0, description="hi - lo: positions left in dispute.")
    lo_hash: Hash32 | None = Field(description="Agreed hash at lo.")
    hi_hash: Hash32 | None = Field(description="The solver's hash at hi.")
    rounds: int = Field(ge=0, description="open + choose rounds played.")
    step: int | None = Field(description="The disputed step s (phase 2 on).")
    n_ops: int | None = Field(description="Operators in step s's op trace (phase 2 on).")
    op_root: Hash32 | None
    request_id: int | None = Field(description="The adjudication request (phase 3).")
    turn: PartyName | None = Field(description="Whose move; null while adjudicating or resolved.")
    turn_account: Address | None = Field(description="The address of the party to move.")


class Clocks(BaseModel):
    """The chess clocks, as of the newest move (null: the indexer does not track them)."""

    last_move_at: UnixTime
    solver_s: int | None = Field(description="Seconds left on the solver's clock.")
    challenger_s: int | None = Field(description="Seconds left on the challenger's clock.")
    turn_deadline: UnixTime | None = Field(
        description="When the party to move runs out of time (last_move_at + its clock)."
    )


class MoveState(BaseModel):
    """The game's state right after a move."""

    status: DisputeState
    turn: PartyName | None
    lo: int
    hi: int
    lo_hash: Hash32 | None
    hi_hash: Hash32 | None
    rounds: int
    step: int | None
    n_ops: int | None
    op_root: Hash32 | None
    request_id: int | None
    solver_clock: int | None
    challenger_clock: int | None
    winner: Address | None
    reason: str | None


class Move(BaseModel):
    """One DisputeGame event of the game, in chain order."""

    kind: MoveName
    party: PartyName | None = Field(description="Who moved; null when anyone may call.")
    actor: Address | None = Field(description="The transaction's sender, when known.")
    block_number: BlockNumber
    block_time: UnixTime
    tx_hash: Hash32
    log_index: int
    positions: list[int] | None = Field(description="Opened: the interior points.")
    hashes: list[Hash32] | None = Field(description="Opened: the solver's hashes at them.")
    state: MoveState


class CommitteeMemberOut(BaseModel):
    """A referee drawn into a round: its vote and whether it was slashed."""

    referee: Address
    output: Hash32 | None = Field(description="Its vote (the output it recomputed).")
    slashed: bool
    no_show: bool | None = Field(description="Slashed for not voting (true) or dissent.")


class CommitteeRoundOut(BaseModel):
    """A committee drawn for an adjudication request."""

    round: int = Field(ge=1)
    deadline: UnixTime
    size: int
    no_majority_at: UnixTime | None
    members: list[CommitteeMemberOut]


class PendingDraw(BaseModel):
    """A committee round scheduled and not drawn yet: anyone may call drawCommittee once the
    chain is past `draw_block` (whose randomness seeds the draw)."""

    round: int = Field(ge=1)
    draw_block: BlockNumber
    scheduled_at: UnixTime


class Adjudication(BaseModel):
    """One operator sent to the referee court, and its answer."""

    request_id: int
    step: int
    op_index: int
    input_hash: Hash32 | None
    claimed_output: Hash32 | None
    decision: Hash32 | None
    decided_votes: int | None
    decided_at: UnixTime | None
    rounds: list[CommitteeRoundOut]
    pending_draw: PendingDraw | None = Field(
        description="The round waiting for its committee draw; null once drawn or decided."
    )


class DisputeDetail(DisputeSummary):
    """A dispute game in full: its bisection state, clocks, every move and the court."""

    steps: int = Field(description="T of the job.")
    bisection: Bisection
    clocks: Clocks
    moves: list[Move]
    adjudications: list[Adjudication]
