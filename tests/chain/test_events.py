"""EventReader: chunked ranges, confirmations, ordering and typed records."""

from __future__ import annotations

import pytest
from web3.contract import Contract

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_abi
from assay.chain.errors import ChainError
from assay.chain.events import EventReader, EventSource, decode_receipt_events
from assay.chain.sender import TxSender

pytestmark = pytest.mark.anvil


@pytest.fixture
def harness(chain: Anvil, revert_harness_address: str) -> Contract:
    """RevertHarness at its session address."""
    return chain.w3.eth.contract(address=revert_harness_address, abi=load_abi("RevertHarness"))


def test_reads_events_in_order_across_chunks(
    chain: Anvil, sender: TxSender, harness: Contract
) -> None:
    first = chain.w3.eth.block_number + 1
    tags = [bytes([i]) * 32 for i in range(1, 8)]
    for tag in tags:
        sender.send(harness.functions.bump(tag))
    reader = EventReader(chain.w3, [EventSource(harness, "Harness", ("Bumped",))], chunk_size=2)
    batch = reader.fetch(first)
    assert [r.args["tag"] for r in batch.records] == tags
    assert [r.args["counter"] for r in batch.records] == list(range(1, 8))
    assert all(r.event == "Bumped" and r.contract == "Harness" for r in batch.records)
    assert [r.position for r in batch.records] == sorted(r.position for r in batch.records)
    assert batch.records[0].args["by"] == sender.address
    assert batch.to_block == chain.w3.eth.block_number


def test_confirmations_hold_back_recent_blocks(
    chain: Anvil, sender: TxSender, harness: Contract
) -> None:
    first = chain.w3.eth.block_number + 1
    for _ in range(3):
        sender.send(harness.functions.bump(b"\x01" * 32))
    reader = EventReader(chain.w3, [EventSource(harness)], confirmations=2)
    batch = reader.fetch(first)
    assert len(batch.records) == 1
    assert batch.to_block == chain.w3.eth.block_number - 2
    chain.mine(2)
    assert len(reader.fetch(first).records) == 3


def test_unknown_event_name_is_refused(chain: Anvil, harness: Contract) -> None:
    with pytest.raises(ChainError, match="Nope"):
        EventReader(chain.w3, [EventSource(harness, events=("Nope",))])


def test_events_from_a_receipt(sender: TxSender, harness: Contract) -> None:
    receipt = sender.send(harness.functions.bump(b"\x02" * 32))
    (record,) = decode_receipt_events(harness, receipt)
    assert record.event == "Bumped"
    assert record.tx_hash == receipt["transactionHash"].to_0x_hex()
