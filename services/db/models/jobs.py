"""Jobs (JobMarket): each job with its lifecycle transitions, its verifiers, their attestations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from assay.protocol.types import JobStatus
from services.db.base import Base, ChainEvent, event_keys, in_check
from services.db.types import Address, EnumName, Hash32, Wei, enum_values

if TYPE_CHECKING:
    from services.db.models.games import Game

JOB_STATUS = EnumName(JobStatus, 16)
TERMINAL = (JobStatus.FINALIZED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED)


class Job(ChainEvent, Base):
    """A job: created by JobPosted (the event columns are that log's), then filled in by each
    lifecycle transition.

    The challenge window (`window_start`, `challenge_deadline`) is written at submission and
    moved by every ChallengeWindowRestarted (drawVerifiers filled a seat): each restart row keeps
    the window it replaced, so a rollback puts the window back (services/db/rollback.py).

    A transition is a group of columns written once by one event and named `<group>_at` (block
    time), `<group>_block`, `<group>_tx` plus the group's data (`TRANSITIONS`). A reorg rollback
    clears the groups written after the fork and recomputes `status` with `derive_status()`.
    Zero addresses on-chain (no winning challenger) are stored as NULL.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "job_id"),
        *event_keys(),
        in_check("status", enum_values(JobStatus)),
        in_check("outcome", [s.name.lower() for s in TERMINAL]),
    )

    # Extra data columns of each transition group (besides <group>_at/_block/_tx).
    TRANSITIONS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "claimed": ("solver", "stake_locked", "solve_deadline"),
        "submitted": (
            "final_state",
            "trace_root",
            "sealed_tag",
            "artifact_uri",
            "challenge_deadline",
            "window_start",
        ),
        "settled": (
            "outcome",
            "fail_reason",
            "winning_challenger",
            "solver_pay",
            "verifier_pay",
            "seats_filled",
            "seats_needed",
        ),
        "solver_settled": ("solver_slashed", "winner_share", "winner_sharers", "drawn_only"),
        "verifiers_released": (),
        "forced_error": (
            "forced_error_challenger",
            "attesters_slashed",
            "forced_error_step",
            "forced_error_op_index",
            "forced_error_drawn_winners",
        ),
    }

    job_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[JobStatus] = mapped_column(JOB_STATUS, index=True)
    # JobPosted
    submitter: Mapped[str] = mapped_column(Address(), index=True)
    budget: Mapped[int] = mapped_column(Wei())  # escrowed, net of the tax
    tax: Mapped[int] = mapped_column(Wei())  # sent to the jackpot
    steps: Mapped[int] = mapped_column(BigInteger)  # T
    ops_per_step: Mapped[int] = mapped_column(BigInteger)  # N: op trace r_0..r_N of every step
    spec_hash: Mapped[str] = mapped_column(Hash32())
    graph_hash: Mapped[str] = mapped_column(Hash32())
    initial_state: Mapped[str] = mapped_column(Hash32())  # h_0
    spec_uri: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[int] = synonym("block_time")
    # Params snapshotted at posting (IJobMarket.Params; read with getJob, they never change).
    solver_stake: Mapped[int] = mapped_column(Wei())
    verifier_stake: Mapped[int] = mapped_column(Wei())
    challenge_bond: Mapped[int] = mapped_column(Wei())
    claim_window: Mapped[int] = mapped_column(BigInteger)  # seconds
    solve_window: Mapped[int] = mapped_column(BigInteger)
    challenge_window: Mapped[int] = mapped_column(BigInteger)
    reveal_window: Mapped[int] = mapped_column(BigInteger)
    clock_budget: Mapped[int] = mapped_column(BigInteger)
    min_clock_extension: Mapped[int] = mapped_column(BigInteger)
    verifiers_per_job: Mapped[int] = mapped_column(Integer)
    bisection_arity: Mapped[int] = mapped_column(Integer)
    verifier_fee_bps: Mapped[int] = mapped_column(Integer)
    protocol_tax_bps: Mapped[int] = mapped_column(Integer)
    slash_winner_share_bps: Mapped[int] = mapped_column(Integer)
    max_ops_per_step: Mapped[int] = mapped_column(BigInteger)
    challenge_window_per_step: Mapped[int] = mapped_column(BigInteger)  # s added per step
    min_verifier_fee: Mapped[int] = mapped_column(Wei())  # least fee per drawn verifier
    # JobClaimed
    solver: Mapped[str | None] = mapped_column(Address(), index=True)
    stake_locked: Mapped[int | None] = mapped_column(Wei())
    solve_deadline: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[int | None] = mapped_column(BigInteger)
    claimed_block: Mapped[int | None] = mapped_column(BigInteger)
    claimed_tx: Mapped[str | None] = mapped_column(Hash32())
    # ResultSubmitted (one per job: the job row is also its result)
    final_state: Mapped[str | None] = mapped_column(Hash32())  # h_T claimed by the solver
    trace_root: Mapped[str | None] = mapped_column(Hash32())
    sealed_tag: Mapped[str | None] = mapped_column(Hash32())
    artifact_uri: Mapped[str | None] = mapped_column(Text)
    # The challenge window as it stands: from submission, or from the newest seat drawVerifiers
    # filled (ChallengeWindowRestarted), to challenge_deadline (unix s).
    challenge_deadline: Mapped[int | None] = mapped_column(BigInteger)
    window_start: Mapped[int | None] = mapped_column(BigInteger)
    submitted_at: Mapped[int | None] = mapped_column(BigInteger)
    submitted_block: Mapped[int | None] = mapped_column(BigInteger)
    submitted_tx: Mapped[str | None] = mapped_column(Hash32())
    # JobFinalized | JobFailed | JobCancelled | JobExpired: the terminal status (start of the
    # reveal window for Finalized/Failed)
    outcome: Mapped[JobStatus | None] = mapped_column(JOB_STATUS)
    fail_reason: Mapped[str | None] = mapped_column(Text)  # JobFailed's reason
    winning_challenger: Mapped[str | None] = mapped_column(Address())
    solver_pay: Mapped[int | None] = mapped_column(Wei())  # JobFinalized
    verifier_pay: Mapped[int | None] = mapped_column(Wei())  # JobFinalized: all attesters together
    # JobUnverified (expireUnverified: outcome Expired): verifier seats filled of those needed
    seats_filled: Mapped[int | None] = mapped_column(Integer)
    seats_needed: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[int | None] = mapped_column(BigInteger)
    settled_block: Mapped[int | None] = mapped_column(BigInteger)
    settled_tx: Mapped[str | None] = mapped_column(Hash32())
    # FailureSettled: the solver's stake slashed after the reveal window; `winner_share` of it
    # split among `winner_sharers` challengers: the drawn verifiers who won (`drawn_only`, paid
    # there), else every winner (each claims winner_share // winner_sharers).
    solver_slashed: Mapped[int | None] = mapped_column(Wei())
    winner_share: Mapped[int | None] = mapped_column(Wei())
    winner_sharers: Mapped[int | None] = mapped_column(Integer)
    drawn_only: Mapped[bool | None] = mapped_column(Boolean)
    solver_settled_at: Mapped[int | None] = mapped_column(BigInteger)
    solver_settled_block: Mapped[int | None] = mapped_column(BigInteger)
    solver_settled_tx: Mapped[str | None] = mapped_column(Hash32())
    # VerifiersReleased
    verifiers_released_at: Mapped[int | None] = mapped_column(BigInteger)
    verifiers_released_block: Mapped[int | None] = mapped_column(BigInteger)
    verifiers_released_tx: Mapped[str | None] = mapped_column(Hash32())
    # ForcedErrorMarked: a honeypot was revealed; attesters slashed. Where it erred (the end
    # state r_N of step forced_error_step, N = ops_per_step) and how many drawn verifiers won
    # a game there (they shared the attesters' winner share; none: it went to the treasury).
    forced_error_challenger: Mapped[str | None] = mapped_column(Address())
    attesters_slashed: Mapped[int | None] = mapped_column(Wei())
    forced_error_step: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_op_index: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_drawn_winners: Mapped[int | None] = mapped_column(Integer)
    forced_error_at: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_block: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_tx: Mapped[str | None] = mapped_column(Hash32())

    assignments: Mapped[list[JobAssignment]] = relationship(
        viewonly=True, order_by="JobAssignment.position"
    )
    attestations: Mapped[list[Attestation]] = relationship(viewonly=True)
    games: Mapped[list[Game]] = relationship(viewonly=True, order_by="Game.game_id")
    winners: Mapped[list[JobWinner]] = relationship(
        viewonly=True, order_by="[JobWinner.block_number, JobWinner.log_index]"
    )

    def derive_status(self) -> JobStatus:
        """The status the transitions recorded so far imply."""
        if self.outcome is not None:
            return self.outcome
        if self.submitted_block is not None:
            return JobStatus.SUBMITTED
        if self.claimed_block is not None:
            return JobStatus.CLAIMED
        return JobStatus.OPEN


