"""Response models of the health and readiness probes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The process is up."""

    status: str = Field(examples=["ok"])


class IndexerProgress(BaseModel):
    """How far the indexer got in one deployment (from its cursor row)."""

    deployment_id: int
    last_block: int
    age_s: float = Field(description="Seconds since the cursor last moved.", examples=[2.5])


class Readiness(BaseModel):
    """The database answers and is migrated to the newest revision."""

    status: str = Field(examples=["ready"])
    revision: str | None = Field(examples=["8cc4c906e858"])
    head: str | None = Field(examples=["8cc4c906e858"])
    indexer: list[IndexerProgress]
