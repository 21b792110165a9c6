"""How far the indexer got and how far behind the node it is (for the API and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3

from services.db.models import Deployment, IndexerCursor
from services.indexer.errors import IndexerError


@dataclass(frozen=True)
class IndexerStatus:
    """One deployment's cursor against the node's head."""

    deployment_id: int
    chain_id: int
    job_market: str
    cursor_block: int  # every event up to this block is in the database
    cursor_hash: str | None
    updated_at: datetime  # when the cursor last moved (UTC)
    head: int  # the node's newest block

    @property
    def lag(self) -> int:
        """Blocks the database is behind the node (0: caught up, confirmations included)."""
        return max(self.head - self.cursor_block, 0)


def status(session: Session, w3: Web3, deployment_id: int | None = None) -> IndexerStatus:
    """The indexer's progress on the node's chain: `deployment_id`, else the deployment of that
    chain whose cursor moved last. IndexerError if nothing of that chain is indexed."""
    query = select(Deployment, IndexerCursor).join(
        IndexerCursor, IndexerCursor.deployment_id == Deployment.id
    )
    chain_id = int(w3.eth.chain_id)
    if deployment_id is not None:
        query = query.where(Deployment.id == deployment_id)
    else:
        query = query.where(Deployment.chain_id == chain_id)
    found = session.execute(query.order_by(IndexerCursor.updated_at.desc()).limit(1)).first()
    if found is None:
        which = f"deployment {deployment_id}" if deployment_id is not None else f"chain {chain_id}"
        raise IndexerError(
            f"nothing of {which} is indexed in this database; start the indexer "
            "(`assay indexer run`) with the same database URL"
        )
    deployment, cursor = found
    return IndexerStatus(
        deployment_id=deployment.id,
        chain_id=deployment.chain_id,
        job_market=deployment.job_market,
        cursor_block=cursor.last_block,
        cursor_hash=cursor.last_block_hash,
        updated_at=cursor.updated_at,
        head=int(w3.eth.block_number),
    )
