"""POST /v1/specs/validate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from services.api.deps import ContextDep
from services.api.errors import PayloadTooLargeError
from services.api.problems import problems
from services.api.schemas.specs import SpecValidation
from services.api.service.specs import spec_format, validate_spec

router = APIRouter(prefix="/v1/specs", tags=["specs"])

EXAMPLE_TOML = """version = 1

[model]
arch = "mlp"
hidden = [128]

[data]
source = "sklearn:digits"

[training]
steps = 500
batch_size = 64

[training.optimizer]
name = "adamw"
lr = 0.001
"""
EXAMPLE_JSON = {
    "version": 1,
    "model": {"arch": "mlp", "hidden": [128]},
    "data": {"source": "sklearn:digits"},
    "training": {"steps": 500, "batch_size": 64, "optimizer": {"name": "adamw", "lr": 0.001}},
}
REQUEST_BODY = {
    "required": True,
    "description": "A job spec: job.toml as TOML, or the same document as JSON.",
    "content": {
        "application/toml": {"schema": {"type": "string"}, "example": EXAMPLE_TOML},
        "application/json": {"schema": {"type": "object"}, "example": EXAMPLE_JSON},
    },
}


@router.post(
    "/validate",
    response_model=SpecValidation,
    responses=problems(
        "payload-too-large", "unsupported-media-type", "invalid-request", "invalid-body"
    ),
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def validate(
    request: Request,
    context: ContextDep,
    graph_hash: Annotated[
        bool,
        Query(description="Also compute the operator-graph hash (traces one training step)."),
    ] = False,
) -> SpecValidation:
    """Check a job spec with the rules of `assay job validate`: 200 with its spec hash and cost
    estimates, or 200 with `valid: false` and every problem, one line each."""
    fmt = spec_format(request.headers.get("content-type"))
    body = await read_limited(request, context.settings.max_spec_bytes)
    return await run_in_threadpool(validate_spec, body, fmt, with_graph_hash=graph_hash)


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body; PayloadTooLargeError past `limit` bytes (without reading it all)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"a job spec is at most {limit} bytes here (ASSAY_API_MAX_SPEC_BYTES); a real job.toml "
        "is a few hundred bytes — check that you sent the right file",
        limit=limit,
    )
