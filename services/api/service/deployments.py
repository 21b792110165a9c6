"""Which deployment a request is about, and the list of deployments."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.api.errors import InvalidCursorError, NotFoundError
from services.api.pagination import Cursor
from services.api.schemas.stats import DeploymentList, DeploymentOut
from services.db.models import Deployment, IndexerCursor


def resolve_deployment(
    session: Session, requested: int | None, cursor: Cursor | None = None
) -> int | None:
    """The deployment in scope: the requested one (which must exist), else the cursor's, else
    the newest; None if the database has none yet."""
    if cursor is not None:
        if requested is not None and requested != cursor.deployment:
            raise InvalidCursorError(
                f"the cursor pages deployment {cursor.deployment}, not {requested}; drop one of "
                "`cursor` and `deployment`"
            )
        requested = cursor.deployment
    if requested is not None:
        if session.get(Deployment, requested) is None:
            raise NotFoundError(
                f"no deployment {requested} in the database; GET /v1/deployments lists them"
            )
        return requested
    newest: int | None = session.scalar(select(func.max(Deployment.id)))
    return newest


def list_deployments(session: Session) -> DeploymentList:
    """Every deployment, newest first, with its indexer cursor."""
    rows = session.execute(
        select(Deployment, IndexerCursor.last_block)
        .outerjoin(IndexerCursor, IndexerCursor.deployment_id == Deployment.id)
        .order_by(Deployment.id.desc())
    )
    return DeploymentList(
        items=[
            DeploymentOut(
                id=dep.id,
                chain_id=dep.chain_id,
                start_block=dep.start_block,
                job_market=dep.job_market,
                stake_manager=dep.stake_manager,
                dispute_game=dep.dispute_game,
                referee_court=dep.referee_court,
                forced_error_registry=dep.forced_error_registry,
                created_at=dep.created_at,
                indexed_block=last_block,
            )
            for dep, last_block in rows
        ]
    )
