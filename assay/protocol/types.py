"""Domain types of the on-chain protocol, mirroring contracts/src/types/Types.sol."""

from __future__ import annotations

from enum import IntEnum
from typing import NewType

from assay.errors import ProtocolError

JobId = NewType("JobId", int)
GameId = NewType("GameId", int)
RequestId = NewType("RequestId", int)
StepIndex = NewType("StepIndex", int)
OpIndex = NewType("OpIndex", int)


class StateHash(bytes):
    """A 32-byte commitment (a Merkle leaf value); a `bytes` subclass that web3 takes as bytes32."""

    __slots__ = ()

    def __new__(cls, value: bytes | bytearray | memoryview | str) -> StateHash:
        """Build from 32 raw bytes or a 0x-prefixed 64-digit hex string."""
        if isinstance(value, str):
            text = value[2:] if value.startswith(("0x", "0X")) else value
            if len(text) != 64:
                raise ProtocolError(
                    f"a state hash is 32 bytes (64 hex digits), got {len(text)} digits: {value!r}"
                )
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raise ProtocolError(f"a state hash must be hex, got {value!r}") from None
        else:
            raw = bytes(value)
            if len(raw) != 32:
                raise ProtocolError(f"a state hash is 32 bytes, got {len(raw)} bytes")
        return super().__new__(cls, raw)

    @classmethod
    def zero(cls) -> StateHash:
        """The all-zero hash (never a valid commitment on-chain)."""
        return cls(b"\x00" * 32)

    @classmethod
    def from_hex(cls, text: str) -> StateHash:
        """Parse a 0x-prefixed hex string."""
        return cls(text)

    def to_hex(self) -> str:
        """The 0x-prefixed lowercase hex form."""
        return "0x" + bytes(self).hex()

    @property
    def is_zero(self) -> bool:
        """True for the all-zero hash."""
        return not any(self)

    def __str__(self) -> str:
        return self.to_hex()

    def __repr__(self) -> str:
        return f"StateHash({self.to_hex()})"


class Role(IntEnum):
    """Staking roles (Types.sol `Role`); 0 is never valid."""

    NONE = 0
    SOLVER = 1
    VERIFIER = 2
    REFEREE = 3
    WHISTLEBLOWER = 4


class JobStatus(IntEnum):
    """Job lifecycle (Types.sol `JobStatus`); 0 is never valid."""

    NONE = 0
    OPEN = 1
    CLAIMED = 2
    SUBMITTED = 3
    FINALIZED = 4
    FAILED = 5
    CANCELLED = 6
    EXPIRED = 7


class GameStatus(IntEnum):
    """Dispute game state (Types.sol `GameStatus`); 0 is never valid."""

    NONE = 0
    STEP_BISECTION = 1
    AWAITING_OP_TRACE = 2
    OP_BISECTION = 3
    ADJUDICATING = 4
    CHALLENGER_WON = 5
    SOLVER_WON = 6

    @property
    def is_resolved(self) -> bool:
        """True once the game has a winner."""
        return self in (GameStatus.CHALLENGER_WON, GameStatus.SOLVER_WON)


class Party(IntEnum):
    """Whose move it is inside a game (Types.sol `Party`)."""

    NONE = 0
    SOLVER = 1
    CHALLENGER = 2


# Solidity names of each enum's members, in declaration order (used to render revert arguments).
SOLIDITY_ENUM_NAMES: dict[str, list[str]] = {
    "Role": ["None", "Solver", "Verifier", "Referee", "Whistleblower"],
    "JobStatus": [
        "None",
        "Open",
        "Claimed",
        "Submitted",
        "Finalized",
        "Failed",
        "Cancelled",
        "Expired",
    ],
    "GameStatus": [
        "None",
        "StepBisection",
        "AwaitingOpTrace",
        "OpBisection",
        "Adjudicating",
        "ChallengerWon",
        "SolverWon",
    ],
    "Party": ["None", "Solver", "Challenger"],
}
