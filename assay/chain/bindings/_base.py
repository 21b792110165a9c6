"""Shared plumbing of the contract bindings: a web3 contract from an interface ABI plus a sender."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from assay.chain.artifacts import load_abi
from assay.chain.errors import ChainError
from assay.chain.events import EventRecord, decode_receipt_events
from assay.chain.sender import TxSender


class Binding:
    """A contract at `address`, called and transacted through `sender` (the acting account)."""

    INTERFACE: ClassVar[str]
    NAME: ClassVar[str]

    def __init__(self, sender: TxSender, address: str) -> None:
        self.sender = sender
        self.address: ChecksumAddress = to_checksum_address(address)
        self.contract: Contract = sender.w3.eth.contract(
            address=self.address, abi=load_abi(self.INTERFACE)
        )

    def connect(self, sender: TxSender) -> Any:
        """The same contract acting as another account."""
        return type(self)(sender, self.address)

    def _fn(self, name: str, *args: Any) -> ContractFunction:
        return self.contract.functions[name](*args)

    def _send(self, name: str, *args: Any, value: int = 0) -> TxReceipt:
        return self.sender.send(self._fn(name, *args), value=value, contract=self.NAME)

    def _call(self, name: str, *args: Any) -> Any:
        return self.sender.call(self._fn(name, *args), contract=self.NAME)

    def events_in(self, receipt: TxReceipt, *names: str) -> list[EventRecord]:
        """This contract's events (only `names` if given) in a receipt."""
        return decode_receipt_events(self.contract, receipt, names or None)

    def _one_event(self, receipt: TxReceipt, name: str) -> EventRecord:
        found = self.events_in(receipt, name)
        if not found:
            raise ChainError(
                f"{self.NAME} emitted no {name} event in tx "
                f"{receipt['transactionHash'].to_0x_hex()}; is {self.address} the right contract?"
            )
        return found[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address}, as={self.sender.address})"


def proofs_arg(proofs: Sequence[Sequence[bytes]]) -> list[list[bytes]]:
    """Merkle proofs as web3 takes bytes32[][]."""
    return [[bytes(p) for p in proof] for proof in proofs]
