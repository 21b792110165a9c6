"""Artifact URIs: a content hash plus the peers that serve it, short enough to go on-chain.

assay://0x<64 hex>?peer=tcp://host:port&peer=tcp://host:port
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from assay.net.errors import UriError
from assay.store.errors import InvalidHashError
from assay.store.hashing import ContentHash

SCHEME = "assay"
MAX_PEERS = 8
MAX_URI_CHARS = 512
"""Long enough for 8 peers; short enough that a result's URI string stays cheap to store."""

_PEER_RE = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")


class ArtifactUri(NamedTuple):
    """A parsed artifact URI; unpacks as `(hash, peers)`."""

    content_hash: ContentHash
    peers: tuple[str, ...]


def validate_peer(peer: str) -> str:
    """Check a peer endpoint is `tcp://host:port` with a concrete host and port."""
    m = _PEER_RE.fullmatch(peer)
    if m is None:
        raise UriError(f"a peer must be tcp://host:port (e.g. tcp://10.0.0.5:7411), got {peer!r}")
    port = int(m["port"])
    if not 1 <= port <= 65535:
        raise UriError(f"peer port must be 1..65535, got {port} in {peer!r}")
    if m["host"] in ("0.0.0.0", "[::]"):
        raise UriError(
            f"peer {peer!r} is a wildcard bind address; advertise an address others can reach"
        )
    return peer


def make_uri(content_hash: str, peers: Sequence[str] = ()) -> str:
    """Build `assay://<0xhash>?peer=…` advertising where the artifact can be fetched."""
    try:
        h = ContentHash(content_hash)
    except InvalidHashError as exc:
        raise UriError(str(exc)) from None
    checked = [validate_peer(p) for p in peers]
    if len(checked) > MAX_PEERS:
        raise UriError(f"at most {MAX_PEERS} peers fit in an artifact URI, got {len(checked)}")
    query = urlencode([("peer", p) for p in checked], safe=":/[]")
    text = f"{SCHEME}://{h}" + (f"?{query}" if query else "")
    if len(text) > MAX_URI_CHARS:
        raise UriError(
            f"artifact URI is {len(text)} chars, over the on-chain limit of {MAX_URI_CHARS}; "
            "advertise fewer or shorter peer addresses"
        )
    return text


def parse_uri(text: str) -> ArtifactUri:
    """Parse and validate an artifact URI into `(hash, peers)`."""
    if len(text) > MAX_URI_CHARS:
        raise UriError(f"artifact URI is {len(text)} chars, over the limit of {MAX_URI_CHARS}")
    parts = urlsplit(text)
    if parts.scheme != SCHEME:
        raise UriError(f"an artifact URI starts with {SCHEME}://, got {text!r}")
    if parts.path not in ("", "/") or parts.fragment:
        raise UriError(f"an artifact URI is assay://<0xhash>?peer=…, got {text!r}")
    try:
        h = ContentHash(parts.netloc)
    except InvalidHashError as exc:
        raise UriError(f"bad hash in artifact URI {text!r}: {exc}") from None
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise UriError(f"malformed query in artifact URI {text!r}") from None
    peers: list[str] = []
    for key, value in pairs:
        if key != "peer":
            raise UriError(f"unknown artifact URI parameter {key!r}; only 'peer' is allowed")
        peers.append(validate_peer(value))
    if len(peers) > MAX_PEERS:
        raise UriError(f"at most {MAX_PEERS} peers fit in an artifact URI, got {len(peers)}")
    return ArtifactUri(h, tuple(peers))
