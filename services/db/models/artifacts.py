"""Artifacts the API stores (upload/download by content hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base
from services.db.types import Hash32, UTCDateTime


class Artifact(Base):
    """An artifact's metadata; the bytes live in the content-addressed store (assay.store)."""

    __tablename__ = "artifacts"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    content_hash: Mapped[str] = mapped_column(Hash32(), primary_key=True)  # sha256 (ContentHash)
    size: Mapped[int] = mapped_column(BigInteger)  # bytes
    media_type: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
