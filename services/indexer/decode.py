"""Decode the protocol's logs by ABI: every event of the five contracts, by its name.

The ABIs come from the Foundry build (assay.chain.artifacts), so an event added to a contract is
decoded as soon as the contracts are rebuilt; a log whose topic is in no ABI (a contract newer
than the build) is logged once and skipped, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import LogReceipt

from assay.chain.artifacts import load_abi
from assay.chain.deploy import Deployment
from services.db.enums import ProtocolContract

log = structlog.get_logger(__name__)

ABIEntry = Mapping[str, Any]


@dataclass(frozen=True)
class ChainLog:
    """One decoded log: which contract and event, its arguments, where it sits on the chain.

    Arguments are plain Python: ints, bools, str; bytes as `0x` lowercase hex; addresses
    lowercase; structs as dicts and arrays as lists.
    """

    contract: ProtocolContract
    event: str
    args: Mapping[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    inputs: Sequence[ABIEntry] = ()  # the event's ABI inputs (types of `args`)

    @property
    def position(self) -> tuple[int, int]:
        """(block, log index): the order things happened in."""
        return (self.block_number, self.log_index)


def deployment_addresses(deployment: Deployment) -> dict[str, ProtocolContract]:
    """The deployment's event-emitting contracts by lowercase address."""
    return {
        deployment.stake_manager.lower(): ProtocolContract.STAKE_MANAGER,
        deployment.job_market.lower(): ProtocolContract.JOB_MARKET,
        deployment.dispute_game.lower(): ProtocolContract.DISPUTE_GAME,
        deployment.referee_court.lower(): ProtocolContract.REFEREE_COURT,
        deployment.forced_error_registry.lower(): ProtocolContract.FORCED_ERROR_REGISTRY,
    }


class LogDecoder:
    """Decodes the logs of one deployment with the contracts' ABIs (implementation artifacts,
    which include every event the contract and its interface declare)."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        abis: Mapping[ProtocolContract, Sequence[ABIEntry]] | None = None,
    ) -> None:
        """abis: the ABI of each contract (default: its build artifact, `make build`)."""
        self.contracts = deployment_addresses(deployment)
        # (address, topic0) -> (event name, ABI entry, web3 event)
        self._events: dict[tuple[str, bytes], tuple[str, ABIEntry, Any]] = {}
        for address, contract in self.contracts.items():
            abi = list(abis[contract]) if abis is not None else load_abi(contract.value)
            web3_contract = w3.eth.contract(address=to_checksum_address(address), abi=abi)
            for entry in abi:
                if entry.get("type") != "event" or entry.get("anonymous"):
                    continue
                name = str(entry["name"])
                topic = bytes(event_abi_to_log_topic(entry))  # type: ignore[arg-type]
                event = web3_contract.events[name]()
                self._events[(address, topic)] = (name, entry, event)
        self._warned: set[tuple[str, bytes]] = set()
        self.unknown = 0

    @property
    def addresses(self) -> list[str]:
        """Checksummed addresses to ask the node for logs of."""
        return [to_checksum_address(a) for a in self.contracts]

    def decode(self, entries: Iterable[LogReceipt]) -> list[ChainLog]:
        """The logs this deployment's ABIs know, sorted by (block, log index); others skipped."""
        decoded = [d for d in (self._decode(e) for e in entries) if d is not None]
        return sorted(decoded, key=lambda d: d.position)

    def _decode(self, entry: LogReceipt) -> ChainLog | None:
        address = str(entry["address"]).lower()
        contract = self.contracts.get(address)
        if contract is None:
            return None
        topic = bytes(entry["topics"][0]) if entry["topics"] else b""
        found = self._events.get((address, topic))
        if found is None:
            self._skip(contract, address, topic, entry, "no event with this topic in the ABI")
            return None
        name, abi, event = found
        try:
            raw = event.process_log(entry)["args"]
        except Exception as exc:  # an ABI that no longer matches the deployed contract
            self._skip(contract, address, topic, entry, f"{name} does not decode: {exc}")
            return None
        inputs: Sequence[ABIEntry] = abi.get("inputs", ())
        args = {str(i["name"]): plain(i, raw[i["name"]]) for i in inputs}
        return ChainLog(
            contract=contract,
            event=name,
            args=args,
            block_number=int(entry["blockNumber"]),
            block_hash=_hex(entry["blockHash"]),
            tx_hash=_hex(entry["transactionHash"]),
            log_index=int(entry["logIndex"]),
            inputs=inputs,
        )

    def _skip(
        self, contract: ProtocolContract, address: str, topic: bytes, entry: LogReceipt, why: str
    ) -> None:
        self.unknown += 1
        if (address, topic) in self._warned:
            return
        self._warned.add((address, topic))
        log.warning(
            "indexer.unknown_event",
            contract=contract.value,
            topic="0x" + topic.hex(),
            block=int(entry["blockNumber"]),
            tx=_hex(entry["transactionHash"]),
            reason=why,
            hint="skipped; rebuild the contracts (`make build`) if the deployment is newer",
        )


def plain(abi: ABIEntry, value: Any) -> Any:
    """A decoded ABI value as plain Python, following its ABI type."""
    kind = str(abi["type"])
    if kind.endswith("]"):
        inner = {**abi, "type": kind[: kind.rindex("[")]}
        return [plain(inner, v) for v in value]
    if kind == "tuple":
        components: Sequence[ABIEntry] = abi.get("components", ())
        if isinstance(value, Mapping):
            return {str(c["name"]): plain(c, value[c["name"]]) for c in components}
        return {str(c["name"]): plain(c, v) for c, v in zip(components, value, strict=True)}
    if kind == "address":
        return str(value).lower()
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex() if not isinstance(value, str) else value.lower()


def json_params(inputs: Sequence[ABIEntry], args: Mapping[str, Any]) -> dict[str, Any]:
    """An event's arguments for a JSON column: a single struct argument is flattened to its
    fields, and uint128/uint256 amounts become decimal strings (JSON numbers lose them)."""
    if len(inputs) == 1 and inputs[0]["type"] == "tuple":
        struct = inputs[0]
        return json_params(struct.get("components", ()), args[struct["name"]])
    out: dict[str, Any] = {}
    for entry in inputs:
        name = str(entry["name"])
        value = args[name]
        integer = re.fullmatch(r"u?int(\d*)", str(entry["type"]))
        wide = integer is not None and int(integer.group(1) or 256) > 64
        out[name] = str(value) if wide else value
    return out
