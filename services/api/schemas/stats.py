"""Response models of protocol-wide figures and deployments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.api.schemas.common import Address, BlockNumber, Wei


class ProtocolStats(BaseModel):
    """Counts and totals over one deployment, as indexed."""

    deployment_id: int | None = Field(description="Null when the database has no deployment.")
    jobs: int
    jobs_by_status: dict[str, int] = Field(
        description="Every job status, with 0 for those no job has.",
        examples=[{"open": 2, "claimed": 1, "submitted": 0, "finalized": 9, "failed": 1}],
    )
    disputes: int
    disputes_by_status: dict[str, int]
    escrow: Wei = Field(description="Budgets of open, claimed and submitted jobs.")
    staked: Wei
    locked: Wei
    slashed: Wei = Field(description="All stake slashed, all roles.")
    pool: Wei = Field(description="The forced-error jackpot pool.")
    stakers: int = Field(description="Accounts with a stake in any role.")
    indexed_block: BlockNumber | None = Field(description="The indexer's cursor.")


class DeploymentOut(BaseModel):
    """A deployment of the protocol the database indexes."""

    id: int = Field(examples=[1])
    chain_id: int = Field(examples=[31337])
    start_block: BlockNumber
    job_market: Address
    stake_manager: Address
    dispute_game: Address
    referee_court: Address
    forced_error_registry: Address
    created_at: datetime
    indexed_block: BlockNumber | None = Field(description="The indexer's cursor, if any.")


class DeploymentList(BaseModel):
    """Every deployment, newest first; routes default to the first."""

    items: list[DeploymentOut]
