"""What the indexer reads from the node: the head, block headers, a range's logs (checked to be
one consistent chain), and each new job's snapshotted parameters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from eth_utils.abi import get_abi_output_types
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import BlockNotFound, Web3Exception
from web3.types import BlockData, FilterParams

from assay.chain.artifacts import load_abi
from assay.chain.deploy import Deployment
from services.indexer.decode import ChainLog, LogDecoder, plain
from services.indexer.errors import ChainMovedError

log = structlog.get_logger(__name__)

BATCH_SIZE = 100  # requests per JSON-RPC batch (providers cap them, often at 100)


@dataclass(frozen=True)
class BlockRef:
    """A block header's identity: number, hash, parent hash, time (unix s)."""

    number: int
    hash: str
    parent_hash: str
    time: int

    @classmethod
    def of(cls, block: BlockData) -> BlockRef:
        """From web3's block data."""
        return cls(
            number=int(block["number"]),
            hash="0x" + bytes(block["hash"]).hex(),
            parent_hash="0x" + bytes(block["parentHash"]).hex(),
            time=int(block["timestamp"]),
        )


@dataclass(frozen=True)
class Batch:
    """The decoded logs of blocks [start, end], the headers of the blocks they are in and of
    `end`, and the parameters (getJob) of every job posted in the range."""

    start: int
    end: int
    logs: list[ChainLog]
    blocks: dict[int, BlockRef]
    jobs: dict[int, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def last(self) -> BlockRef:
        """The header of `end` (the cursor after this batch)."""
        return self.blocks[self.end]


class ChainSource:
    """Reads one deployment's logs and blocks from a node."""

    def __init__(self, w3: Web3, deployment: Deployment, decoder: LogDecoder | None = None) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.decoder = decoder or LogDecoder(w3, deployment)
        self._market = w3.eth.contract(
            address=to_checksum_address(deployment.job_market), abi=load_abi("JobMarket")
        )
        get_job = next(e for e in self._market.abi if e.get("name") == "getJob")
        self._job_output: Mapping[str, Any] = get_job["outputs"][0]  # type: ignore[typeddict-item]
        (self._job_type,) = get_abi_output_types(get_job)

    def head(self) -> int:
        """The node's newest block number."""
        return int(self.w3.eth.block_number)

    def block(self, number: int) -> BlockRef | None:
        """The header of block `number` on the node's chain now (None: no such block)."""
        try:
            return BlockRef.of(self.w3.eth.get_block(number))
        except BlockNotFound:
            return None

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockRef | None]:
        """Headers of several blocks, in JSON-RPC batches of up to BATCH_SIZE requests."""
        wanted = sorted(set(numbers))
        found: dict[int, BlockRef | None] = {}
        for i in range(0, len(wanted), BATCH_SIZE):
            part = wanted[i : i + BATCH_SIZE]
            if len(part) == 1:
                found[part[0]] = self.block(part[0])
                continue
            try:
                with self.w3.batch_requests() as batch:
                    for n in part:
                        batch.add(self.w3.eth.get_block(n))
                    blocks = batch.execute()
            except BlockNotFound:  # one is gone (the chain got shorter): ask one by one
                found |= {n: self.block(n) for n in part}
                continue
            found |= {n: BlockRef.of(b) for n, b in zip(part, blocks, strict=True)}  # type: ignore[arg-type]
        return found

    def fetch(self, start: int, end: int, parent_hash: str | None) -> Batch:
        """Blocks [start, end]: their logs, decoded, and the headers to record.

        Raises ChainMovedError if the chain changed while it was read: `end` or the block before
        `start` (whose hash is `parent_hash`, when known) replaced, or a log from another fork.
        """
        last = self.block(end)
        if last is None:
            raise ChainMovedError(f"block {end} is gone")
        params: FilterParams = {
            "fromBlock": start,
            "toBlock": end,
            "address": self.decoder.addresses,  # type: ignore[typeddict-item]
        }
        entries = self.w3.eth.get_logs(params)
        logs = self.decoder.decode(entries)
        in_logs = {int(e["blockNumber"]) for e in entries} - {end}
        headers = {n: ref for n, ref in self.blocks(in_logs).items() if ref is not None}
        headers[end] = last
        for entry in entries:
            ref = headers.get(int(entry["blockNumber"]))
            if ref is None or ref.hash != "0x" + bytes(entry["blockHash"]).hex():
                raise ChainMovedError(f"a log of block {entry['blockNumber']} is from another fork")
        jobs = self.jobs([(int(lg.args["jobId"]), lg.block_hash) for lg in logs
                          if lg.event == "JobPosted"])  # fmt: skip
        self._check_unchanged(last, start - 1, parent_hash)
        return Batch(start, end, logs, headers, jobs)

    def jobs(self, wanted: list[tuple[int, str]]) -> dict[int, Mapping[str, Any]]:
        """`job` for many (job id, block hash) pairs: getJob calls in JSON-RPC batches of up
        to BATCH_SIZE (one round trip each), and one by one for a batch the node refuses."""
        found: dict[int, Mapping[str, Any]] = {}
        for i in range(0, len(wanted), BATCH_SIZE):
            part = wanted[i : i + BATCH_SIZE]
            try:
                with self.w3.batch_requests() as batch:
                    for job_id, block_hash in part:
                        data = self._market.encode_abi("getJob", args=[job_id])
                        call = {"to": self._market.address, "data": data}
                        batch.add(self.w3.eth.call(call, block_identifier=block_hash))  # type: ignore[arg-type]
                    results = batch.execute()
                for (job_id, _), raw in zip(part, results, strict=True):
                    (value,) = self.w3.codec.decode([self._job_type], bytes(raw))  # type: ignore[arg-type]
                    found[job_id] = plain(self._job_output, value)
            except (Web3Exception, ValueError, TypeError) as exc:
                log.debug("indexer.get_job_batch_failed", jobs=len(part), reason=str(exc))
                found |= {job_id: self.job(job_id, block_hash) for job_id, block_hash in part}
        return found

    def job(self, job_id: int, block_hash: str) -> Mapping[str, Any]:
        """getJob(job_id) as of `block_hash` (else now: a node without that block's state, such
        as a pruned full node; the parameters never change), by Solidity field names."""
        get_job = self._market.functions.getJob(job_id)
        try:
            raw = get_job.call(block_identifier=block_hash)  # type: ignore[arg-type]
        except Web3Exception as exc:
            log.debug("indexer.get_job_at_block_failed", job=job_id, reason=str(exc))
            try:
                raw = get_job.call()
            except Web3Exception as again:
                raise ChainMovedError(f"cannot read job {job_id}: {again}") from again
        job: Mapping[str, Any] = plain(self._job_output, raw)
        return job

    def _check_unchanged(self, last: BlockRef, parent: int, parent_hash: str | None) -> None:
        now = self.blocks([last.number] + ([parent] if parent_hash is not None else []))
        if now.get(last.number) != last:
            raise ChainMovedError(f"block {last.number} was replaced while it was read")
        if parent_hash is not None and (now.get(parent) is None or now[parent].hash != parent_hash):  # type: ignore[union-attr]
            raise ChainMovedError(f"block {parent} (the cursor) was replaced while reading")
