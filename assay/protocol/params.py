"""Typed governance parameters of each contract with devnet defaults, mapped to ABI structs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

ETHER = 10**18
MINUTE = 60
HOUR = 3600
DAY = 86_400


class _StructModel(BaseModel):
    """A pydantic model whose fields, in order, are a Solidity struct's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct as web3 takes it (a tuple in declaration order)."""
        return tuple(getattr(self, name) for name in type(self).model_fields)

    @classmethod
    def from_tuple(cls, values: Sequence[Any]) -> Self:
        """Build from the tuple web3 returns for the struct."""
        return cls(**dict(zip(cls.model_fields, values, strict=True)))


class MarketParams(_StructModel):
    """IJobMarket.Params: snapshotted into every job at posting."""

    solverStake: int = Field(
        default=1 * ETHER, ge=0, description="stake locked from the solver at claim"
    )
    verifierStake: int = Field(
        default=ETHER // 2, ge=0, description="stake locked per assigned verifier"
    )
    challengeBond: int = Field(default=ETHER // 10, ge=0, description="bond to open a dispute game")
    claimWindow: int = Field(
        default=30 * MINUTE, ge=0, description="seconds to claim after posting"
    )
    solveWindow: int = Field(
        default=60 * MINUTE, ge=0, description="seconds to submit after claiming"
    )
    challengeWindow: int = Field(
        default=10 * MINUTE, ge=0, description="seconds to attest or challenge"
    )
    revealWindow: int = Field(
        default=10 * MINUTE, ge=0, description="seconds to reveal a forced error"
    )
    clockBudget: int = Field(default=1 * HOUR, ge=0, description="seconds on each chess clock")
    minClockExtension: int = Field(
        default=5 * MINUTE, ge=0, description="clock top-up after a move"
    )
    verifiersPerJob: int = Field(default=2, ge=0, description="verifiers drawn at submission")
    bisectionArity: int = Field(default=2, ge=2, description="k of the k-ary bisection")
    verifierFeeBps: int = Field(
        default=500, ge=0, le=10_000, description="budget share to attesters"
    )
    protocolTaxBps: int = Field(
        default=200, ge=0, le=10_000, description="budget share to the jackpot"
    )
    slashWinnerShareBps: int = Field(
        default=5000, ge=0, lt=10_000, description="slash share to winner"
    )
    maxOpsPerStep: int = Field(default=65_536, ge=1, description="longest op trace of one step")
    # A verifier must replay the whole job inside the window: the window grows with its steps
    # (1 s per step on the devnet: a 500-step job gets 8 min 20 s on top of the base window).
    challengeWindowPerStep: int = Field(
        default=1, ge=0, le=DAY, description="seconds added to the challenge window per step"
    )
    minVerifierFee: int = Field(
        default=10**12, ge=0, description="least fee (wei) a job must offer each drawn verifier"
    )


class CourtParams(_StructModel):
    """IRefereeCourt.Params."""

    committeeSize: int = Field(
        default=3, ge=1, description="referees per committee (odd; a majority is more than half)"
    )
    voteWindow: int = Field(default=1 * HOUR, ge=1, description="base vote seconds")
    voteWindowPerStep: int = Field(
        default=1 * MINUTE,
        ge=0,
        description="extra vote seconds per step before the disputed one (replay fallback)",
    )
    refereeStake: int = Field(
        default=ETHER // 2, ge=0, description="stake locked per drawn referee"
    )


class RegistryParams(_StructModel):
    """IForcedErrorRegistry.Params."""

    verificationCost: int = Field(default=ETHER // 100, ge=0, description="wei to verify one job")
    forcedErrorRateBps: int = Field(default=100, ge=1, le=10_000, description="honeypot rate p")
    maxJackpotShareBps: int = Field(
        default=2000, ge=0, le=10_000, description="cap: share of the pool"
    )
    maxReimbursementShareBps: int = Field(
        default=5000,
        ge=0,
        le=10_000,
        description="cap: share of the pool left after the jackpot that repays a honeypot's cost",
    )
    maxRevealsPerWindow: int = Field(
        default=5, ge=1, description="reveals per whistleblower per window"
    )
    rateWindow: int = Field(default=1 * DAY, ge=1, description="seconds of the rate-limit window")
    minWhistleblowerStake: int = Field(
        default=1 * ETHER, ge=0, description="stake needed to register"
    )
