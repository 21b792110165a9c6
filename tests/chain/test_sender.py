"""TxSender: local nonces, gas estimation reverts, receipt waits and on-chain revert replay."""

from __future__ import annotations

import pytest
from web3.contract import Contract

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_abi, load_artifact
from assay.chain.errors import RevertError, TransactionError
from assay.chain.sender import TxSender

pytestmark = pytest.mark.anvil

TAG = b"\x07" * 32


@pytest.fixture
def harness(chain: Anvil, revert_harness_address: str) -> Contract:
    """RevertHarness at its session address."""
    return chain.w3.eth.contract(address=revert_harness_address, abi=load_abi("RevertHarness"))


def test_many_transactions_use_consecutive_local_nonces(
    sender: TxSender, harness: Contract
) -> None:
    start = sender.w3.eth.get_transaction_count(sender.address)
    receipts = [sender.send(harness.functions.bump(TAG)) for _ in range(5)]
    nonces = [sender.w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts]
    assert nonces == list(range(start, start + 5))
    assert all(r["status"] == 1 for r in receipts)


def test_resyncs_after_an_external_transaction_used_the_nonce(
    chain: Anvil, sender: TxSender, harness: Contract
) -> None:
    sender.send(harness.functions.bump(TAG))
    # Another process with the same key sends a transaction behind our back.
    other = TxSender(chain.w3, chain.accounts[0].signer())
    other.send(harness.functions.bump(TAG))
    receipt = sender.send(harness.functions.bump(TAG))
    assert receipt["status"] == 1
    assert harness.functions.counter().call() == 3


def test_estimate_revert_is_decoded_and_does_not_burn_a_nonce(
    sender: TxSender, harness: Contract
) -> None:
    before = sender.w3.eth.get_transaction_count(sender.address)
    with pytest.raises(RevertError) as info:
        sender.send(harness.functions.wrongStatus(4, 2, 3), contract="JobMarket")
    assert info.value.name == "WrongStatus"
    assert "job 4 is Claimed but the call needs Submitted" in str(info.value)
    sender.send(harness.functions.bump(TAG))
    assert sender.w3.eth.get_transaction_count(sender.address) == before + 1


def test_mined_revert_is_replayed_and_decoded(sender: TxSender, harness: Contract) -> None:
    # An explicit gas limit skips estimation, so the transaction is mined and fails.
    with pytest.raises(RevertError) as info:
        sender.send(harness.functions.failIfOdd(), gas=200_000)
    assert info.value.name == "TooLate"
    assert info.value.tx_hash is not None
    receipt = sender.w3.eth.get_transaction_receipt(info.value.tx_hash)
    assert receipt["status"] == 0


def test_deploy_returns_an_address_with_code(sender: TxSender) -> None:
    address = sender.deploy(load_artifact("MerkleHarness"))
    assert len(sender.w3.eth.get_code(address)) > 0


def test_deploy_interface_is_refused(sender: TxSender) -> None:
    with pytest.raises(TransactionError, match="no bytecode"):
        sender.deploy(load_artifact("IJobMarket"))


def test_value_transfer_and_call(chain: Anvil, sender: TxSender, harness: Contract) -> None:
    to = chain.accounts[5].address
    before = sender.balance(to)
    sender.send_tx(to=to, value=12345)
    assert sender.balance(to) == before + 12345
    assert sender.call(harness.functions.counter()) == 0


def test_legacy_fees_when_node_has_no_base_fee(sender: TxSender, harness: Contract) -> None:
    sender._eip1559 = False
    receipt = sender.send(harness.functions.bump(TAG))
    assert sender.w3.eth.get_transaction(receipt["transactionHash"])["type"] == 0
