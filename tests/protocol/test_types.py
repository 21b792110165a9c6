"""StateHash and the enums mirror Types.sol."""

from __future__ import annotations

import re
from enum import IntEnum
from pathlib import Path

import pytest

from assay.errors import AssayError, ProtocolError
from assay.protocol.types import (
    SOLIDITY_ENUM_NAMES,
    GameStatus,
    JobStatus,
    Party,
    Role,
    StateHash,
)

TYPES_SOL = Path(__file__).resolve().parents[2] / "contracts/src/types/Types.sol"


def test_state_hash_round_trips_hex_and_bytes() -> None:
    raw = bytes(range(32))
    h = StateHash(raw)
    assert bytes(h) == raw
    assert StateHash(h.to_hex()) == h
    assert StateHash.from_hex(h.to_hex().upper().replace("0X", "0x")) == h
    assert str(h) == "0x" + raw.hex()
    assert repr(h) == f"StateHash(0x{raw.hex()})"
    assert isinstance(h, bytes)
    assert hash(h) == hash(StateHash(raw))


def test_state_hash_zero() -> None:
    assert StateHash.zero().is_zero
    assert not StateHash(b"\x01" * 32).is_zero


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33, "0x12", "0x" + "zz" * 32])
def test_state_hash_rejects_malformed_values(bad: bytes | str) -> None:
    with pytest.raises(ProtocolError, match=r"32 bytes|hex"):
        StateHash(bad)


def test_protocol_error_is_an_assay_error() -> None:
    assert issubclass(ProtocolError, AssayError)


def _solidity_enum(name: str) -> list[str]:
    text = TYPES_SOL.read_text()
    body = re.search(rf"enum {name}\s*\{{(.*?)\}}", text, re.S)
    assert body is not None, name
    lines = [re.sub(r"//.*", "", line).strip().rstrip(",") for line in body.group(1).splitlines()]
    return [line for line in lines if line]


@pytest.mark.parametrize("enum", [Role, JobStatus, GameStatus, Party])
def test_enums_mirror_types_sol(enum: type[IntEnum]) -> None:
    solidity = _solidity_enum(enum.__name__)
    assert SOLIDITY_ENUM_NAMES[enum.__name__] == solidity
    assert [m.value for m in enum] == list(range(len(solidity)))
    assert [m.name.replace("_", "") for m in enum] == [s.upper() for s in solidity]
    assert enum(0).name == "NONE"


def test_game_status_is_resolved() -> None:
    assert GameStatus.SOLVER_WON.is_resolved
    assert GameStatus.CHALLENGER_WON.is_resolved
    assert not GameStatus.OP_BISECTION.is_resolved
