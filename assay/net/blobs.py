"""The blob service: every agent serves its store to peers and fetches by hash from them.

`BlobServer` answers HAS/GET on a ROUTER socket in a background thread. `BlobClient`
fetches an artifact from a list of peers in order, a chunk at a time, with at most
`window` chunk requests in flight (credit-based flow control), and skips a peer that is
dead, slow, or serves bytes that do not hash to the requested content hash.
Frames are in `assay.net.wire`; the design is in docs/artifacts.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import structlog
import zmq

from assay.net import wire
from assay.net.errors import ArtifactUnavailableError, NetError, PeerError
from assay.store.errors import (
    ArtifactNotFoundError,
    ArtifactTooLargeError,
    CorruptArtifactError,
    InvalidHashError,
    StoreError,
)
from assay.store.hashing import ContentHash
from assay.store.protocol import StoreProtocol

log = structlog.get_logger(__name__)

DEFAULT_BIND = "tcp://127.0.0.1:*"
DEFAULT_CHUNK_BYTES = 256 * 1024
DEFAULT_WINDOW = 8
DEFAULT_TIMEOUT_S = 5.0
MAX_CHUNK_BYTES = 4 * 1024 * 1024
"""A server never reads more than this per GET, whatever the client asks."""
_STOP_CHECK_MS = 50


class BlobServer:
    """Serves a store's artifacts over a ROUTER socket from a background thread."""

    def __init__(
        self,
        store: StoreProtocol,
        bind: str = DEFAULT_BIND,
        *,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self._store = store
        ctx = context or zmq.Context.instance()
        sock: zmq.Socket[bytes] = ctx.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            sock.bind(bind)
        except zmq.ZMQError as exc:
            sock.close()
            raise NetError(
                f"cannot bind the blob server to {bind}: {exc}; pick a free port or use :*"
            ) from exc
        self.endpoint: str = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        # The socket is used only by the server thread from here on (zmq sockets are not
        # thread-safe); Thread.start() is the hand-off barrier.
        self._sock = sock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"blob-server {self.endpoint}")
        self._thread.daemon = True
        self._thread.start()
        log.info("blob server listening", endpoint=self.endpoint)

    def stop(self) -> None:
        """Ask the server thread to stop (non-blocking; safe from any thread)."""
        self._stop.set()

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the thread to exit; idempotent."""
        self.stop()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise NetError(f"blob server {self.endpoint} did not stop within {timeout}s")

    @property
    def running(self) -> bool:
        """Whether the server thread is still serving."""
        return self._thread.is_alive()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        sock = self._sock
        try:
            while not self._stop.is_set():
                if not sock.poll(_STOP_CHECK_MS, zmq.POLLIN):
                    continue
                frames = sock.recv_multipart()
                if len(frames) < 2:
                    continue
                reply = self._answer(frames[1:])
                if reply is not None and not self._stop.is_set():
                    sock.send_multipart([frames[0], *reply])
        except Exception:
            log.exception("blob server crashed", endpoint=self.endpoint)
        finally:
            sock.close(linger=0)
            log.info("blob server stopped", endpoint=self.endpoint)

    def _answer(self, frames: list[bytes]) -> list[bytes] | None:
        try:
            msg = wire.decode(frames)
        except PeerError as exc:
            log.debug("blob server ignored a malformed request", error=str(exc))
            return None
        try:
            if msg.kind == wire.RESOLVE:
                name = msg.fields[0].decode("ascii", "replace")
                bound = self._store.resolve_name(name)
                if bound is None:
                    return wire.encode(wire.MISSING, msg.req, msg.fields[0])
                return wire.encode(wire.NAMED, msg.req, msg.fields[0], bound)
            h = ContentHash(msg.fields[0].decode("ascii", "replace"))
            if msg.kind == wire.HAS:
                if not self._store.has(h):
                    return wire.encode(wire.MISSING, msg.req, h)
                return wire.encode(wire.SIZE, msg.req, h, self._store.size(h))
            if msg.kind == wire.GET:
                offset = wire.decimal(msg.fields[1])
                length = min(wire.decimal(msg.fields[2]), MAX_CHUNK_BYTES)
                payload = self._store.read_range(h, offset, length)
                return wire.encode(wire.DATA, msg.req, h, offset, payload)
            return wire.encode(wire.ERR, msg.req, b"requests are HAS, GET or RESOLVE")
        except ArtifactNotFoundError:
            return wire.encode(wire.MISSING, msg.req, msg.fields[0])
        except (InvalidHashError, PeerError, StoreError, OSError) as exc:
            return wire.encode(wire.ERR, msg.req, str(exc)[:200])


class BlobClient:
    """Fetches artifacts by hash from peers into a local store, verifying every byte.

    Use from one thread (zmq sockets are not thread-safe); make one client per thread.
    """

    def __init__(
        self,
        peers: Sequence[str],
        store: StoreProtocol,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        window: int = DEFAULT_WINDOW,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        if timeout <= 0:
            raise NetError(f"timeout must be positive seconds, got {timeout}")
        if not 0 < chunk_bytes <= MAX_CHUNK_BYTES:
            raise NetError(f"chunk_bytes must be in 1..{MAX_CHUNK_BYTES}, got {chunk_bytes}")
        if window < 1:
            raise NetError(f"window (chunk requests in flight) must be >= 1, got {window}")
        self.peers = list(peers)
        self._store = store
        self._timeout = timeout
        self._chunk = chunk_bytes
        self._window = window
        self._ctx = context or zmq.Context.instance()
        self._next_req = 0

    def fetch(self, content_hash: str, peers: Sequence[str] | None = None) -> Path:
        """The local path of a verified copy, fetched from the first peer that delivers one.

        Peers are tried in order (`peers` overrides the client's list for this call); a
        peer that times out, breaks the protocol or serves wrong bytes is skipped.
        Raises ArtifactUnavailableError naming the hash and every peer tried.
        """
        h = ContentHash(content_hash)
        if self._store.has(h):
            try:
                self._store.open(h).close()  # verifies; a corrupt copy is quarantined
                return self._store.path_of(h)
            except CorruptArtifactError:
                log.warning("local copy corrupt; refetching", hash=h)
        candidates = list(self.peers if peers is None else peers)
        reasons: list[str] = []
        for peer in candidates:
            try:
                self._fetch_from(peer, h)
            except (PeerError, CorruptArtifactError, ArtifactTooLargeError, zmq.ZMQError) as exc:
                log.warning("peer failed; trying the next", peer=peer, hash=h, reason=str(exc))
                reasons.append(str(exc))
                continue
            log.info("artifact fetched", peer=peer, hash=h)
            return self._store.path_of(h)
        raise ArtifactUnavailableError(h, candidates, reasons)

    def resolve(self, name: str, peers: Sequence[str] | None = None) -> ContentHash:
        """The content hash the first answering peer binds to `name`.

        A name is only a hint (a lying peer can bind anything): callers fetch the hash and
        check what they got. Raises ArtifactUnavailableError naming every peer tried.
        """
        candidates = list(self.peers if peers is None else peers)
        reasons: list[str] = []
        for peer in candidates:
            try:
                with self._connect(peer) as sock:
                    req = self._req()
                    sock.send_multipart(wire.encode(wire.RESOLVE, req, name))
                    while True:
                        msg = self._recv(sock, "RESOLVE")
                        if msg.req == req:
                            break
                if msg.kind == wire.NAMED and msg.fields[0] == name.encode():
                    return ContentHash(msg.fields[1].decode("ascii", "replace"))
                if msg.kind == wire.MISSING:
                    reasons.append("peer has no such name")
                    continue
                detail = msg.fields[-1][:200].decode("utf-8", "replace")
                raise PeerError(f"peer answered {msg.kind.decode()} to RESOLVE: {detail}")
            except (PeerError, InvalidHashError, zmq.ZMQError) as exc:
                log.warning("peer failed to resolve; trying the next", peer=peer, name=name,
                            reason=str(exc))  # fmt: skip
                reasons.append(str(exc))
        raise ArtifactUnavailableError(f"name {name}", candidates, reasons)

    def query(self, peer: str, content_hash: str) -> int | None:
        """The artifact's size at one peer, or None if it lacks it; raises PeerError."""
        h = ContentHash(content_hash)
        with self._connect(peer) as sock:
            return self._ask_size(sock, h)

    def _connect(self, peer: str) -> zmq.Socket[bytes]:
        sock: zmq.Socket[bytes] = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(peer)
        return sock

    def _req(self) -> int:
        self._next_req += 1
        return self._next_req

    def _recv(self, sock: zmq.Socket[bytes], waiting_for: str) -> wire.Message:
        # The timeout is per reply: a peer that stays silent this long is dead or too slow.
        deadline = time.monotonic() + self._timeout
        while (left := deadline - time.monotonic()) > 0:
            if sock.poll(max(1, int(left * 1000)), zmq.POLLIN):
                return wire.decode(sock.recv_multipart())
        raise PeerError(f"no reply to {waiting_for} within {self._timeout}s")

    def _ask_size(self, sock: zmq.Socket[bytes], h: ContentHash) -> int | None:
        req = self._req()
        sock.send_multipart(wire.encode(wire.HAS, req, h))
        while True:
            msg = self._recv(sock, "HAS")
            if msg.req != req:
                continue  # a late reply to an earlier request
            if msg.kind == wire.MISSING:
                return None
            if msg.kind == wire.SIZE and msg.fields[0] == h.encode():
                return wire.decimal(msg.fields[1])
            raise PeerError(f"unexpected {msg.kind.decode()} reply to HAS")

    def _fetch_from(self, peer: str, h: ContentHash) -> None:
        with self._connect(peer) as sock:
            size = self._ask_size(sock, h)
            if size is None:
                raise PeerError("peer does not have it")
            if size > self._store.max_artifact_bytes:
                raise ArtifactTooLargeError(
                    f"peer claims {size} bytes, over this store's limit of "
                    f"{self._store.max_artifact_bytes}; raise max_artifact_bytes if legitimate"
                )
            with self._store.writer(h) as sink:
                self._transfer(sock, h, size, sink.write)
                sink.commit()

    def _transfer(
        self,
        sock: zmq.Socket[bytes],
        h: ContentHash,
        size: int,
        write: Callable[[bytes], None],
    ) -> None:
        in_flight: dict[int, tuple[int, int]] = {}  # req -> (offset, length)
        arrived: dict[int, bytes] = {}  # offset -> payload, waiting for earlier chunks
        next_offset = 0
        written = 0
        while written < size:
            # Credit: keep at most `window` chunk requests outstanding.
            while len(in_flight) < self._window and next_offset < size:
                length = min(self._chunk, size - next_offset)
                req = self._req()
                sock.send_multipart(wire.encode(wire.GET, req, h, next_offset, length))
                in_flight[req] = (next_offset, length)
                next_offset += length
            msg = self._recv(sock, f"GET at offset {written}")
            if msg.req not in in_flight:
                continue
            if msg.kind != wire.DATA:
                detail = msg.fields[-1][:200].decode("utf-8", "replace")
                raise PeerError(f"peer answered {msg.kind.decode()} mid-transfer: {detail}")
            offset, length = in_flight.pop(msg.req)
            payload = msg.fields[2]
            if wire.decimal(msg.fields[1]) != offset or len(payload) != length:
                raise PeerError(
                    f"peer sent {len(payload)} bytes at offset {msg.fields[1][:24]!r} "
                    f"for a request of {length} at {offset}"
                )
            arrived[offset] = payload
            while written in arrived:
                chunk = arrived.pop(written)
                write(chunk)
                written += len(chunk)
