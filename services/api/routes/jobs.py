"""GET /v1/jobs and /v1/jobs/{job_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assay.protocol.types import JobId
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
from services.api.schemas.common import JobState
from services.api.schemas.jobs import JobDetail, JobPage
from services.api.service import jobs

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("", response_model=JobPage, responses=problems(*LIST_PROBLEMS))
def list_jobs(
    session: SessionDep,
    status: Annotated[
        list[JobState] | None,
        Query(
            description="Only jobs in these statuses (repeat the parameter for several).",
            examples=[["submitted", "claimed"]],
        ),
    ] = None,
    submitter: AddressQuery = None,
    solver: AddressQuery = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    deployment: DeploymentParam = None,
) -> JobPage:
    """Jobs, newest first, a page at a time; follow `next_cursor` until it is null."""
    return jobs.list_jobs(
        session,
        deployment=deployment,
        statuses=status or (),
        submitter=submitter,
        solver=solver,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{job_id}", response_model=JobDetail, responses=problems(*READ_PROBLEMS))
def get_job(
    session: SessionDep, job_id: OnChainId, deployment: DeploymentParam = None
) -> JobDetail:
    """One job in full, with its timeline: posted, claimed, submitted, attestations, disputes
    and their moves, settlement, payouts and slashes, in chain order."""
    return jobs.get_job(session, JobId(job_id), deployment=deployment)
