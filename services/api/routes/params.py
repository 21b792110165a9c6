"""Parameters several routes share, with their validation and OpenAPI examples."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from services.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from services.api.schemas.common import (
    ADDRESS_PATTERN,
    EXAMPLE_ADDRESS,
    EXAMPLE_SHA256,
    HASH_PATTERN,
    MAX_DB_INT,
)

AddressQuery = Annotated[
    str | None,
    Query(
        pattern=ADDRESS_PATTERN,
        description="An address, 0x + 40 hex digits (any case).",
        examples=[EXAMPLE_ADDRESS],
    ),
]
AddressPath = Annotated[
    str,
    Path(
        pattern=ADDRESS_PATTERN,
        description="An address, 0x + 40 hex digits (any case).",
        examples=[EXAMPLE_ADDRESS],
    ),
]
ContentHashPath = Annotated[
    str,
    Path(
        pattern=HASH_PATTERN,
        description="The artifact's sha256, 0x + 64 hex digits.",
        examples=[EXAMPLE_SHA256],
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.", examples=[20]),
]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="`next_cursor` of the previous page; omit for the first (newest) page.",
        examples=["eyJ2IjoxLCJsIjoiam9icyIsImQiOjEsImEiOjQxfQ"],
    ),
]
OnChainId = Annotated[int, Path(ge=0, le=MAX_DB_INT, examples=[7])]

READ_PROBLEMS = ("not-found", "invalid-request")
"""What a read can fail with: an unknown id or deployment, a malformed parameter."""
LIST_PROBLEMS = (*READ_PROBLEMS, "invalid-cursor")

__all__ = [
    "DEFAULT_LIMIT",
    "LIST_PROBLEMS",
    "READ_PROBLEMS",
    "AddressPath",
    "AddressQuery",
    "ContentHashPath",
    "CursorQuery",
    "Limit",
    "OnChainId",
]
