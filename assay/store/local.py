"""The default artifact store: a local directory, content-addressed by sha256.

Layout under `root`:

    ab/cd/abcd…(64 hex digits)   the artifact, read-only, named by its hash without 0x
    .tmp/                        in-progress writes (same filesystem, so os.replace is atomic)
    .quarantine/                 artifacts that failed verification, kept for inspection
    .names/                      names bound to content hashes (`bind_name`), one small file each

A write goes to a temp file, is fsynced, then `os.replace`d onto its final name and the
directory fsynced: a reader sees the whole artifact or none of it, whatever crashes.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

import structlog

from assay.store.errors import (
    ArtifactNotFoundError,
    ArtifactTooLargeError,
    CorruptArtifactError,
    StoreError,
)
from assay.store.hashing import ContentHash, new_hasher

log = structlog.get_logger(__name__)

DEFAULT_STORE = Path(".assay/store")
"""The store the CLI and the agents use unless told otherwise (`--store`, $ASSAY_STORE)."""
DEFAULT_MAX_ARTIFACT_BYTES = 64 * 1024**3
"""64 GiB: above the largest checkpoint a job spec may ask for."""
IO_CHUNK_BYTES = 1024 * 1024
TMP_DIR = ".tmp"
QUARANTINE_DIR = ".quarantine"
NAMES_DIR = ".names"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")
MAX_NAME_CHARS = 200


def check_name(name: str) -> str:
    """A valid artifact name: lowercase path segments of [a-z0-9._-], no `..`, ≤ 200 chars."""
    if len(name) > MAX_NAME_CHARS or not NAME_RE.fullmatch(name) or ".." in name:
        raise StoreError(
            f"invalid artifact name {name[:60]!r}: use lowercase segments of a-z, 0-9, '.', "
            f"'_', '-' separated by '/', at most {MAX_NAME_CHARS} characters, no '..'"
        )
    return name


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalArtifactWriter:
    """An atomic streamed write into a LocalStore; use as a context manager."""

    def __init__(self, store: LocalStore, expected: ContentHash | None) -> None:
        self._store = store
        self._expected = expected
        self._hasher = new_hasher()
        self._written = 0
        self._done = False
        name = f"{secrets.token_hex(8)}.part"
        self._tmp_path = store.root / TMP_DIR / name
        self._fh: BinaryIO | None = open(self._tmp_path, "xb")  # noqa: SIM115 (closed in commit/abort)

    @property
    def bytes_written(self) -> int:
        """How many bytes have been written so far."""
        return self._written

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes; raises ArtifactTooLargeError (and discards the write) past the limit."""
        if self._fh is None:
            raise StoreError("this artifact write is already finished; start a new writer")
        size = len(data)
        limit = self._store.max_artifact_bytes
        if self._written + size > limit:
            self.abort()
            raise ArtifactTooLargeError(
                f"artifact exceeds the store's limit of {limit} bytes; raise "
                "max_artifact_bytes if this artifact is legitimate"
            )
        self._fh.write(data)
        self._hasher.update(data)
        self._written += size

    def commit(self) -> ContentHash:
        """Verify against the expected hash (if given) and publish atomically."""
        fh = self._fh
        if fh is None:
            raise StoreError("this artifact write is already finished; start a new writer")
        try:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            self._fh = None
            actual = ContentHash.from_digest(self._hasher.digest())
            if self._expected is not None and actual != self._expected:
                raise CorruptArtifactError(
                    f"received bytes hash to {actual}, not the expected {self._expected}; "
                    "the data was discarded — fetch it again from another peer"
                )
            final = self._store.path_of(actual)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(self._tmp_path, 0o444)
            # Concurrent writers of the same content each replace with identical bytes: fine.
            os.replace(self._tmp_path, final)
            _fsync_dir(final.parent)
        except BaseException:
            self.abort()
            raise
        self._done = True
        log.debug("artifact stored", hash=actual, size=self._written)
        return actual

    def abort(self) -> None:
        """Discard everything written; idempotent."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        self._done = True
        with contextlib.suppress(FileNotFoundError):
            self._tmp_path.unlink()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Leaving the block without commit (or by an exception) publishes nothing.
        if self._fh is not None or not self._done:
            self.abort()


class LocalStore:
    """A content-addressed artifact store in a local directory (see module docstring)."""

    def __init__(self, root: Path, *, max_artifact_bytes: int = DEFAULT_MAX_ARTIFACT_BYTES) -> None:
        if max_artifact_bytes <= 0:
            raise StoreError(f"max_artifact_bytes must be positive, got {max_artifact_bytes}")
        self.root = Path(root)
        self._max = max_artifact_bytes
        (self.root / TMP_DIR).mkdir(parents=True, exist_ok=True)
        (self.root / QUARANTINE_DIR).mkdir(parents=True, exist_ok=True)

    @property
    def max_artifact_bytes(self) -> int:
        """The largest artifact this store accepts."""
        return self._max

    def remove_stale_temp(self, older_than_s: float = 3600.0) -> int:
        """Delete temp files a crashed writer left behind; returns how many were removed.

        A temp file still being written has a recent mtime, so only idle ones go.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for part in (self.root / TMP_DIR).iterdir():
            with contextlib.suppress(FileNotFoundError):
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
        if removed:
            log.info("removed stale temp files", count=removed, root=str(self.root))
        return removed

    def path_of(self, content_hash: ContentHash) -> Path:
        """Where the artifact lives (or would live): root/ab/cd/abcd…."""
        digits = ContentHash(content_hash).digits
        return self.root / digits[0:2] / digits[2:4] / digits

    def writer(self, expected: ContentHash | None = None) -> LocalArtifactWriter:
        """Begin an atomic streamed write, optionally checked against `expected` on commit."""
        return LocalArtifactWriter(self, None if expected is None else ContentHash(expected))

    def put_bytes(self, data: bytes | bytearray | memoryview) -> ContentHash:
        """Store bytes; returns their content hash."""
        with self.writer() as w:
            w.write(data)
            return w.commit()

    def put_file(self, path: Path) -> ContentHash:
        """Store a file's contents, streamed in chunks; returns their content hash."""
        with open(path, "rb") as src, self.writer() as w:
            while chunk := src.read(IO_CHUNK_BYTES):
                w.write(chunk)
            return w.commit()

    def has(self, content_hash: ContentHash) -> bool:
        """Whether the artifact is present (not verified; reads verify)."""
        return self.path_of(content_hash).is_file()

    def size(self, content_hash: ContentHash) -> int:
        """The artifact's size in bytes."""
        try:
            return self.path_of(content_hash).stat().st_size
        except FileNotFoundError:
            raise self._not_found(content_hash) from None

    def delete(self, content_hash: ContentHash) -> bool:
        """Remove the artifact; returns whether it was present."""
        try:
            self.path_of(content_hash).unlink()
        except FileNotFoundError:
            return False
        return True

    def open(self, content_hash: ContentHash) -> BinaryIO:
        """A reader positioned at 0 over bytes verified in a streamed pass first.

        The same open file is verified then returned, so a later swap of the path cannot
        slip unverified bytes in. A corrupt artifact is quarantined and raises.
        """
        content_hash = ContentHash(content_hash)
        fh = self._open_raw(content_hash)
        try:
            hasher = new_hasher()
            while chunk := fh.read(IO_CHUNK_BYTES):
                hasher.update(chunk)
            self._check(content_hash, ContentHash.from_digest(hasher.digest()))
            fh.seek(0)
        except BaseException:
            fh.close()
            raise
        return fh

    def get_bytes(self, content_hash: ContentHash) -> bytes:
        """The verified bytes of an artifact (read once, hashed once)."""
        content_hash = ContentHash(content_hash)
        with self._open_raw(content_hash) as fh:
            data = fh.read()
        self._check(content_hash, ContentHash.of(data))
        return data

    def read_range(self, content_hash: ContentHash, offset: int, length: int) -> bytes:
        """Raw, UNVERIFIED bytes [offset, offset+length), for serving peers (who verify)."""
        if offset < 0 or length < 0:
            raise StoreError(f"a byte range needs offset, length >= 0, got {offset}, {length}")
        with self._open_raw(ContentHash(content_hash)) as fh:
            fh.seek(offset)
            return fh.read(length)

    # --- names: mutable pointers to immutable artifacts --------------------------------------

    def bind_name(self, name: str, content_hash: ContentHash) -> None:
        """Point `name` at a stored artifact (atomically replacing any earlier binding).

        Names let a peer ask for "the op inputs of job 3, step 7, op 41" before it knows
        the hash; whatever a name resolves to is still fetched and verified by hash, and
        its meaning is checked by the reader (a name is a hint, never evidence).
        """
        content_hash = ContentHash(content_hash)
        if not self.has(content_hash):
            raise self._not_found(content_hash)
        path = self.root / NAMES_DIR / check_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.root / TMP_DIR / f"name.{secrets.token_hex(8)}"
        tmp.write_text(content_hash)
        os.replace(tmp, path)

    def resolve_name(self, name: str) -> ContentHash | None:
        """The content hash bound to `name`, or None."""
        path = self.root / NAMES_DIR / check_name(name)
        try:
            return ContentHash(path.read_text().strip())
        except FileNotFoundError:
            return None

    def _open_raw(self, content_hash: ContentHash) -> BinaryIO:
        try:
            return open(self.path_of(content_hash), "rb")
        except FileNotFoundError:
            raise self._not_found(content_hash) from None

    def _not_found(self, content_hash: ContentHash) -> ArtifactNotFoundError:
        return ArtifactNotFoundError(
            f"no artifact {content_hash} in the store at {self.root}; fetch it from a peer "
            "(assay.net.blobs.BlobClient) or put it first"
        )

    def _check(self, expected: ContentHash, actual: ContentHash) -> None:
        if actual == expected:
            return
        where = self._quarantine(expected)
        log.warning("corrupt artifact quarantined", hash=expected, actual=actual, moved_to=where)
        raise CorruptArtifactError(
            f"artifact {expected} on disk hashes to {actual}: the file is corrupt and was "
            f"moved to {where}; fetch it again from a peer"
        )

    def _quarantine(self, content_hash: ContentHash) -> Path:
        target = self.root / QUARANTINE_DIR / f"{content_hash.digits}.{time.time_ns()}"
        # FileNotFoundError: another reader already moved it.
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path_of(content_hash), target)
        return target
