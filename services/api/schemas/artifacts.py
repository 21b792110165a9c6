"""Response models of the artifact routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.api.schemas.common import EXAMPLE_SHA256


class ArtifactOut(BaseModel):
    """An artifact the store holds: its content hash (sha256), size and media type."""

    content_hash: str = Field(pattern=r"^0x[0-9a-f]{64}$", examples=[EXAMPLE_SHA256])
    size: int = Field(ge=0, examples=[5])
    media_type: str = Field(examples=["application/octet-stream"])
    created_at: datetime | None = Field(
        description="When it was uploaded through the API; null if it reached the store "
        "another way (e.g. `assay job submit`)."
    )
    url: str = Field(
        description="Where to download it.", examples=[f"/v1/artifacts/{EXAMPLE_SHA256}"]
    )
