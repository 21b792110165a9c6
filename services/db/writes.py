"""Idempotent inserts: the indexer can write the same logs twice (a retried batch, a restart
between writing and moving the cursor) and get each row once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from services.db.errors import DatabaseError


def insert_ignoring_duplicates(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """INSERT rows, skipping any that hit a primary key or unique constraint (ON CONFLICT DO
    NOTHING); returns the primary keys of the rows actually inserted.

    Apply an event's effect on the projections (jobs, games, stakes) only when its row came back
    here: that is what keeps re-indexing a log from applying it twice.
    """
    if not rows:
        return []
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:
        raise DatabaseError(f"idempotent inserts need SQLite or PostgreSQL, not {dialect}")
    result = session.execute(stmt.returning(*table.primary_key.columns), list(rows))
    return [tuple(row) for row in result.all()]
