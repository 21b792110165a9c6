"""Adjudication (IOpAdjudicator / RefereeCourt): requests, committee rounds, members and votes.

RefereeCourt only schedules a round's draw (DrawScheduled: a CommitteeDraw row, logged before
AdjudicationRequested in the requesting transaction, and again when a draw is re-scheduled) and
draws it in a later `drawCommittee` transaction, so CommitteeDrawn follows AdjudicationRequested;
a round is pending while it has a CommitteeDraw and no CommitteeRound; rounds still reference their
request by id without a foreign key, so they can be written in log order either way. A voter of a
round without majority is slashed (RefereeSlashed, naming the round it voted in) only when the
request is finally decided.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, ChainEvent, event_keys
from services.db.types import Address, Hash32


def _game_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["deployment_id", "game_id"],
        ["games.deployment_id", "games.game_id"],
        ondelete="CASCADE",
    )


class AdjudicationRequest(ChainEvent, Base):
    """A game isolated one operator and asked the adjudicator (AdjudicationRequested), then the
    court's answer (the `decided` transition, from Decided)."""

    __tablename__ = "adjudication_requests"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "request_id"),
        *event_keys(),
        _game_fk(),
        Index(None, "deployment_id", "game_id"),
    )

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {"decided": ("decision", "decided_votes")}

    request_id: Mapped[int] = mapped_column(BigInteger)
    game_id: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int] = mapped_column(BigInteger)
    op_index: Mapped[int] = mapped_column(BigInteger)  # operator j
    input_hash: Mapped[str | None] = mapped_column(Hash32())  # agreed record r_{j-1}
    claimed_output: Mapped[str | None] = mapped_column(Hash32())  # the solver's r_j
    # Decided
    decision: Mapped[str | None] = mapped_column(Hash32())  # the majority's output
    decided_votes: Mapped[int | None] = mapped_column(Integer)  # votes for it
    decided_at: Mapped[int | None] = mapped_column(BigInteger)
    decided_block: Mapped[int | None] = mapped_column(BigInteger)
    decided_tx: Mapped[str | None] = mapped_column(Hash32())


class CommitteeRound(ChainEvent, Base):
    """A committee drawn for a request (CommitteeDrawn); `no_majority` when it failed to decide
    (NoMajority) and a new round was drawn."""

    __tablename__ = "committee_rounds"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "request_id", "round"),
        *event_keys(),
        _game_fk(),
    )

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {"no_majority": ()}

    request_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(Integer)  # from 1
    game_id: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[int] = mapped_column(BigInteger)  # votes close (unix s)
    size: Mapped[int] = mapped_column(Integer)  # referees drawn (0: nobody eligible, redrawn later)
    no_majority_at: Mapped[int | None] = mapped_column(BigInteger)
    no_majority_block: Mapped[int | None] = mapped_column(BigInteger)
    no_majority_tx: Mapped[str | None] = mapped_column(Hash32())


class CommitteeMember(ChainEvent, Base):
    """A referee drawn into a round (one row per element of CommitteeDrawn's array); `slashed`
    when it dissented or did not vote (RefereeSlashed)."""

    __tablename__ = "committee_members"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "request_id", "round", "referee"),
        *event_keys(position=True),
        ForeignKeyConstraint(
            ["deployment_id", "request_id", "round"],
            [
                "committee_rounds.deployment_id",
                "committee_rounds.request_id",
                "committee_rounds.round",
            ],
            ondelete="CASCADE",
        ),
    )

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {"slashed": ("no_show",)}

    request_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(Integer)
    referee: Mapped[str] = mapped_column(Address(), index=True)
    position: Mapped[int] = mapped_column(Integer)  # index in the event's array
    # RefereeSlashed
    no_show: Mapped[bool | None] = mapped_column(Boolean)  # True: did not vote; False: dissented
    slashed_at: Mapped[int | None] = mapped_column(BigInteger)
    slashed_block: Mapped[int | None] = mapped_column(BigInteger)
    slashed_tx: Mapped[str | None] = mapped_column(Hash32())


class AdjudicationVote(ChainEvent, Base):
    """A referee's vote: the output hash it recomputed (Voted)."""

    __tablename__ = "adjudication_votes"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "request_id", "round", "referee"),
        *event_keys(),
        ForeignKeyConstraint(
            ["deployment_id", "request_id", "round", "referee"],
            [
                "committee_members.deployment_id",
                "committee_members.request_id",
                "committee_members.round",
                "committee_members.referee",
            ],
            ondelete="CASCADE",
        ),
    )

    request_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(Integer)
    referee: Mapped[str] = mapped_column(Address(), index=True)
    output: Mapped[str] = mapped_column(Hash32())


class CommitteeDraw(ChainEvent, Base):
    """A round's committee draw scheduled at block `draw_block` (DrawScheduled): `drawCommittee`
    may draw it once that block is past; a draw whose randomness expired is scheduled again."""

    __tablename__ = "committee_draws"
    __table_args__ = (
        *event_keys(primary=True),
        _game_fk(),
        Index(None, "deployment_id", "request_id"),
    )

    request_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(Integer)  # from 1
    game_id: Mapped[int] = mapped_column(BigInteger)
    draw_block: Mapped[int] = mapped_column(BigInteger)  # its randomness seeds the draw
