"""GET /healthz (the process is up) and /readyz (the database is usable)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from services.api.deps import ContextDep
from services.api.problems import problems
from services.api.schemas.health import Health, Readiness
from services.api.service.health import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """200 while the process serves requests; touches nothing else."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problems("not-ready"))
async def readyz(context: ContextDep) -> Readiness:
    """200 when the database answers and is migrated to the newest revision (with the
    indexer's progress per deployment); 503 problem+json saying what is wrong otherwise."""
    return await run_in_threadpool(readiness, context.engine)
