"""Revert data from a real anvil decodes into named errors with enum names and sentences."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_abi
from assay.chain.errors import ChainError, RevertError
from assay.chain.reverts import ErrorDecoder, decode_revert, default_decoder, revert_from_web3
from assay.chain.sender import TxSender
from assay.errors import AssayError
from assay.protocol.types import JobStatus, Role


def _raw_revert(anvil: Anvil, address: str, fn_name: str, *args: object) -> bytes:
    contract = anvil.w3.eth.contract(address=address, abi=load_abi("RevertHarness"))
    with pytest.raises(ContractLogicError) as info:
        contract.functions[fn_name](*args).call()
    data = revert_from_web3(info.value)
    assert data is not None
    return data.data


def test_revert_error_is_a_chain_error() -> None:
    assert issubclass(RevertError, ChainError)
    assert issubclass(ChainError, AssayError)


def test_decoder_covers_every_interface_error(contracts_built: object) -> None:
    decoder = default_decoder()
    for name in ("IJobMarket", "IDisputeGame", "IStakeManager", "IRefereeCourt"):
        for entry in load_abi(name):
            if entry["type"] == "error":
                types = ",".join(i["type"] for i in entry["inputs"])
                selector = keccak(text=f"{entry['name']}({types})")[:4]
                assert decoder.specs(selector), f"{name}.{entry['name']} missing"


def test_wrong_status_sentence_names_the_statuses(contracts_built: object) -> None:
    data = keccak(text="WrongStatus(uint256,uint8,uint8)")[:4] + encode(
        ["uint256", "uint8", "uint8"], [3, 2, 3]
    )
    err = decode_revert(data)
    assert err.name == "WrongStatus"
    assert err.contract == "JobMarket"
    assert err.args == {"jobId": 3, "actual": JobStatus.CLAIMED, "expected": JobStatus.SUBMITTED}
    assert str(err) == "JobMarket.WrongStatus: job 3 is Claimed but the call needs Submitted"


def test_contract_hint_picks_the_declaring_contract(contracts_built: object) -> None:
    data = keccak(text="NotOwner(address,address)")[:4] + encode(
        ["address", "address"], ["0x" + "11" * 20, "0x" + "22" * 20]
    )
    assert decode_revert(data, contract="IRefereeCourt").contract == "RefereeCourt"
    assert decode_revert(data, contract="StakeManager").contract == "StakeManager"


def test_unknown_selector_says_to_rebuild() -> None:
    err = ErrorDecoder([]).decode(b"\xde\xad\xbe\xef")
    assert err.name == ""
    assert "make build" in str(err)


def test_empty_revert_data_is_explained() -> None:
    assert "without a reason" in str(ErrorDecoder([]).decode(b""))


@pytest.mark.anvil
def test_custom_error_from_anvil(chain: Anvil, revert_harness_address: str) -> None:
    data = _raw_revert(chain, revert_harness_address, "wrongStatus", 7, 1, 3)
    err = default_decoder().decode(data)
    assert (err.name, err.args["jobId"], err.args["actual"]) == ("WrongStatus", 7, JobStatus.OPEN)
    assert "job 7 is Open but the call needs Submitted" in str(err)


@pytest.mark.anvil
def test_enum_args_and_addresses_from_anvil(
    chain: Anvil, revert_harness_address: str, sender: TxSender
) -> None:
    data = _raw_revert(
        chain, revert_harness_address, "insufficientFreeStake", sender.address, 1, 5, 10
    )
    err = decode_revert(data)
    assert err.args == {
        "account": sender.address,
        "role": Role.SOLVER,
        "free": 5,
        "needed": 10,
    }
    assert "free Solver stake" in str(err)


@pytest.mark.anvil
def test_error_string_and_panic_from_anvil(chain: Anvil, revert_harness_address: str) -> None:
    contract = chain.w3.eth.contract(address=revert_harness_address, abi=load_abi("RevertHarness"))
    sender = TxSender(chain.w3, chain.accounts[1].signer())
    with pytest.raises(RevertError) as reason:
        sender.call(contract.functions.reason())
    assert reason.value.name == "Error"
    assert str(reason.value) == "RevertHarness: a plain reason"
    with pytest.raises(RevertError) as panic:
        sender.call(contract.functions.panic())
    assert panic.value.name == "Panic"
    assert panic.value.args == {"code": 0x12}
    assert "division or modulo by zero" in str(panic.value)
    with pytest.raises(RevertError) as empty:
        sender.call(contract.functions.empty())
    assert empty.value.name == ""
