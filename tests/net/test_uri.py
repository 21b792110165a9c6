"""Artifact URIs: hash + peers, validated, bounded for on-chain storage."""

from __future__ import annotations

import pytest

from assay.net.errors import UriError
from assay.net.uri import MAX_PEERS, MAX_URI_CHARS, ArtifactUri, make_uri, parse_uri
from assay.store import ContentHash

H = ContentHash.of(b"checkpoint")


def test_roundtrip_with_peers() -> None:
    peers = ["tcp://127.0.0.1:7411", "tcp://node-2.example:9000", "tcp://[::1]:7411"]
    text = make_uri(H, peers)
    assert text == f"assay://{H}?peer={peers[0]}&peer={peers[1]}&peer={peers[2]}"
    h, got = parse_uri(text)
    assert (h, list(got)) == (H, peers)
    assert parse_uri(text) == ArtifactUri(H, tuple(peers))


def test_roundtrip_without_peers() -> None:
    assert make_uri(H) == f"assay://{H}"
    assert parse_uri(f"assay://{H}") == (H, ())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("assay://0x1234?peer=tcp://127.0.0.1:1", "bad hash"),
        (f"https://{H}", "assay://"),
        (f"assay://{H}/path", "assay://<0xhash>"),
        (f"assay://{H}?peer=udp://127.0.0.1:1", "tcp://host:port"),
        (f"assay://{H}?peer=tcp://127.0.0.1", "tcp://host:port"),
        (f"assay://{H}?peer=tcp://127.0.0.1:70000", "port"),
        (f"assay://{H}?peer=tcp://127.0.0.1:0", "port"),
        (f"assay://{H}?peer=tcp://0.0.0.0:5", "wildcard"),
        (f"assay://{H}?peer=tcp://*:5", "tcp://host:port"),
        (f"assay://{H}?mirror=x", "only 'peer'"),
        ("assay://" + "0" * 600, "limit"),
    ],
)
def test_parse_rejects_malformed(text: str, match: str) -> None:
    with pytest.raises(UriError, match=match):
        parse_uri(text)


def test_too_many_peers() -> None:
    peers = [f"tcp://10.0.0.{i}:1" for i in range(MAX_PEERS + 1)]
    with pytest.raises(UriError, match=f"at most {MAX_PEERS}"):
        make_uri(H, peers)
    text = f"assay://{H}?" + "&".join(f"peer={p}" for p in peers)
    with pytest.raises(UriError, match=f"at most {MAX_PEERS}"):
        parse_uri(text)


def test_too_long_for_an_on_chain_string() -> None:
    peers = [f"tcp://{'a' * 60}.example:65535" for _ in range(MAX_PEERS)]
    with pytest.raises(UriError, match=str(MAX_URI_CHARS)):
        make_uri(H, peers)


def test_make_rejects_a_bad_hash() -> None:
    with pytest.raises(UriError, match="64 hex digits"):
        make_uri("0xabc", [])
