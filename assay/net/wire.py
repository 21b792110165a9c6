"""The blob service's message frames (pure: building and parsing, no sockets).

Every message is a zmq multipart message whose first frame is `VERSION`; numbers are ASCII
decimal, hashes are the 0x-hex content hash in ASCII. The ROUTER side also sees the
client's identity frame first, which zmq adds and strips.

    client → server   HAS  <req> <hash>
                      GET  <req> <hash> <offset> <length>
                      RESOLVE <req> <name>
    server → client   SIZE    <req> <hash> <size>
                      DATA    <req> <hash> <offset> <payload>
                      MISSING <req> <hash>          (or <name>, for RESOLVE)
                      NAMED   <req> <name> <hash>
                      ERR     <req> <message>
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.net.errors import PeerError

VERSION = b"ASSAY-BLOB/1"
HAS = b"HAS"
GET = b"GET"
SIZE = b"SIZE"
DATA = b"DATA"
MISSING = b"MISSING"
ERR = b"ERR"
RESOLVE = b"RESOLVE"
NAMED = b"NAMED"

_FIELDS = {HAS: 2, GET: 4, SIZE: 3, DATA: 4, MISSING: 2, ERR: 2, RESOLVE: 2, NAMED: 3}
_MAX_DECIMAL_DIGITS = 20


@dataclass(frozen=True, slots=True)
class Message:
    """One parsed message: its kind, request id and the remaining fields."""

    kind: bytes
    req: int
    fields: tuple[bytes, ...]


def encode(kind: bytes, req: int, *fields: bytes | int | str) -> list[bytes]:
    """The frames of one message."""
    return [VERSION, kind, str(req).encode(), *(_frame(f) for f in fields)]


def decode(frames: list[bytes]) -> Message:
    """Parse frames into a Message; raises PeerError on anything malformed."""
    if len(frames) < 3 or frames[0] != VERSION:
        raise PeerError(f"not an {VERSION.decode()} message ({len(frames)} frames)")
    kind = frames[1]
    want = _FIELDS.get(kind)
    if want is None:
        raise PeerError(f"unknown message kind {kind[:16]!r}")
    if len(frames) - 3 != want - 1:
        raise PeerError(f"{kind.decode()} needs {want - 1} fields after the request id")
    return Message(kind, decimal(frames[2]), tuple(frames[3:]))


def decimal(frame: bytes) -> int:
    """A non-negative ASCII decimal field."""
    if not frame.isdigit() or len(frame) > _MAX_DECIMAL_DIGITS:
        raise PeerError(f"expected a decimal number, got {frame[:24]!r}")
    return int(frame)


def _frame(value: bytes | int | str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return str(value).encode()
    return value.encode()
