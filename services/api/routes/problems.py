"""GET /problems/{slug}: what each problem `type` URI means."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.api.errors import NotFoundError
from services.api.problems import PROBLEM_PATH, PROBLEM_TYPES, problems
from services.api.routes.params import READ_PROBLEMS

router = APIRouter(prefix=PROBLEM_PATH, tags=["problems"])


class ProblemTypeOut(BaseModel):
    """One kind of problem this API reports."""

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    description: str


@router.get("/{slug}", response_model=ProblemTypeOut, responses=problems(*READ_PROBLEMS))
def problem_type(
    slug: Annotated[str, Path(max_length=64, examples=["not-found"])],
) -> ProblemTypeOut:
    """The documentation of a problem type (the `type` member of an error response)."""
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise NotFoundError(
            f"no problem type {slug!r}; the types are {', '.join(sorted(PROBLEM_TYPES))}"
        )
    return ProblemTypeOut(
        type=kind.uri, title=kind.title, status=kind.status, description=kind.description
    )
