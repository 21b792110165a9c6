"""Read and decode contract events over block ranges, behind a confirmation depth, in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from eth_typing import ChecksumAddress
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import FilterParams, LogReceipt

from assay.chain.errors import ChainError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class EventRecord:
    """One decoded log: which event, its arguments and where it sits in the chain."""

    event: str
    args: dict[str, Any]
    block_number: int
    tx_hash: str
    log_index: int
    address: ChecksumAddress
    contract: str = ""

    @property
    def position(self) -> tuple[int, int]:
        """(block, logIndex): the order events happened in."""
        return (self.block_number, self.log_index)


@dataclass(frozen=True)
class EventSource:
    """A contract to read from and the names of its events to decode (empty = all)."""

    contract: Contract
    name: str = ""
    events: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Batch:
    """Records of one read, and the last block it covered (persist it as the resume cursor)."""

    records: list[EventRecord]
    from_block: int
    to_block: int


class EventReader:
    """Fetch + decode the logs of given contracts' events, only up to head - confirmations."""

    def __init__(
        self,
        w3: Web3,
        sources: Iterable[EventSource],
        *,
        confirmations: int = 0,
        chunk_size: int = 2_000,
    ) -> None:
        if chunk_size < 1:
            raise ChainError(f"chunk_size must be at least 1 block, got {chunk_size}")
        self.w3 = w3
        self.confirmations = confirmations
        self.chunk_size = chunk_size
        # (address, topic0) -> (contract label, event object)
        self._decoders: dict[tuple[str, bytes], tuple[str, Any]] = {}
        self._addresses: list[ChecksumAddress] = []
        topics: set[bytes] = set()
        for src in sources:
            address = to_checksum_address(src.contract.address)
            self._addresses.append(address)
            wanted = set(src.events)
            abi: list[dict[str, Any]] = list(src.contract.abi)  # type: ignore[arg-type]
            for entry in abi:
                if entry.get("type") != "event" or entry.get("anonymous"):
                    continue
                name = str(entry["name"])
                if wanted and name not in wanted:
                    continue
                topic = event_abi_to_log_topic(entry)  # type: ignore[arg-type]
                event = src.contract.events[name]()
                self._decoders[(address, topic)] = (src.name, event)
                topics.add(topic)
            missing = wanted - {
                e.event_name for (a, _), (_, e) in self._decoders.items() if a == address
            }
            if missing:
                raise ChainError(
                    f"{src.name or address} has no event(s) {sorted(missing)} in its ABI; "
                    "check the names or rebuild the contracts (`make build`)"
                )
        self._topics = sorted(topics)

    def safe_head(self) -> int:
        """The newest block considered final: head - confirmations (may be -1 on a fresh chain)."""
        return int(self.w3.eth.block_number) - self.confirmations

    def fetch(self, from_block: int, to_block: int | None = None) -> Batch:
        """Records in [from_block, min(to_block, safe head)], sorted by (block, logIndex)."""
        last = self.safe_head() if to_block is None else min(to_block, self.safe_head())
        records: list[EventRecord] = []
        start = max(from_block, 0)
        while start <= last:
            end = min(start + self.chunk_size - 1, last)
            records.extend(self._fetch_chunk(start, end))
            start = end + 1
        records.sort(key=lambda r: r.position)
        log.debug("events.fetched", from_block=from_block, to_block=last, count=len(records))
        return Batch(records=records, from_block=from_block, to_block=last)

    def _fetch_chunk(self, start: int, end: int) -> list[EventRecord]:
        if not self._addresses:
            return []
        params: FilterParams = {
            "fromBlock": start,
            "toBlock": end,
            "address": self._addresses,
            "topics": [[HexBytes(t) for t in self._topics]],
        }
        logs = self.w3.eth.get_logs(params)
        return [r for r in (self._decode(entry) for entry in logs) if r is not None]

    def _decode(self, entry: LogReceipt) -> EventRecord | None:
        if not entry["topics"]:
            return None
        address = to_checksum_address(entry["address"])
        found = self._decoders.get((address, bytes(entry["topics"][0])))
        if found is None:
            return None
        label, event = found
        decoded = event.process_log(entry)
        return EventRecord(
            event=str(decoded["event"]),
            args=dict(decoded["args"]),
            block_number=int(entry["blockNumber"]),
            tx_hash=entry["transactionHash"].to_0x_hex(),
            log_index=int(entry["logIndex"]),
            address=address,
            contract=label,
        )


def decode_receipt_events(
    contract: Contract, receipt: Any, names: Sequence[str] | None = None
) -> list[EventRecord]:
    """Events of `contract` in a transaction receipt (only `names` if given), in log order."""
    reader = EventReader(contract.w3, [EventSource(contract, events=tuple(names or ()))])
    records = [r for r in (reader._decode(entry) for entry in receipt["logs"]) if r is not None]
    return sorted(records, key=lambda r: r.position)
