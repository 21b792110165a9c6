"""GET /v1/stats and /v1/deployments."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import DeploymentParam, SessionDep
from services.api.problems import problems
from services.api.routes.params import READ_PROBLEMS
from services.api.schemas.stats import DeploymentList, ProtocolStats
from services.api.service import deployments, stats

router = APIRouter(prefix="/v1", tags=["protocol"])


@router.get("/stats", response_model=ProtocolStats, responses=problems(*READ_PROBLEMS))
def get_stats(session: SessionDep, deployment: DeploymentParam = None) -> ProtocolStats:
    """Jobs and disputes per status, escrow, stake, slashes and the jackpot pool."""
    return stats.protocol_stats(session, deployment=deployment)


@router.get("/deployments", response_model=DeploymentList)
def list_deployments(session: SessionDep) -> DeploymentList:
    """The deployments the database indexes, newest first (the default of `deployment`)."""
    return deployments.list_deployments(session)
