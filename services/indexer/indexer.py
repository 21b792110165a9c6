"""The indexer loop: confirmed blocks -> rows, one batch per transaction, reorgs rolled back.

Each tick:

1. reorg check: the cursor block's hash must still be the node's; if not, walk `indexed_blocks`
   down to the newest block the node still agrees with (the fork point), `rollback_to` it, commit;
2. read blocks [cursor + 1, min(cursor + batch_blocks, head - confirmations)]: logs, headers, the
   parameters of new jobs, checked to be one chain (else the batch is dropped and retried);
3. write the rows, the recorded block hashes and the cursor in one transaction.

A crash anywhere leaves the database at the end of a whole batch, so a restart resumes from the
cursor; indexing a range twice changes nothing (see project.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from requests import RequestException
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import Web3Exception

from assay.chain.deploy import Deployment
from services.db.models import Deployment as DeploymentRow
from services.db.models import IndexedBlock, IndexerCursor
from services.db.rollback import rollback_to
from services.db.writes import insert_ignoring_duplicates
from services.indexer.errors import ChainMovedError, IndexerError
from services.indexer.project import Projector
from services.indexer.source import Batch, BlockRef, ChainSource

log = structlog.get_logger(__name__)

# What a long-running indexer survives (retried next tick): the node or the database unreachable
# for a while, or a chain moving under a batch.
TRANSIENT = (OSError, RequestException, Web3Exception, SQLAlchemyError, ChainMovedError)


@dataclass(frozen=True)
class IndexerConfig:
    """How the indexer follows the chain."""

    confirmations: int = 0
    """Blocks behind the head treated as final: only blocks up to head - confirmations are read."""
    batch_blocks: int = 1_000
    """Most blocks read (eth_getLogs) and written per batch (one transaction)."""
    reorg_window: int = 256
    """Block hashes kept below the cursor to find a fork point; a deeper reorg re-indexes all."""

    def __post_init__(self) -> None:
        if self.confirmations < 0:
            raise IndexerError(f"confirmations must be 0 or more, got {self.confirmations}")
        if self.batch_blocks < 1:
            raise IndexerError(f"batch_blocks must be at least 1, got {self.batch_blocks}")
        if self.reorg_window < 1:
            raise IndexerError(f"reorg_window must be at least 1, got {self.reorg_window}")


@dataclass(frozen=True)
class TickResult:
    """What one tick did."""

    indexed: tuple[int, int] | None = None  # blocks [from, to] written
    events: int = 0  # logs applied
    head: int = 0
    cursor: int = 0
    reorg_fork: int | None = None  # rolled back to this block
    retried: bool = False  # the chain moved while reading; nothing written

    @property
    def lag(self) -> int:
        """Blocks between the cursor and the node's head."""
        return max(self.head - self.cursor, 0)

    @property
    def idle(self) -> bool:
        """Nothing was written or rolled back."""
        return self.indexed is None and self.reorg_fork is None and not self.retried


