"""Types shared by the API's response models: addresses, hashes, wei, and the enums' names.

Wei amounts are decimal strings: uint256 values do not fit the 2**53 integers most JSON clients
read exactly. Enums are the lowercase names the database stores (`open`, `step_bisection`).
"""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"
MAX_DB_INT = 2**63 - 1  # BIGINT: the widest id or block number the database stores

EXAMPLE_ADDRESS = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
EXAMPLE_HASH = "0x5f1d3c2b0a9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a392817f6e5d4"
EXAMPLE_SHA256 = "0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

Address = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-f]{40}$",
        description="An account or contract address: 0x + 40 lowercase hex digits.",
        examples=[EXAMPLE_ADDRESS],
    ),
]
Hash32 = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-f]{64}$",
        description="A 32-byte hash: 0x + 64 lowercase hex digits.",
        examples=[EXAMPLE_HASH],
    ),
]
Wei = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+$",
        description="An amount in wei, as a decimal string (uint256).",
        examples=["1000000000000000000"],
    ),
]
UnixTime = Annotated[
    int, Field(ge=0, description="Unix seconds (a block's timestamp).", examples=[1_767_225_600])
]
BlockNumber = Annotated[int, Field(ge=0, examples=[1234])]


def wei(value: int) -> str:
    """A wei amount as the API writes it."""
    return str(value)


def wei_or_none(value: int | None) -> str | None:
    """`wei` for an optional amount."""
    return None if value is None else str(value)


class JobState(enum.StrEnum):
    """Where a job is in its lifecycle (JobStatus)."""

    OPEN = "open"
    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    FINALIZED = "finalized"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class DisputeState(enum.StrEnum):
    """A dispute game's phase, or its outcome (GameStatus)."""

    STEP_BISECTION = "step_bisection"
    AWAITING_OP_TRACE = "awaiting_op_trace"
    OP_BISECTION = "op_bisection"
    ADJUDICATING = "adjudicating"
    CHALLENGER_WON = "challenger_won"
    SOLVER_WON = "solver_won"


class PartyName(enum.StrEnum):
    """A side of a dispute (Party)."""

    SOLVER = "solver"
    CHALLENGER = "challenger"


class RoleName(enum.StrEnum):
    """A staking role (Role)."""

    SOLVER = "solver"
    VERIFIER = "verifier"
    REFEREE = "referee"
    WHISTLEBLOWER = "whistleblower"


class MoveName(enum.StrEnum):
    """Which DisputeGame event a move is (services.db.enums.MoveKind)."""

    STARTED = "started"
    OPENED = "opened"
    NARROWED = "narrowed"
    STEP_ISOLATED = "step_isolated"
    OP_TRACE_COMMITTED = "op_trace_committed"
    ADJUDICATION_REQUESTED = "adjudication_requested"
    RESOLVED = "resolved"


def name_of(member: enum.Enum) -> str:
    """The API (and database) name of a protocol enum member: its lowercase name."""
    return member.name.lower()
