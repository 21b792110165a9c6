"""Content-addressed artifact store: sha256-named, verified on read, written atomically."""

from assay.store.errors import (
    ArtifactNotFoundError,
    ArtifactTooLargeError,
    CorruptArtifactError,
    InvalidHashError,
    StoreError,
)
from assay.store.hashing import ContentHash
from assay.store.local import (
    DEFAULT_MAX_ARTIFACT_BYTES,
    DEFAULT_STORE,
    LocalArtifactWriter,
    LocalStore,
)
from assay.store.protocol import ArtifactSink, StoreProtocol

__all__ = [
    "DEFAULT_MAX_ARTIFACT_BYTES",
    "DEFAULT_STORE",
    "ArtifactNotFoundError",
    "ArtifactSink",
    "ArtifactTooLargeError",
    "ContentHash",
    "CorruptArtifactError",
    "InvalidHashError",
    "LocalArtifactWriter",
    "LocalStore",
    "StoreError",
    "StoreProtocol",
]
