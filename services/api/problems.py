"""RFC 9457 problem details: the one place where errors become HTTP responses.

Every error the API returns is `application/problem+json` with `type`, `title`, `status`,
`detail` and `instance`, plus extension members (`errors`, `limit`, `size`, `checks`). The
problem types are listed in `PROBLEM_TYPES` and served at `/problems/<slug>`, so each `type` URI
resolves to its description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api.errors import (
    ApiError,
    HashMismatchError,
    InvalidBodyError,
    InvalidCursorError,
    NotFoundError,
    NotReadyError,
    PayloadTooLargeError,
    RangeNotSatisfiableError,
    UnsupportedMediaTypeError,
)

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_PATH = "/problems"


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong and what to change; extra members by type."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "no job 42 in deployment 1; list jobs with GET /v1/jobs",
                    "instance": "/v1/jobs/42",
                }
            ]
        },
    )

    type: str = Field(
        default="about:blank",
        description="URI of the problem type; `/problems/<slug>` describes it.",
        examples=["/problems/not-found"],
    )
    title: str = Field(description="Short summary of the problem type.", examples=["Not found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str | None = Field(
        default=None,
        description="What went wrong this time, and what to change.",
        examples=["no job 42 in deployment 1; list jobs with GET /v1/jobs"],
    )
    instance: str | None = Field(
        default=None,
        description="The request path this problem is about.",
        examples=["/v1/jobs/42"],
    )


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem the API reports."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        """The `type` member: a path on this API that describes the problem."""
        return f"{PROBLEM_PATH}/{self.slug}"


PROBLEM_TYPES: dict[str, ProblemType] = {
    p.slug: p
    for p in (
        ProblemType(
            "not-found",
            404,
            "Not found",
            "No job, dispute, deployment or artifact has that id or hash. Lists (GET /v1/jobs, "
            "/v1/disputes, /v1/deployments) show what exists.",
        ),
        ProblemType(
            "invalid-request",
            422,
            "Invalid request",
            "A path, query or header parameter failed validation; the `errors` member lists "
            "each one as {location, message}.",
        ),
        ProblemType(
            "invalid-body",
            422,
            "Invalid body",
            "The body does not parse as its Content-Type says: JSON with a syntax error or "
            "that is not an object, or text that is not UTF-8.",
        ),
        ProblemType(
            "invalid-cursor",
            422,
            "Invalid cursor",
            "The `cursor` was not produced by this listing, or belongs to another deployment. "
            "Pass back `next_cursor` exactly as received, or drop it to start over.",
        ),
        ProblemType(
            "payload-too-large",
            413,
            "Payload too large",
            "The body exceeds the configured limit (the `limit` member, in bytes); nothing "
            "was stored.",
        ),
        ProblemType(
            "hash-mismatch",
            400,
            "Content hash mismatch",
            "The uploaded bytes do not hash (sha256) to the content hash in the URL; they were "
            "discarded. Recompute the hash, or re-send the bytes if they were damaged.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "The body's Content-Type is not one this route reads; the detail lists those it does.",
        ),
        ProblemType(
            "range-not-satisfiable",
            416,
            "Range not satisfiable",
            "The Range header starts past the end of the artifact (its size is the `size` "
            "member and in Content-Range: bytes */size).",
        ),
        ProblemType(
            "not-ready",
            503,
            "Not ready",
            "The database is unreachable or not migrated to the newest revision; the `checks` "
            "member says which. Run `alembic upgrade head` or start the database.",
        ),
        ProblemType(
            "internal-error",
            500,
            "Internal server error",
            "An unexpected error; the server log has the details.",
        ),
    )
}

_TYPE_OF_ERROR: dict[type[ApiError], str] = {
    NotFoundError: "not-found",
    InvalidBodyError: "invalid-body",
    InvalidCursorError: "invalid-cursor",
    PayloadTooLargeError: "payload-too-large",
    HashMismatchError: "hash-mismatch",
    UnsupportedMediaTypeError: "unsupported-media-type",
    RangeNotSatisfiableError: "range-not-satisfiable",
    NotReadyError: "not-ready",
}


def problem_type_of(error: ApiError) -> ProblemType:
    """The problem type of a domain error (its nearest mapped base class)."""
    for cls in type(error).__mro__:
        slug = _TYPE_OF_ERROR.get(cls)
        if slug is not None:
            return PROBLEM_TYPES[slug]
    return PROBLEM_TYPES["internal-error"]


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    type_: str = "about:blank",
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response about `request`."""
    body = Problem(
        type=type_, title=title, status=status, detail=detail, instance=request.url.path
    ).model_dump()
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    kind = problem_type_of(exc)
    headers = None
    if isinstance(exc, RangeNotSatisfiableError):
        headers = {"Content-Range": f"bytes */{exc.size}"}
    return problem_response(
        request,
        status=kind.status,
        title=kind.title,
        type_=kind.uri,
        detail=exc.detail,
        headers=headers,
        **exc.extensions,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in err.get("loc", ())), "message": str(err["msg"])}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"location": "request", "message": "invalid"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    kind = PROBLEM_TYPES["invalid-request"]
    return problem_response(
        request,
        status=kind.status,
        title=kind.title,
        type_=kind.uri,
        detail=f"{first['location']}: {first['message']}{more}",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404:
        kind = PROBLEM_TYPES["not-found"]
        return problem_response(
            request,
            status=404,
            title=kind.title,
            type_=kind.uri,
            detail=f"no route {request.url.path}; the routes are listed at /docs",
        )
    detail = str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request, headers.get("allow", headers.get("Allow", "")))
        headers = {"Allow": allowed}
        detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
    elif exc.detail == phrase:
        detail = f"{phrase}: {request.method} {request.url.path}"
    return problem_response(
        request, status=exc.status_code, title=phrase, detail=detail, headers=headers
    )


def _allowed_methods(request: Request, fallback: str) -> str:
    """Every method the OpenAPI document declares at this path (Starlette's 405 names only
    the first route that matched the path)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods)) or fallback


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unexpected_error", path=request.url.path, error=type(exc).__name__)
    kind = PROBLEM_TYPES["internal-error"]
    return problem_response(
        request,
        status=500,
        title=kind.title,
        type_=kind.uri,
        detail="an unexpected error; the server log has the details",
    )


def install_handlers(app: FastAPI) -> None:
    """Map every error to problem+json, once for the whole app."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problems(*slugs: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries declaring the problem types (by slug) a route may return."""
    titles: dict[int, list[str]] = {}
    for slug in slugs:
        kind = PROBLEM_TYPES[slug]
        titles.setdefault(kind.status, []).append(f"{kind.title} ({kind.uri})")
    return {
        status: {"model": Problem, "description": "; ".join(names)}
        for status, names in titles.items()
    }


def problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every error response as problem+json (FastAPI writes application/json) and
    replace FastAPI's own 422 model with Problem."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if str(code)[0] not in "45":
                    continue
                content = response.get("content", {})
                json_body = content.pop("application/json", None)
                if json_body is not None or str(code) == "422":
                    content[PROBLEM_MEDIA_TYPE] = {"schema": problem_ref}
                    response["content"] = content
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema
