"""Telemetry pub/sub: agents publish JSON progress events; the CLI and services watch them.

Frames: `[topic + b"\\0", json]`. The NUL ends the topic so that subscribing to `job/7`
does not also match `job/70`; subscribing to a topic ending in `/` (e.g. `job/`) is a
prefix match over everything below it.

zmq PUB drops messages sent before a subscriber's subscription has arrived (the
"slow joiner" problem). The publisher is an XPUB socket, so it *sees* subscriptions:
`wait_for_subscriber` blocks (with a deadline) until one that matches has arrived, after
which every event published reaches that subscriber.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import structlog
import zmq

from assay.net.errors import NetError, TelemetryTimeoutError

log = structlog.get_logger(__name__)

MAX_TOPIC_CHARS = 128
MAX_EVENT_BYTES = 64 * 1024
_TOPIC_END = b"\0"


def job_topic(job_id: int) -> str:
    """The topic of a job's training progress: `job/<id>`."""
    return f"job/{int(job_id)}"


def _topic_frame(topic: str) -> bytes:
    if not topic or len(topic) > MAX_TOPIC_CHARS or not topic.isprintable() or topic.endswith("/"):
        raise NetError(
            f"a telemetry topic is 1..{MAX_TOPIC_CHARS} printable chars not ending in '/' "
            f"(e.g. job/7), got {topic!r}"
        )
    return topic.encode() + _TOPIC_END


def _subscription(topic: str) -> bytes:
    if topic == "" or topic.endswith("/"):
        return topic.encode()  # prefix: everything below it ("" = everything)
    return _topic_frame(topic)


@dataclass(frozen=True, slots=True)
class TelemetryEvent:
    """One received event: its topic and decoded JSON object."""

    topic: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """A training-progress event on `job/<id>`: step `step` of `total` (0: unknown)."""

    job_id: int
    step: int
    loss: float
    state_hash: str = ""
    total: int = 0

    @property
    def topic(self) -> str:
        """The topic this event is published on."""
        return job_topic(self.job_id)

    def to_payload(self) -> dict[str, Any]:
        """The JSON object sent on the wire."""
        payload: dict[str, Any] = {"step": self.step, "loss": self.loss, "total": self.total}
        if self.state_hash:
            payload["state_hash"] = self.state_hash
        return payload

    @classmethod
    def from_event(cls, event: TelemetryEvent) -> ProgressEvent:
        """Read a progress event back; raises NetError if fields are missing or mistyped."""
        try:
            job_id = int(event.topic.removeprefix("job/"))
            d = event.data
            total, state_hash = int(d.get("total", 0)), str(d.get("state_hash", ""))
            return cls(job_id, int(d["step"]), float(d["loss"]), state_hash, total)
        except (KeyError, TypeError, ValueError) as exc:
            raise NetError(f"not a progress event on {event.topic!r}: {exc}") from None


class TelemetryPublisher:
    """Publishes JSON events on an XPUB socket; safe to share between threads (one lock)."""

    def __init__(
        self,
        bind: str = "tcp://127.0.0.1:*",
        *,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        ctx = context or zmq.Context.instance()
        sock: zmq.Socket[bytes] = ctx.socket(zmq.XPUB)
        sock.setsockopt(zmq.LINGER, 0)
        # Pass every subscription up, not only the first per topic, so each subscriber counts.
        sock.setsockopt(zmq.XPUB_VERBOSE, 1)
        try:
            sock.bind(bind)
        except zmq.ZMQError as exc:
            sock.close()
            raise NetError(f"cannot bind telemetry to {bind}: {exc}; pick a free port") from exc
        self._sock = sock
        self.endpoint: str = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self._subs: Counter[bytes] = Counter()
        # A zmq socket is not thread-safe: training threads publish, so every use takes the lock.
        self._lock = threading.RLock()

    def publish(self, topic: str, event: Mapping[str, Any]) -> None:
        """Send one JSON event on `topic` (dropped if nobody is subscribed)."""
        frame = _topic_frame(topic)
        payload = json.dumps(dict(event), separators=(",", ":")).encode()
        if len(payload) > MAX_EVENT_BYTES:
            raise NetError(f"telemetry event is {len(payload)} bytes, over {MAX_EVENT_BYTES}")
        with self._lock:
            self._drain_subscriptions(0)
            self._sock.send_multipart([frame, payload])

    def publish_progress(self, progress: ProgressEvent) -> None:
        """Publish a training-progress event on its job's topic."""
        self.publish(progress.topic, progress.to_payload())

    def has_subscriber(self, topic: str) -> bool:
        """Whether a subscription matching `topic` has arrived."""
        frame = _topic_frame(topic)
        with self._lock:
            return any(n > 0 and frame.startswith(prefix) for prefix, n in self._subs.items())

    def wait_for_subscriber(self, topic: str, timeout: float) -> None:
        """Block until a subscriber to `topic` is connected; raises TelemetryTimeoutError."""
        deadline = time.monotonic() + timeout
        self._drain_subscriptions(0)
        while not self.has_subscriber(topic):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TelemetryTimeoutError(
                    f"no subscriber to {topic!r} on {self.endpoint} within {timeout}s; "
                    "check the watcher is connected to this endpoint"
                )
            self._drain_subscriptions(max(1, min(50, int(left * 1000))))

    def _drain_subscriptions(self, wait_ms: int) -> None:
        # First wait up to wait_ms for one message, then take whatever else is queued.
        with self._lock:
            self._drain_locked(wait_ms)

    def _drain_locked(self, wait_ms: int) -> None:
        while self._sock.poll(wait_ms, zmq.POLLIN):
            msg = self._sock.recv()
            wait_ms = 0
            if msg[:1] == b"\x01":
                self._subs[msg[1:]] += 1
            elif msg[:1] == b"\x00":
                self._subs[msg[1:]] -= 1

    def close(self) -> None:
        """Close the socket; idempotent."""
        with self._lock:
            self._sock.close(linger=0)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TelemetrySubscriber:
    """Receives JSON events from one or more publishers; use from one thread.

    `topics`: exact topics (`job/7`) or prefixes ending in `/` (`job/`); empty = all.
    """

    def __init__(
        self,
        endpoints: Sequence[str],
        topics: Sequence[str] = (),
        *,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        ctx = context or zmq.Context.instance()
        sock: zmq.Socket[bytes] = ctx.socket(zmq.SUB)
        sock.setsockopt(zmq.LINGER, 0)
        for topic in topics or [""]:
            sock.setsockopt(zmq.SUBSCRIBE, _subscription(topic))
        for endpoint in endpoints:
            sock.connect(endpoint)
        self._sock = sock

    def recv(self, timeout: float) -> TelemetryEvent:
        """The next well-formed event; raises TelemetryTimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not self._sock.poll(max(1, int(left * 1000)), zmq.POLLIN):
                break
            event = self._decode(self._sock.recv_multipart())
            if event is not None:
                return event
        raise TelemetryTimeoutError(f"no telemetry event within {timeout}s")

    def events(
        self, idle_timeout: float, total_timeout: float | None = None
    ) -> Iterator[TelemetryEvent]:
        """Yield events until none arrives for `idle_timeout` s (or `total_timeout` passes)."""
        end = None if total_timeout is None else time.monotonic() + total_timeout
        while True:
            wait = idle_timeout if end is None else min(idle_timeout, end - time.monotonic())
            if wait <= 0:
                return
            try:
                yield self.recv(wait)
            except TelemetryTimeoutError:
                return

    @staticmethod
    def _decode(frames: list[bytes]) -> TelemetryEvent | None:
        if len(frames) != 2 or not frames[0].endswith(_TOPIC_END):
            log.warning("dropped malformed telemetry message", frames=len(frames))
            return None
        topic, payload = frames
        if len(payload) > MAX_EVENT_BYTES:
            log.warning("dropped oversize telemetry event", size=len(payload))
            return None
        try:
            data = json.loads(payload)
            name = topic[:-1].decode()
        except (UnicodeDecodeError, ValueError):
            log.warning("dropped telemetry event that is not JSON", topic=topic[:64])
            return None
        if not isinstance(data, dict):
            log.warning("dropped telemetry event that is not a JSON object", topic=name)
            return None
        return TelemetryEvent(name, data)

    def close(self) -> None:
        """Close the socket; idempotent."""
        self._sock.close(linger=0)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
