"""The declarative base, one MetaData with a naming convention, and the columns every
event-derived row carries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.db.types import Hash32

# Constraint and index names are deterministic, so migrations can name (and later drop) them.
# Every generated name stays under PostgreSQL's 63-character identifier limit (tested).
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Base of every services-database model."""

    metadata = metadata


def deployment_fk() -> Mapped[int]:
    """The deployment a row belongs to; deleting a deployment deletes everything indexed from it."""
    return mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), sort_order=-1)


class ChainEvent:
    """Where the log that produced a row sits on the chain.

    `(deployment_id, tx_hash, log_index)` is unique in every event table, so indexing the same log
    twice fails (or is skipped with `insert_ignoring_duplicates`); `block_number` is what a reorg
    rollback deletes by.
    """

    deployment_id: Mapped[int] = deployment_fk()
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(Hash32())
    block_time: Mapped[int] = mapped_column(BigInteger)  # unix seconds (the block's timestamp)
    tx_hash: Mapped[str] = mapped_column(Hash32())
    log_index: Mapped[int] = mapped_column(Integer)


def event_keys(*, primary: bool = False, position: bool = False) -> tuple[Any, ...]:
    """The natural key of an event row and the index a rollback deletes through.

    primary: the key is the table's primary key (tables with no domain key of their own).
    position: add the element index, for tables that expand one log's array into several rows.
    """
    key = ("deployment_id", "tx_hash", "log_index", *(("position",) if position else ()))
    unique = PrimaryKeyConstraint(*key) if primary else UniqueConstraint(*key)
    return (unique, Index(None, "deployment_id", "block_number"))


def in_check(column: str, values: list[str]) -> CheckConstraint:
    """CHECK `column` IN (values), named ck_<table>_<column> by the naming convention."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)
