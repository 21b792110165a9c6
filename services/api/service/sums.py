"""Exact sums of wei columns on both backends.

PostgreSQL stores wei as NUMERIC(78, 0) and sums it exactly in SQL. SQLite stores zero-padded
text, where SQL SUM would go through floats, so there the rows are summed in Python.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def wei_sum(
    session: Session, amount: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> int:
    """Σ amount over the rows matching `where` (NULLs count as 0)."""
    if _sums_in_sql(session):
        return int(session.scalar(select(func.sum(amount)).where(*where)) or 0)
    return sum(value or 0 for value in session.scalars(select(amount).where(*where)))


def wei_sums_by(
    session: Session,
    key: InstrumentedAttribute[Any],
    amount: InstrumentedAttribute[Any],
    *where: ColumnElement[bool],
) -> dict[Any, int]:
    """Σ amount per distinct key over the rows matching `where`."""
    if _sums_in_sql(session):
        rows = session.execute(select(key, func.sum(amount)).where(*where).group_by(key))
        return {k: int(v or 0) for k, v in rows}
    totals: defaultdict[Any, int] = defaultdict(int)
    for k, v in session.execute(select(key, amount).where(*where)):
        totals[k] += v or 0
    return dict(totals)


def _sums_in_sql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
