"""GET /v1/accounts/{address} and /v1/leaderboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.api.deps import DeploymentParam, SessionDep
from services.api.problems import problems
from services.api.routes.params import READ_PROBLEMS, AddressPath
from services.api.schemas.accounts import (
    Account,
    Leaderboard,
    LeaderboardOrder,
    LeaderboardRole,
)
from services.api.service import accounts
from services.api.service import leaderboard as ranking

router = APIRouter(prefix="/v1", tags=["accounts"])

MAX_LEADERBOARD = 100


@router.get("/accounts/{address}", response_model=Account, responses=problems(*READ_PROBLEMS))
def get_account(
    session: SessionDep, address: AddressPath, deployment: DeploymentParam = None
) -> Account:
    """An address's stake per role (total, locked, free, slashed), earnings by cause, and the
    credit it can claim; zeros for an address the protocol has not seen."""
    return accounts.get_account(session, address, deployment=deployment)


@router.get("/leaderboard", response_model=Leaderboard, responses=problems(*READ_PROBLEMS))
def get_leaderboard(
    session: SessionDep,
    role: Annotated[LeaderboardRole, Query(description="Rank solvers or verifiers.")] = (
        LeaderboardRole.SOLVER
    ),
    by: Annotated[LeaderboardOrder, Query(description="Rank by earnings or by jobs.")] = (
        LeaderboardOrder.EARNINGS
    ),
    limit: Annotated[int, Query(ge=1, le=MAX_LEADERBOARD, examples=[10])] = 20,
    deployment: DeploymentParam = None,
) -> Leaderboard:
    """The top solvers or verifiers, by earnings or by jobs."""
    return ranking.leaderboard(session, role=role, by=by, limit=limit, deployment=deployment)
