"""Chain logs -> rows: every handled event becomes its row(s) and its effect on the projections
(jobs' transition groups, games, stakes), written in the caller's transaction.

Idempotent: each event row is inserted with `insert_ignoring_duplicates` and its effect applied
only when the row was new; a transition group is written only while it is empty. Indexing a log
twice changes nothing. The handlers of each contract live in services/indexer/handlers/.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

import structlog
from sqlalchemy.orm import DeclarativeBase, Session

from services.db.models import Job
from services.db.writes import insert_ignoring_duplicates
from services.indexer.causes import tx_context
from services.indexer.decode import ChainLog
from services.indexer.handlers import HANDLERS, IGNORED
from services.indexer.source import BlockRef

log = structlog.get_logger(__name__)


class Projector:
    """Applies the logs of one batch to the database of one deployment."""

    def __init__(
        self,
        session: Session,
        deployment_id: int,
        blocks: Mapping[int, BlockRef],
        jobs: Mapping[int, Mapping[str, Any]],
    ) -> None:
        self.session = session
        self.deployment_id = deployment_id
        self.blocks = blocks  # headers of every block with logs
        self.jobs = jobs  # getJob of each job posted in the batch

    def apply(self, logs: Sequence[ChainLog]) -> Counter[str]:
        """Write every log (sorted by block and log index); counts of applied/ignored events."""
        counts: Counter[str] = Counter()
        for _, grouped in groupby(logs, key=lambda lg: lg.tx_hash):
            tx = list(grouped)
            context = tx_context(tx, self.submitter_of)
            for lg in tx:
                handler = HANDLERS.get((lg.contract, lg.event))
                if handler is not None:
                    handler(self, lg, context)
                    counts["applied"] += 1
                    continue
                if (lg.contract, lg.event) not in IGNORED:
                    log.info("indexer.unhandled_event", contract=lg.contract.value, event=lg.event)
                counts["ignored"] += 1
        self.session.flush()
        return counts

    def time(self, lg: ChainLog) -> int:
        """The timestamp of `lg`'s block."""
        return self.blocks[lg.block_number].time

    def place(self, lg: ChainLog) -> dict[str, Any]:
        """The ChainEvent columns of a row built from `lg`."""
        return {
            "deployment_id": self.deployment_id,
            "block_number": lg.block_number,
            "block_hash": lg.block_hash,
            "block_time": self.time(lg),
            "tx_hash": lg.tx_hash,
            "log_index": lg.log_index,
        }

    def insert(self, model: type[DeclarativeBase], lg: ChainLog, **columns: Any) -> bool:
        """Insert the row of `lg` unless it is already there; whether it was new."""
        return self.insert_all(model, [self.place(lg) | columns]) > 0

    def insert_all(self, model: type[DeclarativeBase], rows: list[dict[str, Any]]) -> int:
        """Insert rows, skipping those already there; how many were new."""
        self.session.flush()  # ORM changes first: foreign keys and later reads see them
        return len(insert_ignoring_duplicates(self.session, model, rows))

    def transition(self, row: Any, group: str, lg: ChainLog, **data: Any) -> bool:
        """Write transition group `group` of `row` once; whether it was written now."""
        if row is None or getattr(row, f"{group}_block") is not None:
            return False
        setattr(row, f"{group}_at", self.time(lg))
        setattr(row, f"{group}_block", lg.block_number)
        setattr(row, f"{group}_tx", lg.tx_hash)
        for name, value in data.items():
            setattr(row, name, value)
        if isinstance(row, Job):
            row.status = row.derive_status()
        return True

    def get(self, model: type[DeclarativeBase], *key: Any) -> Any:
        """The row of `model` with primary key (deployment, *key), or None."""
        return self.session.get(model, (self.deployment_id, *key))

    def job(self, job_id: int) -> Job | None:
        """A job, or None (logged: the indexer started after it was posted)."""
        job: Job | None = self.get(Job, job_id)
        if job is None:
            log.warning("indexer.unknown_job", job=job_id, hint="index from the deployment block")
        return job

    def submitter_of(self, job_id: int) -> str | None:
        """Who posted a job (None if unknown)."""
        job: Job | None = self.get(Job, job_id)
        return job.submitter if job is not None else None
