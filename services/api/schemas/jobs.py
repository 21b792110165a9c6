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
    ops_per_step: int = Field(
        ge=0,
        description="Operators per step N, fixed by the job's graph: every step's op trace is "
        "r_0..r_N, and r_N is the step's end state h_s (0: indexed before the protocol bound N "
        "on chain; re-index).",
        examples=[12],
    )
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
    challenge_window_per_step: int = Field(
        description="Seconds added to the challenge window per training step.", examples=[0]
    )
    min_verifier_fee: Wei = Field(description="The least fee a job offers each drawn verifier.")


class JobResult(BaseModel):
    """The solver's one result submission."""

    final_state: Hash32 | None = Field(description="h_T claimed by the solver.")
    trace_root: Hash32 | None
    sealed_tag: Hash32 | None
    artifact_uri: str | None
    window_start: UnixTime | None = Field(
        description="When the challenge window opened: the submission, or the newest verifier "
        "seat filled later (drawVerifiers restarts the window)."
    )
    challenge_deadline: UnixTime | None = Field(
        description="When the challenge window closes, as it stands now."
    )
    window_restarts: int = Field(
        ge=0, description="How often drawVerifiers filled missing seats and restarted the window."
    )


class ForcedErrorOut(BaseModel):
    """A revealed honeypot: where it erred on purpose (the end state r_N of `step`, N = the
    job's ops_per_step), who revealed it and what the reveal paid."""

    step: int = Field(ge=0, examples=[3])
    op_index: int = Field(ge=0, description="Always the job's ops_per_step N.", examples=[12])
    drawn_winners: int = Field(
        ge=0,
        description="Drawn verifiers who won a game there: they shared the attesters' winner "
        "share and the jackpot (none: both stayed with the treasury and the pool).",
    )
    attesters_slashed: Wei | None
    whistleblower: Address | None = Field(description="Null if the reveal is not indexed.")
    jackpot: Wei | None = Field(description="All drawn winners' parts together.")
    reimbursed: Wei | None = Field(description="Paid back to the submitter.")
    revealed_at: UnixTime | None


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
    seats_filled: int | None = Field(
        description="Expired unverified (its verifier seats stayed empty): seats filled."
    )
    seats_needed: int | None = Field(description="Expired unverified: the seats it needed.")
    winner_share: Wei | None = Field(
        description="After a failure: the part of the solver's slash that went to winners."
    )
    winner_sharers: int | None = Field(description="How many winners shared it.")
    drawn_only: bool | None = Field(
        description="True: only the drawn verifiers who won shared it (paid at settlement); "
        "false: every winner, each claiming winner_share / winner_sharers."
    )
    forced_error: ForcedErrorOut | None = Field(description="Null unless revealed a honeypot.")


class JobWinnerOut(BaseModel):
    """A challenger who won a game on the job, and what it was paid for it."""

    challenger: Address
    game_id: int
    drawn: bool = Field(description="A drawn verifier of the job (drawn winners come first).")
    adjudicated: bool = Field(description="Won by the referee court's ruling.")
    step: int | None = Field(description="Where the court ruled the solver wrong: the step…")
    op_index: int | None = Field(description="…and the operator (N: the step's end state).")
    won_at: UnixTime
    share_paid: Wei | None = Field(
        description="Its share of a slash, once credited (the solver's, or on a reveal the "
        "attesters'); null until then."
    )
    share_paid_at: UnixTime | None
    jackpot: Wei | None = Field(description="Its part of a forced-error jackpot.")
    jackpot_paid_at: UnixTime | None


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
    CHALLENGE_WINDOW_RESTARTED = "challenge_window_restarted"
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
    winners: list[JobWinnerOut] = Field(
        description="Challengers who won a game on the job, in the order they won."
    )
    disputes: list[DisputeBrief]
    timeline: list[TimelineEvent]
