"""Blob service: chunked fetch with flow control, dead/slow/lying peers skipped."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq

from assay.net import wire
from assay.net.blobs import BlobClient, BlobServer
from assay.net.errors import ArtifactUnavailableError, NetError
from assay.store import ContentHash, LocalStore

TIMEOUT = 0.5


def _free_endpoint() -> str:
    # A port that was free a moment ago and that nothing listens on.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def _no_leftovers(store: LocalStore) -> bool:
    files = [p for p in store.root.rglob("*") if p.is_file()]
    return files == []


@pytest.fixture
def src(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "src")


@pytest.fixture
def dst(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "dst")


@pytest.fixture
def server(src: LocalStore) -> Iterator[BlobServer]:
    with BlobServer(src) as srv:
        yield srv


def _client(peers: list[str], store: LocalStore) -> BlobClient:
    return BlobClient(peers, store, timeout=TIMEOUT, chunk_bytes=64 * 1024, window=4)


def test_server_reports_its_bound_loopback_endpoint(server: BlobServer) -> None:
    assert server.endpoint.startswith("tcp://127.0.0.1:")
    assert int(server.endpoint.rsplit(":", 1)[1]) > 0
    assert server.running


def test_server_close_is_clean_and_idempotent(src: LocalStore) -> None:
    srv = BlobServer(src)
    srv.close()
    assert not srv.running
    srv.close()


def test_bind_failure_says_what_to_do(server: BlobServer, src: LocalStore) -> None:
    with pytest.raises(NetError, match="free port"):
        BlobServer(src, bind=server.endpoint)


def test_fetch_multi_chunk_artifact(server: BlobServer, src: LocalStore, dst: LocalStore) -> None:
    data = os.urandom(1024 * 1024 + 123)
    h = src.put_bytes(data)
    path = _client([server.endpoint], dst).fetch(h)
    assert path == dst.path_of(h)
    assert dst.get_bytes(h) == data
    assert list((dst.root / ".tmp").iterdir()) == []


def test_fetch_empty_artifact(server: BlobServer, src: LocalStore, dst: LocalStore) -> None:
    h = src.put_bytes(b"")
    _client([server.endpoint], dst).fetch(h)
    assert dst.get_bytes(h) == b""


def test_query_reports_size_or_absence(
    server: BlobServer, src: LocalStore, dst: LocalStore
) -> None:
    h = src.put_bytes(b"12345")
    client = _client([], dst)
    assert client.query(server.endpoint, h) == 5
    assert client.query(server.endpoint, ContentHash.of(b"nope")) is None


def test_fetch_of_a_present_artifact_needs_no_peer(dst: LocalStore) -> None:
    h = dst.put_bytes(b"local")
    assert _client([], dst).fetch(h) == dst.path_of(h)


def test_dead_peer_is_skipped_after_its_timeout(
    server: BlobServer, src: LocalStore, dst: LocalStore
) -> None:
    h = src.put_bytes(b"payload")
    start = time.monotonic()
    _client([_free_endpoint(), server.endpoint], dst).fetch(h)
    elapsed = time.monotonic() - start
    assert dst.get_bytes(h) == b"payload"
    assert TIMEOUT <= elapsed < TIMEOUT + 2


def test_unavailable_names_the_hash_and_every_peer(server: BlobServer, dst: LocalStore) -> None:
    h = ContentHash.of(b"nobody has this")
    dead = _free_endpoint()
    with pytest.raises(ArtifactUnavailableError) as info:
        _client([dead, server.endpoint], dst).fetch(h)
    assert info.value.content_hash == h
    assert info.value.peers == [dead, server.endpoint]
    assert h in str(info.value) and dead in str(info.value) and server.endpoint in str(info.value)
    assert "does not have it" in str(info.value)


def test_lying_peer_is_detected_and_the_next_peer_used(tmp_path: Path, dst: LocalStore) -> None:
    data = os.urandom(300 * 1024)
    liar_store = LocalStore(tmp_path / "liar")
    honest_store = LocalStore(tmp_path / "honest")
    h = liar_store.put_bytes(data)
    honest_store.put_bytes(data)
    path = liar_store.path_of(h)
    path.chmod(0o644)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with BlobServer(liar_store) as liar, BlobServer(honest_store) as honest:
        with pytest.raises(ArtifactUnavailableError, match="not the expected"):
            _client([liar.endpoint], dst).fetch(h)
        assert _no_leftovers(dst)
        _client([liar.endpoint, honest.endpoint], dst).fetch(h)
    assert dst.get_bytes(h) == data


class _StopAfterReads(LocalStore):
    """A store whose server stops serving after `n` range reads (a peer dying mid-transfer)."""

    server: BlobServer | None = None
    n = 2
    reads = 0

    def read_range(self, content_hash: ContentHash, offset: int, length: int) -> bytes:
        self.reads += 1
        if self.reads >= self.n and self.server is not None:
            self.server.stop()
        return super().read_range(content_hash, offset, length)


def test_server_stopped_mid_transfer_is_skipped(
    tmp_path: Path, src: LocalStore, server: BlobServer, dst: LocalStore
) -> None:
    data = os.urandom(1024 * 1024)
    dying = _StopAfterReads(tmp_path / "dying")
    h = dying.put_bytes(data)
    src.put_bytes(data)
    dying_server = BlobServer(dying)
    dying.server = dying_server
    try:
        with pytest.raises(ArtifactUnavailableError, match="no reply"):
            _client([dying_server.endpoint], dst).fetch(h)
        assert _no_leftovers(dst)
        assert dying.reads >= 2
        _client([dying_server.endpoint, server.endpoint], dst).fetch(h)
    finally:
        dying_server.close()
    assert dst.get_bytes(h) == data


def test_client_keeps_at_most_window_requests_in_flight(dst: LocalStore) -> None:
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind("tcp://127.0.0.1:*")
    endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)
    h = ContentHash.of(b"x" * (1024 * 1024))
    client = BlobClient([endpoint], dst, timeout=1.0, chunk_bytes=1024, window=3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            client.fetch(h)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert router.poll(2000)
        ident, *frames = router.recv_multipart()
        has = wire.decode(frames)
        assert has.kind == wire.HAS
        router.send_multipart([ident, *wire.encode(wire.SIZE, has.req, h, 1024 * 1024)])
        gets = []
        # Collect requests until the client stops sending (it must wait for credit).
        while router.poll(300):
            gets.append(wire.decode(router.recv_multipart()[1:]))
        assert [g.kind for g in gets] == [wire.GET] * 3
        assert [wire.decimal(g.fields[1]) for g in gets] == [0, 1024, 2048]
    finally:
        thread.join(5)
        router.close()
    assert len(errors) == 1 and isinstance(errors[0], ArtifactUnavailableError)
    assert _no_leftovers(dst)


def test_peer_claiming_an_oversize_artifact_is_skipped(
    server: BlobServer, src: LocalStore, tmp_path: Path
) -> None:
    small = LocalStore(tmp_path / "small", max_artifact_bytes=10)
    h = src.put_bytes(b"x" * 100)
    with pytest.raises(ArtifactUnavailableError, match="limit"):
        _client([server.endpoint], small).fetch(h)


def test_malformed_requests_do_not_kill_the_server(
    server: BlobServer, src: LocalStore, dst: LocalStore
) -> None:
    h = src.put_bytes(b"still serving")
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(server.endpoint)
    try:
        dealer.send_multipart([b"garbage"])
        dealer.send_multipart(wire.encode(wire.GET, 1, b"0xnothex", 0, 1))
        reply = wire.decode(dealer.recv_multipart())
        assert reply.kind == wire.ERR and reply.req == 1
    finally:
        dealer.close()
    assert _client([server.endpoint], dst).fetch(h)
    assert server.running


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"timeout": 0}, "timeout"), ({"chunk_bytes": 0}, "chunk_bytes"), ({"window": 0}, "window")],
)
def test_client_rejects_bad_settings(dst: LocalStore, kw: dict[str, float], match: str) -> None:
    with pytest.raises(NetError, match=match):
        BlobClient([], dst, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ names


def test_resolve_returns_the_hash_a_peer_binds_to_a_name(
    src: LocalStore, dst: LocalStore, server: BlobServer
) -> None:
    h = src.put_bytes(b"bundle")
    src.bind_name("op-inputs/job-1/step-2/op-3", h)
    client = BlobClient([server.endpoint], dst, timeout=TIMEOUT)
    assert client.resolve("op-inputs/job-1/step-2/op-3") == h
    client.fetch(h)
    assert dst.get_bytes(h) == b"bundle"


def test_resolve_skips_peers_without_the_name_and_dead_peers(
    src: LocalStore, dst: LocalStore, server: BlobServer, tmp_path: Path
) -> None:
    other = LocalStore(tmp_path / "other")
    with BlobServer(other) as empty:
        h = src.put_bytes(b"x")
        src.bind_name("a/b", h)
        client = BlobClient(
            [_free_endpoint(), empty.endpoint, server.endpoint], dst, timeout=TIMEOUT
        )
        assert client.resolve("a/b") == h


def test_resolve_names_every_peer_when_no_one_has_the_name(
    dst: LocalStore, server: BlobServer
) -> None:
    dead = _free_endpoint()
    client = BlobClient([server.endpoint, dead], dst, timeout=TIMEOUT)
    with pytest.raises(ArtifactUnavailableError) as err:
        client.resolve("nobody/has/this")
    assert server.endpoint in str(err.value) and dead in str(err.value)
    assert "no such name" in str(err.value)


def test_a_malformed_name_gets_an_error_reply_not_a_crash(
    dst: LocalStore, server: BlobServer
) -> None:
    client = BlobClient([server.endpoint], dst, timeout=TIMEOUT)
    with pytest.raises(ArtifactUnavailableError, match="invalid artifact name"):
        client.resolve("../../etc/passwd")
    assert server.running
