"""GET /v1/disputes and /v1/disputes/{game_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assay.protocol.types import GameId
from services.api.deps import DeploymentParam, SessionDep
from services.api.problems import problems
from services.api.routes.params import (
    DEFAULT_LIMIT,
    LIST_PROBLEMS,
    READ_PROBLEMS,
    AddressQuery,
    CursorQuery,
    Limit,
    OnChainId,
)
from services.api.schemas.common import MAX_DB_INT, DisputeState
from services.api.schemas.disputes import DisputeDetail, DisputePage
from services.api.service import disputes

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])


@router.get("", response_model=DisputePage, responses=problems(*LIST_PROBLEMS))
def list_disputes(
    session: SessionDep,
    status: Annotated[
        list[DisputeState] | None,
        Query(
            description="Only games in these phases or outcomes (repeat for several).",
            examples=[["step_bisection", "op_bisection"]],
        ),
    ] = None,
    job: Annotated[
        int | None, Query(ge=0, le=MAX_DB_INT, description="Only games on this job.", examples=[7])
    ] = None,
    challenger: AddressQuery = None,
    solver: AddressQuery = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    deployment: DeploymentParam = None,
) -> DisputePage:
    """Dispute games, newest first, a page at a time; follow `next_cursor` until it is null."""
    return disputes.list_disputes(
        session,
        deployment=deployment,
        statuses=status or (),
        job_id=job,
        challenger=challenger,
        solver=solver,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{game_id}", response_model=DisputeDetail, responses=problems(*READ_PROBLEMS))
def get_dispute(
    session: SessionDep, game_id: OnChainId, deployment: DeploymentParam = None
) -> DisputeDetail:
    """One game: the bisection interval, whose move it is, the clocks, every move, and the
    referee court's rounds and votes if it reached adjudication."""
    return disputes.get_dispute(session, GameId(game_id), deployment=deployment)
