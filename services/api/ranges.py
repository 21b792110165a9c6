"""HTTP Range requests (RFC 9110 §14) for artifact downloads: one byte range per request.

A header this module cannot honour as a single range (bad syntax, another unit, several
ranges) is ignored, as the RFC allows, and the whole artifact is sent. A well-formed range that
starts past the end is unsatisfiable (416).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.api.errors import RangeNotSatisfiableError

_SINGLE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end] inclusive, of an artifact of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        """How many bytes the range covers."""
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        """The Content-Range header of a 206 response."""
        return f"bytes {self.start}-{self.end}/{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to send, or None for the whole artifact.

    Raises RangeNotSatisfiableError for a single well-formed range with no byte in [0, size).
    """
    if header is None:
        return None
    match = _SINGLE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return ByteRange(start=max(0, size - suffix), end=size - 1, size=size)
    start = int(first)
    if last != "" and int(last) < start:
        return None  # last before first: invalid syntax, ignored
    if start >= size:
        raise _unsatisfiable(header, size)
    end = size - 1 if last == "" else min(int(last), size - 1)
    return ByteRange(start=start, end=end, size=size)


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiableError:
    return RangeNotSatisfiableError(
        f"Range {header!r} asks for no byte of this {size}-byte artifact; ask for a range "
        f"within bytes 0-{max(size - 1, 0)}",
        size=size,
    )
