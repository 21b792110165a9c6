"""Kinds of indexed rows that have no enum on-chain (the chain's own enums live in
assay.protocol.types and are reused as they are)."""

from __future__ import annotations

import enum


class MoveKind(enum.Enum):
    """Which DisputeGame event a game move row comes from."""

    STARTED = "GameStarted"  # challenge(): the challenger opened the game (and posted the bond)
    OPENED = "Opened"  # open(): the solver opened interior points of (lo, hi)
    NARROWED = "Narrowed"  # choose(): the challenger picked the first point it disagrees with
    STEP_ISOLATED = "StepIsolated"  # phase 1 ended on one step
    OP_TRACE_COMMITTED = "OpTraceCommitted"  # commitOpTrace(): the op trace of step s
    ADJUDICATION_REQUESTED = "AdjudicationRequested"  # phase 2 ended on one operator
    RESOLVED = "GameResolved"  # timeout() or the adjudicator's answer; `reason` says which


class StakeEventKind(enum.Enum):
    """Which StakeManager event changed an (account, role) stake."""

    DEPOSITED = "Deposited"
    WITHDRAWAL_REQUESTED = "WithdrawalRequested"
    WITHDRAWN = "Withdrawn"
    LOCKED = "Locked"
    UNLOCKED = "Unlocked"
    SLASHED = "Slashed"
    REGISTERED = "Registered"  # entered the role's draw registry
    DEREGISTERED = "Deregistered"  # left it


class CreditEventKind(enum.Enum):
    """Pull payments in StakeManager: a credit (payout), a claim (withdrawal of all credit), or a
    protocol contract passing its own credit on (the debit of the sender; the recipient's
    Credited follows it)."""

    CREDITED = "Credited"
    CLAIMED = "Claimed"
    TRANSFERRED = "CreditTransferred"


class WhistleblowerEventKind(enum.Enum):
    """ForcedErrorRegistry's whistleblower registry."""

    REGISTERED = "WhistleblowerRegistered"
    REMOVED = "WhistleblowerRemoved"


class ProtocolContract(enum.Enum):
    """The deployment's contracts (what emitted a parameter change)."""

    STAKE_MANAGER = "StakeManager"
    JOB_MARKET = "JobMarket"
    DISPUTE_GAME = "DisputeGame"
    REFEREE_COURT = "RefereeCourt"
    FORCED_ERROR_REGISTRY = "ForcedErrorRegistry"
