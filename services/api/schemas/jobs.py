"""Response models of the jobs routes: list items, the job in full, and its timeline."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from services.api.schemas.common import (
    EXAMPLE_SHA256,
    Address,
    BlockNumber,
    DisputeState,
    Hash32,
    JobState,
    MoveName,
    UnixTime,
    Wei,
)
from services.api.schemas.pages import PageInfo


class JobSummary(BaseModel):
    """A job as listed: who, how much, and where it stands."""

    deployment_id: int = Field(examples=[1])
    job_id: int = Field(ge=0, examples=[7])
    status: JobState
    submitter: Address
    solver: Address | None = Field(description="Set once the job is claimed.")
    budget: Wei = Field(description="Escrowed budget, net of the protocol tax.")
    steps: int = Field(ge=0, description="Training steps T.", examples=[500])
    spec_hash: Hash32
    spec_uri: str = Field(examples=[f"assay://{EXAMPLE_SHA256}?peer=tcp://127.0.0.1:5555"])
    posted_at: UnixTime
    claimed_at: UnixTime | None
    submitted_at: UnixTime | None
    settled_at: UnixTime | None


class JobPage(PageInfo):
    """One page of jobs, newest first."""

    items: list[JobSummary]


class JobParams(BaseModel):
    """The protocol parameters snapshotted when the job was posted (they never change)."""

    solver_stake: Wei
    verifier_stake: Wei
    challenge_bond: Wei
    claim_window: int = Field(description="Seconds.", examples=[3600])
    solve_window: int = Field(description="Seconds.", examples=[86400])
    challenge_window: int = Field(description="Seconds.", examples=[600])
    reveal_window: int = Field(description="Seconds.", examples=[600])
    clock_budget: int = Field(description="Each party's chess clock (s).", examples=[300])
    min_clock_extension: int = Field(examples=[60])
    verifiers_per_job: int = Field(examples=[2])
    bisection_arity: int = Field(examples=[2])
    verifier_fee_bps: int = Field(examples=[500])
    protocol_tax_bps: int = Field(examples=[100])
    slash_winner_share_bps: int = Field(examples=[5000])
    max_ops_per_step: int = Field(examples=[100000])


class JobResult(BaseModel):
    """The solver's one result submission."""

    final_state: Hash32 | None = Field(description="h_T claimed by the solver.")
    trace_root: Hash32 | None
    sealed_tag: Hash32 | None
    artifact_uri: str | None
    challenge_deadline: UnixTime | None


class JobSettlement(BaseModel):
    """How the job ended and who was paid or slashed."""

    outcome: JobState
    fail_reason: str | None
    winning_challenger: Address | None
    solver_pay: Wei | None
    verifier_pay: Wei | None = Field(description="Paid to all attesting verifiers together.")
    solver_slashed: Wei | None = Field(description="After a failure, once the reveal ended.")
    attesters_slashed: Wei | None = Field(description="When a honeypot was revealed.")
    forced_error_challenger: Address | None


class VerifierAssignment(BaseModel):
    """A verifier drawn for the job, and whether it attested."""

    verifier: Address
    position: int
    attested_at: UnixTime | None


class DisputeBrief(BaseModel):
    """A dispute game on this job (GET /v1/disputes/{game_id} has it in full)."""

    game_id: int
    status: DisputeState
    challenger: Address
    winner: Address | None
    started_at: UnixTime


class TimelineKind(enum.StrEnum):
    """What happened (one chain event, or one column group the event wrote)."""

    POSTED = "posted"
    CLAIMED = "claimed"
    VERIFIER_ASSIGNED = "verifier_assigned"
    SUBMITTED = "submitted"
    ATTESTED = "attested"
    DISPUTE_STARTED = "dispute_started"
    DISPUTE_MOVE = "dispute_move"
    DISPUTE_RESOLVED = "dispute_resolved"
    FINALIZED = "finalized"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILURE_SETTLED = "failure_settled"
    VERIFIERS_RELEASED = "verifiers_released"
    FORCED_ERROR_MARKED = "forced_error_marked"
    FORCED_ERROR_REVEALED = "forced_error_revealed"
    PAYOUT = "payout"
    SLASHED = "slashed"


class TimelineEvent(BaseModel):
    """One step of a job's history, in chain order."""

    kind: TimelineKind
    block_number: BlockNumber
    block_time: UnixTime
    tx_hash: Hash32
    log_index: int | None = Field(
        description="The log's index in its block; null for lifecycle columns the job row "
        "keeps without it (claimed, submitted, settled…)."
    )
    account: Address | None = Field(
        default=None, description="Who acted, was paid or slashed (by kind)."
    )
    amount: Wei | None = Field(default=None, description="Paid, slashed or staked (by kind).")
    game_id: int | None = None
    move: MoveName | None = Field(default=None, description="For dispute events.")
    note: str | None = Field(
        default=None,
        description="A short reason or cause, e.g. the failure reason or `solver_pay`.",
        examples=["solver_pay"],
    )


class JobDetail(JobSummary):
    """A job in full: posting, parameters, result, settlement, verifiers, disputes, timeline."""

    tax: Wei = Field(description="Sent to the jackpot pool at posting.")
    graph_hash: Hash32
    initial_state: Hash32
    params: JobParams
    stake_locked: Wei | None
    solve_deadline: UnixTime | None
    result: JobResult | None = Field(description="Null until the solver submits.")
    settlement: JobSettlement | None = Field(description="Null until the job ends.")
    verifiers: list[VerifierAssignment]
    disputes: list[DisputeBrief]
    timeline: list[TimelineEvent]
