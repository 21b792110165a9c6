"""Response models of an account's activity: its stake and credit ledgers, its jobs and games."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.api.schemas.common import (
    Address,
    BlockNumber,
    DisputeState,
    Hash32,
    JobState,
    RoleName,
    UnixTime,
    Wei,
)


class LedgerEntry(BaseModel):
    """One stake change (lock, unlock, slash, deposit…) or credit event, with its transaction."""

    kind: str = Field(examples=["locked", "slashed", "credited"])
    role: RoleName | None = Field(description="The stake's role (None for credit events).")
    amount: Wei | None
    cause: str | None = Field(examples=["solver_claim", "verifier_fee"])
    job_id: int | None
    game_id: int | None
    block_number: BlockNumber
    block_time: UnixTime
    tx_hash: Hash32


class AccountJob(BaseModel):
    """A job the account took part in, and how."""

    job_id: int
    status: JobState
    roles: list[str] = Field(examples=[["submitter", "verifier"]])
    budget: Wei


class AccountGame(BaseModel):
    """A dispute game the account played, and on which side."""

    game_id: int
    job_id: int
    status: DisputeState
    side: str = Field(examples=["challenger"])
    winner: Address | None


class AccountActivity(BaseModel):
    """What an account did in one deployment, newest first."""

    stake_events: list[LedgerEntry]
    credit_events: list[LedgerEntry]
    jobs: list[AccountJob]
    games: list[AccountGame]
