"""DisputeGame.openings_in: the solver's openings read back from an `open` receipt (no chain)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3

from assay.chain.artifacts import load_abi
from assay.chain.bindings.game import DisputeGame
from assay.errors import ProtocolError
from assay.protocol.types import GameStatus, StateHash

ADDRESS = "0x00000000000000000000000000000000000000aa"


def _game() -> DisputeGame:
    return DisputeGame(SimpleNamespace(w3=Web3()), ADDRESS)  # type: ignore[arg-type]


def _opened_log(hashes: list[StateHash], log_index: int) -> dict[str, Any]:
    """An `Opened` log as DisputeGame.open emits it (game 1, step bisection)."""
    abi = next(e for e in load_abi("IDisputeGame") if e.get("name") == "Opened")
    positions = list(range(1, len(hashes) + 1))
    data = abi_encode(
        ["uint8", "uint32[]", "bytes32[]"],
        [int(GameStatus.STEP_BISECTION), positions, [bytes(h) for h in hashes]],
    )
    return {
        "address": Web3.to_checksum_address(ADDRESS),
        "topics": [HexBytes(event_abi_to_log_topic(abi)), HexBytes((1).to_bytes(32, "big"))],
        "data": HexBytes(data),
        "blockNumber": 7,
        "transactionHash": HexBytes(b"\x01" * 32),
        "transactionIndex": 0,
        "blockHash": HexBytes(b"\x02" * 32),
        "logIndex": log_index,
        "removed": False,
    }


def test_openings_in_reads_the_last_opened_event_of_the_receipt() -> None:
    older = [StateHash(b"\x03" * 32)]
    newer = [StateHash(b"\x04" * 32), StateHash(b"\x05" * 32)]
    receipt = {"logs": [_opened_log(older, 0), _opened_log(newer, 1)]}
    assert _game().openings_in(receipt) == newer  # type: ignore[arg-type]


def test_openings_in_rejects_a_receipt_without_an_opened_event() -> None:
    with pytest.raises(ProtocolError, match="no Opened event"):
        _game().openings_in({"logs": []})  # type: ignore[arg-type]
