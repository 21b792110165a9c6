"""Response models of accounts and the leaderboard."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from services.api.schemas.common import Address, RoleName, UnixTime, Wei


class RoleStake(BaseModel):
    """An account's stake in one role, and what was slashed from it."""

    role: RoleName
    total: Wei = Field(description="Staked, including locked and pending withdrawal.")
    locked: Wei = Field(description="Held by protocol contracts (slashable).")
    pending_withdrawal: Wei
    withdrawable_at: UnixTime = Field(description="0 if nothing was requested.")
    free: Wei = Field(description="Can be locked or requested for withdrawal.")
    registered: bool = Field(description="In the role's draw registry.")
    slashed: Wei = Field(description="Slashed from this role's stake, all time.")


class EarningsByCause(BaseModel):
    """Credits of one cause (solver_pay, verifier_fee, jackpot…; `unknown` if not indexed)."""

    cause: str = Field(examples=["verifier_fee"])
    amount: Wei


class Account(BaseModel):
    """An address's stakes, earnings, slashes and claimable credit in one deployment.

    `earned` counts every credit except returns of the account's own money (refund,
    bond_refund, honeypot_reimbursement); `credits` is what it can claim now.
    """

    deployment_id: int | None = Field(description="Null when the database has no deployment.")
    address: Address
    stakes: list[RoleStake]
    staked: Wei = Field(description="Sum of the stakes' totals.")
    locked: Wei
    slashed: Wei
    earned: Wei
    earned_by_cause: list[EarningsByCause]
    credits: Wei = Field(description="Credit balance, claimable now.")
    claimed: Wei = Field(description="Credit withdrawn so far.")
    jobs_submitted: int
    jobs_solved: int = Field(description="Jobs finalized with this account as the solver.")
    jobs_attested: int


class LeaderboardRole(enum.StrEnum):
    """Which ranking."""

    SOLVER = "solver"
    VERIFIER = "verifier"


class LeaderboardOrder(enum.StrEnum):
    """What the ranking is by."""

    EARNINGS = "earnings"
    JOBS = "jobs"


class LeaderboardEntry(BaseModel):
    """One ranked account."""

    rank: int = Field(ge=1, examples=[1])
    account: Address
    earnings: Wei
    jobs: int = Field(ge=0, examples=[12])


class Leaderboard(BaseModel):
    """Solvers (pay of their finalized jobs; jobs = finalized jobs solved) or verifiers (fee
    shares of the finalized jobs they attested plus jackpots won; jobs = attestations)."""

    deployment_id: int | None
    role: LeaderboardRole
    by: LeaderboardOrder
    entries: list[LeaderboardEntry]