class JobAssignment(ChainEvent, Base):
    """A verifier drawn for a job (VerifiersAssigned: one row per array element)."""

    __tablename__ = "job_assignments"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "job_id", "verifier"),
        *event_keys(position=True),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
    )

    job_id: Mapped[int] = mapped_column(BigInteger)
    verifier: Mapped[str] = mapped_column(Address(), index=True)
    position: Mapped[int] = mapped_column(Integer)  # index in the event's array


class Attestation(ChainEvent, Base):
    """An assigned verifier attested the job's result correct (Attested)."""

    __tablename__ = "attestations"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "job_id", "verifier"),
        *event_keys(),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["deployment_id", "job_id", "verifier"],
            [
                "job_assignments.deployment_id",
                "job_assignments.job_id",
                "job_assignments.verifier",
            ],
            ondelete="CASCADE",
        ),
    )

    job_id: Mapped[int] = mapped_column(BigInteger)
    verifier: Mapped[str] = mapped_column(Address(), index=True)


class JobWinner(ChainEvent, Base):
    """A challenger who won a game on the job (JobMarket's GameResolved with challengerWon; at
    most one win per challenger and job), as IJobMarket.Win has it: whether it was a drawn
    verifier of the job and, when the court ruled the solver wrong, where (step, op_index).

    `paid`: its share of a slash was credited (WinnerSharePaid: the solver's, by settleFailure or
    claimWinnerShare, or the attesters', by a forced-error reveal). `jackpot`: its part of a
    forced-error jackpot (JackpotPaid).
    """

    __tablename__ = "job_winners"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "job_id", "challenger"),
        *event_keys(),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            ondelete="CASCADE",
        ),
        Index(None, "deployment_id", "challenger"),
    )

    TRANSITIONS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "paid": ("paid_amount",),
        "jackpot": ("jackpot",),
    }

    job_id: Mapped[int] = mapped_column(BigInteger)
    challenger: Mapped[str] = mapped_column(Address())
    game_id: Mapped[int] = mapped_column(BigInteger)  # the game it won
    drawn: Mapped[bool] = mapped_column(Boolean)  # a drawn verifier of the job
    adjudicated: Mapped[bool] = mapped_column(Boolean)  # won by the court's ruling
    step: Mapped[int | None] = mapped_column(BigInteger)  # where the court ruled (adjudicated)
    op_index: Mapped[int | None] = mapped_column(BigInteger)
    # WinnerSharePaid
    paid_amount: Mapped[int | None] = mapped_column(Wei())
    paid_at: Mapped[int | None] = mapped_column(BigInteger)
    paid_block: Mapped[int | None] = mapped_column(BigInteger)
    paid_tx: Mapped[str | None] = mapped_column(Hash32())
    # JackpotPaid
    jackpot: Mapped[int | None] = mapped_column(Wei())
    jackpot_at: Mapped[int | None] = mapped_column(BigInteger)
    jackpot_block: Mapped[int | None] = mapped_column(BigInteger)
    jackpot_tx: Mapped[str | None] = mapped_column(Hash32())


class ChallengeWindowRestart(ChainEvent, Base):
    """drawVerifiers filled missing seats and restarted the job's challenge window
    (ChallengeWindowRestarted). `previous_*` is the window it replaced (what a rollback of this
    row puts back on the job)."""

    __tablename__ = "challenge_window_restarts"
    __table_args__ = (
        *event_keys(primary=True),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
        Index(None, "deployment_id", "job_id"),
    )

    job_id: Mapped[int] = mapped_column(BigInteger)
    seats_filled: Mapped[int] = mapped_column(Integer)  # seats filled now, of verifiers_per_job
    window_start: Mapped[int] = mapped_column(BigInteger)  # this block's time
    challenge_deadline: Mapped[int] = mapped_column(BigInteger)
    previous_window_start: Mapped[int | None] = mapped_column(BigInteger)
    previous_deadline: Mapped[int | None] = mapped_column(BigInteger)
