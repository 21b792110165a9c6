"""What is indexed and how far: deployments, the indexer's cursor, recent block hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, deployment_fk
from services.db.types import Address, Hash32, UTCDateTime


class Deployment(Base):
    """One deployment of the protocol (assay.chain.deploy.Deployment): a chain and its contracts.

    Every indexed row belongs to one, so a database can index several chains, or a devnet that was
    redeployed, side by side; job, game and request ids are only unique within a deployment.
    """

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("chain_id", "job_market"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    deployer: Mapped[str] = mapped_column(Address())
    start_block: Mapped[int] = mapped_column(BigInteger)  # of the first deployment tx
    stake_manager: Mapped[str] = mapped_column(Address())
    randomness: Mapped[str] = mapped_column(Address())
    job_market: Mapped[str] = mapped_column(Address())
    referee_court: Mapped[str] = mapped_column(Address())
    dispute_game: Mapped[str] = mapped_column(Address())
    forced_error_registry: Mapped[str] = mapped_column(Address())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IndexerCursor(Base):
    """How far the indexer got: every event up to and including `last_block` is in the database.

    Written in the same transaction as the rows of the batch it covers, so a crash never leaves
    rows without a cursor that accounts for them (or the reverse).
    """

    __tablename__ = "indexer_cursors"
    __table_args__ = (PrimaryKeyConstraint("deployment_id"),)

    deployment_id: Mapped[int] = deployment_fk()
    last_block: Mapped[int] = mapped_column(BigInteger)  # start_block - 1 before the first batch
    last_block_hash: Mapped[str | None] = mapped_column(Hash32())  # None only before the first
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IndexedBlock(Base):
    """A recently indexed block's hash, to find the fork point after a reorg.

    The indexer records every block it covers and prunes those older than its reorg window; the
    fork point is the newest block whose recorded hash the node still agrees with.
    """

    __tablename__ = "indexed_blocks"
    __table_args__ = (PrimaryKeyConstraint("deployment_id", "number"),)

    deployment_id: Mapped[int] = deployment_fk()
    number: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(Hash32())
    parent_hash: Mapped[str] = mapped_column(Hash32())
    time: Mapped[int] = mapped_column(BigInteger)  # unix seconds
