"""Content hashes: sha256, written as 0x-prefixed lowercase hex.

Why sha256 and not keccak256 (the chain's hash): artifacts are large (checkpoints, datasets),
and hashlib's sha256 runs near memory bandwidth on CPUs with SHA extensions, several times
faster than any keccak available to Python. The chain never hashes artifact bytes; it only
stores the artifact's hash as an opaque 32-byte value (and keccak is used for Merkle nodes).
"""

from __future__ import annotations

import hashlib
import re

from assay.store.errors import InvalidHashError

_HEX_RE = re.compile(r"0x[0-9a-f]{64}")


class ContentHash(str):
    """The sha256 of an artifact's bytes, as `0x` + 64 lowercase hex digits."""

    __slots__ = ()

    def __new__(cls, value: str) -> ContentHash:
        """Validate and normalise (to lowercase) a 0x-prefixed 64-digit hex string."""
        if not isinstance(value, str):
            raise InvalidHashError(f"a content hash is a hex string, got {type(value).__name__}")
        text = value.lower()
        if not _HEX_RE.fullmatch(text):
            raise InvalidHashError(
                f"a content hash is '0x' followed by 64 hex digits (sha256), got {value!r}"
            )
        return super().__new__(cls, text)

    @classmethod
    def from_digest(cls, digest: bytes) -> ContentHash:
        """Build from a raw 32-byte sha256 digest."""
        if len(digest) != 32:
            raise InvalidHashError(f"a sha256 digest is 32 bytes, got {len(digest)}")
        return cls("0x" + digest.hex())

    @classmethod
    def of(cls, data: bytes | bytearray | memoryview) -> ContentHash:
        """The content hash of an in-memory byte string."""
        return cls.from_digest(hashlib.sha256(data).digest())

    @property
    def digits(self) -> str:
        """The 64 hex digits without the 0x prefix (the artifact's file name)."""
        return str(self)[2:]

    @property
    def digest(self) -> bytes:
        """The raw 32-byte digest (what goes on-chain as bytes32)."""
        return bytes.fromhex(self.digits)


def new_hasher() -> hashlib._Hash:
    """A streaming sha256 hasher; finish with `ContentHash.from_digest(h.digest())`."""
    return hashlib.sha256()
