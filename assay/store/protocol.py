"""The store seam: what agents and the blob service need from any artifact store.

A later S3/HTTP store implements these two protocols; `LocalStore` is the default.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol, Self

from assay.store.hashing import ContentHash


class ArtifactSink(Protocol):
    """An in-progress atomic write: bytes go in, and `commit` publishes them or nothing."""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes; raises ArtifactTooLargeError past the store's limit."""

    @property
    def bytes_written(self) -> int:
        """How many bytes have been written so far."""

    def commit(self) -> ContentHash:
        """Verify (against the expected hash, if any) and publish atomically."""

    def abort(self) -> None:
        """Discard everything written; idempotent."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class StoreProtocol(Protocol):
    """A content-addressed artifact store; reads are verified, writes are atomic."""

    @property
    def max_artifact_bytes(self) -> int:
        """The largest artifact this store accepts."""

    def put_bytes(self, data: bytes | bytearray | memoryview) -> ContentHash:
        """Store bytes; returns their content hash."""

    def put_file(self, path: Path) -> ContentHash:
        """Store a file's contents, streamed; returns their content hash."""

    def writer(self, expected: ContentHash | None = None) -> ArtifactSink:
        """Begin an atomic streamed write, optionally checked against `expected` on commit."""

    def open(self, content_hash: ContentHash) -> BinaryIO:
        """A binary reader over verified bytes; corrupt artifacts raise, never return."""

    def get_bytes(self, content_hash: ContentHash) -> bytes:
        """The verified bytes of an artifact."""

    def read_range(self, content_hash: ContentHash, offset: int, length: int) -> bytes:
        """Raw, UNVERIFIED bytes [offset, offset+length), for serving to peers (who verify)."""

    def has(self, content_hash: ContentHash) -> bool:
        """Whether the artifact is present (not verified)."""

    def size(self, content_hash: ContentHash) -> int:
        """The artifact's size in bytes."""

    def delete(self, content_hash: ContentHash) -> bool:
        """Remove the artifact; returns whether it was present."""

    def path_of(self, content_hash: ContentHash) -> Path:
        """Where the artifact lives (or would live) locally."""

    def bind_name(self, name: str, content_hash: ContentHash) -> None:
        """Point a name at a stored artifact (see LocalStore.bind_name)."""

    def resolve_name(self, name: str) -> ContentHash | None:
        """The content hash bound to `name`, or None."""
