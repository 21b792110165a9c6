"""What every cursor-paginated list response carries besides its items."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PageInfo(BaseModel):
    """Where this page ends and how to get the next one."""

    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page.",
        examples=["eyJ2IjoxLCJsIjoiam9icyIsImQiOjEsImEiOjQxfQ"],
    )
    limit: int = Field(description="The page size that was applied.", examples=[50])
