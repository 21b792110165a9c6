"""Jobs (JobMarket): each job with its lifecycle transitions, its verifiers, their attestations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
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
        ),
        "settled": ("outcome", "fail_reason", "winning_challenger", "solver_pay", "verifier_pay"),
        "solver_settled": ("solver_slashed",),
        "verifiers_released": (),
        "forced_error": ("forced_error_challenger", "attesters_slashed"),
    }

    job_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[JobStatus] = mapped_column(JOB_STATUS, index=True)
    # JobPosted
    submitter: Mapped[str] = mapped_column(Address(), index=True)
    budget: Mapped[int] = mapped_column(Wei())  # escrowed, net of the tax
    tax: Mapped[int] = mapped_column(Wei())  # sent to the jackpot
    steps: Mapped[int] = mapped_column(BigInteger)  # T
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
    challenge_deadline: Mapped[int | None] = mapped_column(BigInteger)
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
    settled_at: Mapped[int | None] = mapped_column(BigInteger)
    settled_block: Mapped[int | None] = mapped_column(BigInteger)
    settled_tx: Mapped[str | None] = mapped_column(Hash32())
    # FailureSettled: the solver's stake slashed after the reveal window
    solver_slashed: Mapped[int | None] = mapped_column(Wei())
    solver_settled_at: Mapped[int | None] = mapped_column(BigInteger)
    solver_settled_block: Mapped[int | None] = mapped_column(BigInteger)
    solver_settled_tx: Mapped[str | None] = mapped_column(Hash32())
    # VerifiersReleased
    verifiers_released_at: Mapped[int | None] = mapped_column(BigInteger)
    verifiers_released_block: Mapped[int | None] = mapped_column(BigInteger)
    verifiers_released_tx: Mapped[str | None] = mapped_column(Hash32())
    # ForcedErrorMarked: a honeypot was revealed; attesters slashed
    forced_error_challenger: Mapped[str | None] = mapped_column(Address())
    attesters_slashed: Mapped[int | None] = mapped_column(Wei())
    forced_error_at: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_block: Mapped[int | None] = mapped_column(BigInteger)
    forced_error_tx: Mapped[str | None] = mapped_column(Hash32())

    assignments: Mapped[list[JobAssignment]] = relationship(
        viewonly=True, order_by="JobAssignment.position"
    )
    attestations: Mapped[list[Attestation]] = relationship(viewonly=True)
    games: Mapped[list[Game]] = relationship(viewonly=True, order_by="Game.game_id")

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