@dataclass
class Indexer:
    """Indexes one deployment from `w3` into the database behind `sessions`."""

    w3: Web3
    deployment: Deployment
    sessions: sessionmaker[Session]
    config: IndexerConfig = field(default_factory=IndexerConfig)
    source: ChainSource | None = None
    chain: ChainSource = field(init=False)
    """Where blocks and logs come from (`source`, else the node behind `w3`)."""
    deployment_id: int = field(init=False)
    """The deployment's row in the database (created, with its cursor, on first use)."""

    def __post_init__(self) -> None:
        d = self.deployment
        chain_id = int(self.w3.eth.chain_id)
        if chain_id != d.chain_id:
            raise IndexerError(
                f"the deployment is for chain {d.chain_id} but the node is chain {chain_id}; "
                "point the RPC URL at the right node or use its deployment file"
            )
        if self.w3.eth.get_code(d.job_market) == b"":
            raise IndexerError(
                f"no JobMarket at {d.job_market} on this node: it was restarted without its "
                "state, or the deployment file is for another chain; redeploy or fix the file"
            )
        self.chain = self.source or ChainSource(self.w3, d)
        self.deployment_id = self._ensure_deployment()

    # ------------------------------------------------------------------ the loop

    def run(
        self,
        stop: threading.Event,
        *,
        interval: float = 1.0,
        once: bool = False,
        until_idle: int | None = None,
    ) -> None:
        """Tick until `stop`, once, or `until_idle` consecutive idle ticks; batches run back to
        back while behind, `interval` seconds apart once caught up.

        A tick that fails on the node or the database is logged and retried after `interval`
        (the cursor only moves with a committed batch); with `once` or `until_idle` it raises.
        """
        idle = 0
        while not stop.is_set():
            try:
                result = self.tick()
            except TRANSIENT as exc:
                if once or until_idle is not None:
                    raise
                log.warning("indexer.tick_failed", reason=f"{type(exc).__name__}: {exc}")
                stop.wait(interval)
                continue
            if once:
                return
            idle = idle + 1 if result.idle else 0
            if until_idle is not None and idle >= until_idle:
                return
            if result.idle or result.retried:
                stop.wait(interval)

    def tick(self) -> TickResult:
        """One step: a reorg rollback, or one batch of blocks, or nothing (caught up)."""
        with self.sessions() as session:
            cursor = self._cursor(session)
            head = self.chain.head()
            fork = self._check_reorg(session, cursor)
            if fork is not None:
                session.commit()
                return TickResult(head=head, cursor=fork, reorg_fork=fork)
            start = cursor.last_block + 1
            end = min(head - self.config.confirmations, start + self.config.batch_blocks - 1)
            if end < start:
                return TickResult(head=head, cursor=cursor.last_block)
            try:
                batch = self.chain.fetch(start, end, cursor.last_block_hash)
            except ChainMovedError as exc:
                log.warning("indexer.chain_moved", reason=str(exc), retry="next tick")
                return TickResult(head=head, cursor=cursor.last_block, retried=True)
            events = self._write(session, cursor, batch)
            session.commit()
        result = TickResult((start, end), events, head, end)
        log.info(
            "indexer.batch",
            deployment=self.deployment_id,
            blocks=f"{start}-{end}",
            events=events,
            head=head,
            lag=result.lag,
        )
        return result

    def run_until_caught_up(self, max_ticks: int = 100_000) -> TickResult:
        """Tick until a tick finds nothing to do (tests, scripts); the last tick's result."""
        for _ in range(max_ticks):
            result = self.tick()
            if result.idle:
                return result
        raise IndexerError(f"still not caught up after {max_ticks} ticks")

    def index_range(self, start: int, end: int) -> int:
        """(Re-)index blocks [start, end] whatever the cursor says; the cursor only moves forward.

        Rows already there are skipped, so re-indexing a range changes nothing. Returns the logs
        applied.
        """
        with self.sessions() as session:
            cursor = self._cursor(session)
            if start > cursor.last_block + 1:
                raise IndexerError(
                    f"cannot index blocks {start}-{end}: the cursor is at {cursor.last_block}, so "
                    f"blocks {cursor.last_block + 1}-{start - 1} would be skipped"
                )
            batch = self.chain.fetch(start, end, None)
            events = self._write(session, cursor, batch)
            session.commit()
        return events

    # ------------------------------------------------------------------ writing

    def _write(self, session: Session, cursor: IndexerCursor, batch: Batch) -> int:
        counts = Projector(session, self.deployment_id, batch.blocks, batch.jobs).apply(batch.logs)
        rows = [
            {
                "deployment_id": self.deployment_id,
                "number": b.number,
                "hash": b.hash,
                "parent_hash": b.parent_hash,
                "time": b.time,
            }
            for b in batch.blocks.values()
        ]
        insert_ignoring_duplicates(session, IndexedBlock, rows)
        if batch.end >= cursor.last_block:
            cursor.last_block, cursor.last_block_hash = batch.end, batch.last.hash
            cursor.updated_at = datetime.now(UTC)
        oldest = cursor.last_block - self.config.reorg_window
        session.execute(
            delete(IndexedBlock).where(
                IndexedBlock.deployment_id == self.deployment_id, IndexedBlock.number < oldest
            )
        )
        return counts["applied"]

    # ------------------------------------------------------------------ reorgs

    def _check_reorg(self, session: Session, cursor: IndexerCursor) -> int | None:
        """Roll back to the fork point if the cursor's block was replaced; the fork block."""
        if cursor.last_block_hash is None:
            return None
        now = self.chain.block(cursor.last_block)
        if now is not None and now.hash == cursor.last_block_hash:
            return None
        fork = self._fork_point(session)
        if fork is None:
            start = self.deployment.block_number - 1
            log.warning(
                "indexer.reorg_too_deep",
                deployment=self.deployment_id,
                cursor=cursor.last_block,
                window=self.config.reorg_window,
                action="re-indexing the deployment from its first block",
            )
            session.execute(delete(DeploymentRow).where(DeploymentRow.id == self.deployment_id))
            session.flush()
            session.expunge_all()
            self.deployment_id = self._add_deployment(session)
            return start
        counts = rollback_to(session, self.deployment_id, fork)
        log.warning(
            "indexer.reorg",
            deployment=self.deployment_id,
            old_cursor=cursor.last_block,
            fork_block=fork,
            undone=sum(counts.values()),
        )
        return fork

    def _fork_point(self, session: Session) -> int | None:
        """The newest recorded block whose hash the node still has (None: none does)."""
        recorded = session.scalars(
            select(IndexedBlock)
            .where(IndexedBlock.deployment_id == self.deployment_id)
            .order_by(IndexedBlock.number.desc())
        ).all()
        chunk = 32
        for i in range(0, len(recorded), chunk):
            part = recorded[i : i + chunk]
            now = self.chain.blocks(b.number for b in part)
            for block in part:
                ref: BlockRef | None = now.get(block.number)
                if ref is not None and ref.hash == block.hash:
                    return block.number
        return None

    # ------------------------------------------------------------------ the deployment row

    def _cursor(self, session: Session) -> IndexerCursor:
        cursor = session.get(IndexerCursor, self.deployment_id)
        if cursor is None:
            raise IndexerError(
                f"deployment {self.deployment_id} has no indexer cursor; the database was changed "
                "under the indexer — restart it"
            )
        return cursor

    def _ensure_deployment(self) -> int:
        d = self.deployment
        with self.sessions() as session:
            found = session.scalar(
                select(DeploymentRow.id).where(
                    DeploymentRow.chain_id == d.chain_id,
                    DeploymentRow.job_market == d.job_market.lower(),
                )
            )
            if found is None:
                found = self._add_deployment(session)
                session.commit()
            return int(found)

    def _add_deployment(self, session: Session) -> int:
        d = self.deployment
        row = DeploymentRow(
            chain_id=d.chain_id,
            deployer=d.deployer,
            start_block=d.block_number,
            stake_manager=d.stake_manager,
            randomness=d.randomness,
            job_market=d.job_market,
            referee_court=d.referee_court,
            dispute_game=d.dispute_game,
            forced_error_registry=d.forced_error_registry,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        session.add(
            IndexerCursor(
                deployment_id=row.id,
                last_block=d.block_number - 1,
                last_block_hash=None,
                updated_at=datetime.now(UTC),
            )
        )
        session.flush()
        log.info("indexer.deployment_added", deployment=row.id, chain_id=d.chain_id)
        return row.id
