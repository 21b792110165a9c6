"""Artifacts: verified uploads into the content-addressed store, metadata, ranged reads.

An upload names the sha256 it should have; the bytes stream into a temp file of the store and
are published only if they hash to it and fit the size limit, so a failed upload stores nothing.
Reads serve the stored bytes as they are: the name is the hash, and clients verify (a range
cannot be verified on its own).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from assay.store import ArtifactTooLargeError, ContentHash, CorruptArtifactError, LocalStore
from services.api.errors import HashMismatchError, NotFoundError, PayloadTooLargeError
from services.api.schemas.artifacts import ArtifactOut
from services.db.models import Artifact
from services.db.writes import insert_ignoring_duplicates

DEFAULT_MEDIA_TYPE = "application/octet-stream"
MAX_MEDIA_TYPE_CHARS = 255
READ_CHUNK_BYTES = 256 * 1024
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=(\"[^\"]*\"|{_TOKEN}))*")


@dataclass(frozen=True)
class Upload:
    """The outcome of an upload: the artifact, and whether this upload added it."""

    artifact: ArtifactOut
    created: bool


async def put_artifact(
    store: LocalStore,
    sessions: sessionmaker[Session],
    expected: ContentHash,
    chunks: AsyncIterator[bytes],
    *,
    media_type: str | None,
    declared_length: int | None,
) -> Upload:
    """Stream `chunks` into the store, verified against `expected`, and record it."""
    limit = store.max_artifact_bytes
    if declared_length is not None and declared_length > limit:
        raise _too_large(limit)
    with store.writer(expected) as writer:
        try:
            async for chunk in chunks:
                writer.write(chunk)
            await run_in_threadpool(writer.commit)
        except ArtifactTooLargeError:
            raise _too_large(limit) from None
        except CorruptArtifactError:
            raise HashMismatchError(
                f"the {writer.bytes_written} bytes received do not hash (sha256) to {expected}; "
                "nothing was stored — check the hash you computed, or send the bytes again"
            ) from None
        size = writer.bytes_written
    return await run_in_threadpool(_record, sessions, expected, size, _media_type(media_type))


def _record(sessions: sessionmaker[Session], content_hash: str, size: int, media: str) -> Upload:
    row = {
        "content_hash": content_hash,
        "size": size,
        "media_type": media,
        "created_at": datetime.now(UTC),
    }
    with sessions.begin() as session:
        created = bool(insert_ignoring_duplicates(session, Artifact, [row]))
        stored = session.get_one(Artifact, content_hash)
        return Upload(artifact=_out(stored.content_hash, stored.size, stored), created=created)


def artifact_info(session: Session, store: LocalStore, content_hash: ContentHash) -> ArtifactOut:
    """What the store holds under `content_hash`; NotFoundError if nothing."""
    if not store.has(content_hash):
        raise _not_found(content_hash)
    return _out(content_hash, store.size(content_hash), session.get(Artifact, content_hash))


def open_artifact(store: LocalStore, content_hash: ContentHash) -> BinaryIO:
    """The stored file, opened for reading (unverified: the client checks the hash)."""
    try:
        return open(store.path_of(content_hash), "rb")
    except FileNotFoundError:
        raise _not_found(content_hash) from None


def read_chunks(fh: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    """`length` bytes from `start`, in chunks; closes the file when done."""
    try:
        fh.seek(start)
        left = length
        while left > 0 and (chunk := fh.read(min(READ_CHUNK_BYTES, left))):
            left -= len(chunk)
            yield chunk
    finally:
        fh.close()


def _media_type(value: str | None) -> str:
    """The uploaded Content-Type if it is a well-formed media type, else octet-stream."""
    if value and len(value) <= MAX_MEDIA_TYPE_CHARS and _MEDIA_TYPE.fullmatch(value.strip()):
        return value.strip()
    return DEFAULT_MEDIA_TYPE


def _out(content_hash: str, size: int, row: Artifact | None) -> ArtifactOut:
    return ArtifactOut(
        content_hash=content_hash,
        size=size,
        media_type=DEFAULT_MEDIA_TYPE if row is None else row.media_type,
        created_at=None if row is None else row.created_at,
        url=f"/v1/artifacts/{content_hash}",
    )


def _not_found(content_hash: str) -> NotFoundError:
    return NotFoundError(
        f"no artifact {content_hash} in the store; upload it with PUT /v1/artifacts/{content_hash}"
    )


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the artifact is larger than this API's upload limit of {limit} bytes; nothing was "
        "stored — raise ASSAY_API_MAX_UPLOAD_BYTES on the server, or share it peer to peer "
        "(assay.net.blobs)",
        limit=limit,
    )
