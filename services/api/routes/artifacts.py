"""PUT /v1/artifacts/{hash} (upload), GET …/{hash} (download, ranges), GET …/{hash}/info."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from assay.store import ContentHash
from services.api.deps import ContextDep, SessionDep
from services.api.errors import InvalidBodyError
from services.api.problems import problems
from services.api.ranges import parse_range
from services.api.routes.params import READ_PROBLEMS, ContentHashPath
from services.api.schemas.artifacts import ArtifactOut
from services.api.service import artifacts

router = APIRouter(prefix="/v1/artifacts", tags=["artifacts"])

EMPTY_SHA256 = ContentHash("0x" + hashlib.sha256(b"").hexdigest())
"""The only hash an empty body can match: naming it is asking to store nothing."""

BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY = {
    "required": True,
    "description": "The artifact's bytes; Content-Type is stored and served back.",
    "content": {"application/octet-stream": BINARY},
}
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole artifact, served with the media type it was uploaded with.",
        "content": {"*/*": BINARY},
    },
    206: {
        "description": "The requested byte range (Content-Range: bytes start-end/size).",
        "content": {"*/*": BINARY},
    },
}


@router.put(
    "/{content_hash}",
    status_code=201,
    response_model=ArtifactOut,
    responses={
        200: {"model": ArtifactOut, "description": "Already stored; nothing changed."},
        **problems("hash-mismatch", "payload-too-large", "invalid-request", "invalid-body"),
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_artifact(
    content_hash: ContentHashPath, request: Request, response: Response, context: ContextDep
) -> ArtifactOut:
    """Store bytes under their sha256: 201 if new, 200 if already there. The hash in the URL
    is checked: on a mismatch, an empty body, or past the size limit, nothing is stored."""
    if ContentHash(content_hash) == EMPTY_SHA256:
        raise InvalidBodyError(
            "the body is empty: an artifact has at least one byte; send the file's bytes"
        )
    declared = request.headers.get("content-length", "")
    upload = await artifacts.put_artifact(
        context.store,
        context.sessions,
        ContentHash(content_hash),
        request.stream(),
        media_type=request.headers.get("content-type"),
        declared_length=int(declared) if declared.isdigit() else None,
    )
    if not upload.created:
        response.status_code = 200
    response.headers["Location"] = upload.artifact.url
    return upload.artifact


@router.get(
    "/{content_hash}",
    response_class=StreamingResponse,
    responses={
        **DOWNLOAD_RESPONSES,
        **problems("not-found", "range-not-satisfiable", "invalid-request"),
    },
)
def download_artifact(
    content_hash: ContentHashPath,
    session: SessionDep,
    context: ContextDep,
    range_: Annotated[
        str | None,
        Header(
            alias="Range",
            description="One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-512`.",
            examples=["bytes=0-1023"],
        ),
    ] = None,
) -> StreamingResponse:
    """The artifact's bytes, whole or one range (206). They are served as stored: verify
    the sha256 of what you assemble."""
    key = ContentHash(content_hash)
    info = artifacts.artifact_info(session, context.store, key)
    wanted = parse_range(range_, info.size)
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{key}"',
        "Cache-Control": "public, max-age=31536000, immutable",
        # Uploaded bytes with an uploader-chosen type: never rendered or sniffed by browsers.
        "Content-Disposition": f'attachment; filename="{key.digits}"',
        "X-Content-Type-Options": "nosniff",
    }
    start, length, status = 0, info.size, 200
    if wanted is not None:
        start, length, status = wanted.start, wanted.length, 206
        headers["Content-Range"] = wanted.content_range
    headers["Content-Length"] = str(length)
    fh = artifacts.open_artifact(context.store, key)
    return StreamingResponse(
        artifacts.read_chunks(fh, start, length),
        status_code=status,
        media_type=info.media_type,
        headers=headers,
    )


@router.get("/{content_hash}/info", response_model=ArtifactOut, responses=problems(*READ_PROBLEMS))
def artifact_info(
    content_hash: ContentHashPath, session: SessionDep, context: ContextDep
) -> ArtifactOut:
    """Size and media type of a stored artifact, without its bytes."""
    return artifacts.artifact_info(session, context.store, ContentHash(content_hash))
