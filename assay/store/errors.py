"""Errors of the artifact store; each message says what the caller should do."""

from __future__ import annotations

from assay.errors import AssayError


class StoreError(AssayError):
    """Root of every artifact-store error."""


class InvalidHashError(StoreError):
    """A content hash is not 0x followed by 64 hex digits."""


class ArtifactNotFoundError(StoreError):
    """The store holds no artifact with this hash."""


class ArtifactTooLargeError(StoreError):
    """An artifact exceeds the store's configured size limit."""


class CorruptArtifactError(StoreError):
    """The bytes read or received do not hash to the artifact's content hash."""
