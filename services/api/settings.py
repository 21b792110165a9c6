"""The API's settings, typed and validated at start (pydantic-settings, env vars)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ARTIFACT_DIR = Path(".assay/store")
DEFAULT_MAX_UPLOAD_BYTES = 1024**3
DEFAULT_MAX_SPEC_BYTES = 256 * 1024


class ApiSettings(BaseSettings):
    """Where the API reads and stores, and how much it accepts.

    Environment: ASSAY_DATABASE_URL (shared with the indexer and `alembic`), then
    ASSAY_API_ARTIFACT_DIR, ASSAY_API_MAX_UPLOAD_BYTES, ASSAY_API_MAX_SPEC_BYTES,
    ASSAY_API_EXPLORER_TX_URL.
    """

    model_config = SettingsConfigDict(
        env_prefix="ASSAY_API_", extra="ignore", validate_by_name=True, frozen=True
    )

    database_url: str | None = Field(default=None, validation_alias="ASSAY_DATABASE_URL")
    """SQLAlchemy URL of the services database; unset: $ASSAY_DATABASE_URL's default, the
    SQLite file .assay/assay.db."""
    artifact_dir: Path = DEFAULT_ARTIFACT_DIR
    """Root of the content-addressed store uploads go to (the CLI's `--store` default, so
    specs `assay job submit` stored are downloadable too)."""
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, gt=0)
    """Largest artifact an upload may carry (bytes); larger ones get 413 and are discarded."""
    max_spec_bytes: int = Field(default=DEFAULT_MAX_SPEC_BYTES, gt=0)
    """Largest job spec the validation route reads (bytes)."""
    explorer_tx_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    """Block explorer base the web explorer links transactions to (the tx hash is appended,
    e.g. https://sepolia.etherscan.io/tx/); unset: transaction hashes are shown unlinked."""
