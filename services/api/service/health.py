"""Readiness: the database answers, is migrated to head, and how far the indexer got."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from services.api.errors import NotReadyError
from services.api.schemas.health import IndexerProgress, Readiness
from services.db.errors import DatabaseError
from services.db.migrate import head_revision
from services.db.models import IndexerCursor
from services.db.session import safe_url


@functools.cache
def _head() -> str | None:
    return head_revision()  # reads the migration scripts: once per process


def readiness(engine: Engine) -> Readiness:
    """Ready, with the revision and the indexer's progress; NotReadyError says what is wrong."""
    try:
        head = _head()
    except DatabaseError as exc:
        raise NotReadyError(
            str(exc), checks={"database": "unknown", "migrations": str(exc)}
        ) from None
    try:
        with engine.connect() as conn, Session(bind=conn) as session:
            current = MigrationContext.configure(conn).get_current_revision()
            cursors = session.scalars(select(IndexerCursor)).all() if current == head else []
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise NotReadyError(
            f"cannot query the database at {safe_url(engine.url)}: {reason}; start it, or set "
            "ASSAY_DATABASE_URL to a reachable one",
            checks={"database": "unreachable", "migrations": "unknown"},
        ) from None
    if current != head:
        raise NotReadyError(
            f"the database is at revision {current or 'none (never migrated)'}, not the newest "
            f"{head}; run `alembic upgrade head` (or services.db.upgrade(url))",
            checks={"database": "ok", "migrations": f"at {current}, head {head}"},
        )
    now = datetime.now(UTC)
    return Readiness(
        status="ready",
        revision=current,
        head=head,
        indexer=[
            IndexerProgress(
                deployment_id=c.deployment_id,
                last_block=c.last_block,
                age_s=max((now - c.updated_at).total_seconds(), 0.0),
            )
            for c in cursors
        ],
    )
