"""Response models of the whistleblower audit: each revealed honeypot and each verifier's record."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from services.api.schemas.common import Address, BlockNumber, Hash32, UnixTime, Wei


class HoneypotOutcome(enum.StrEnum):
    """What one verifier did on one revealed honeypot."""

    CAUGHT = "caught"  # won a game by adjudication at the forced location
    CHALLENGED = "challenged"  # challenged, but did not win there
    ATTESTED = "attested"  # vouched for the forced error (slashed at the reveal)
    MISSED = "missed"  # drawn, did neither


class VerifierOnHoneypot(BaseModel):
    """One verifier drawn for (or winning on) one revealed honeypot."""

    verifier: Address
    outcome: HoneypotOutcome
    assigned: bool = Field(description="Drawn for the job (an undrawn winner earns no jackpot).")
    slashed: Wei = Field(description="Verifier stake slashed on this job.")
    jackpot: Wei = Field(description="Its part of the jackpot (JackpotPaid).")


class HoneypotReveal(BaseModel):
    """A honeypot its whistleblower revealed (ForcedErrorRevealed) and who did what on it."""

    job_id: int
    whistleblower: Address
    step: int = Field(description="The forced error: the end state of this step …")
    op_index: int = Field(description="… operator N (the step's end state).")
    jackpot: Wei
    reimbursed: Wei | None
    winning_challenger: Address | None
    block_number: BlockNumber
    block_time: UnixTime
    tx_hash: Hash32
    verifiers: list[VerifierOnHoneypot]


class VerifierRecord(BaseModel):
    """One drawn verifier over every revealed honeypot."""

    verifier: Address
    assigned: int
    caught: int
    challenged: int
    attested: int
    missed: int
    slashed: Wei
    jackpots: Wei


class Audit(BaseModel):
    """The audit of every revealed honeypot of one deployment."""

    deployment_id: int | None
    honeypots: list[HoneypotReveal]
    verifiers: list[VerifierRecord]
