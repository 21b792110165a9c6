"""Telemetry: progress events reach subscribers that connected before publishing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import zmq

from assay.net.errors import NetError, TelemetryTimeoutError
from assay.net.telemetry import (
    ProgressEvent,
    TelemetryPublisher,
    TelemetrySubscriber,
    job_topic,
)

HASH = "0x" + "ab" * 32


@pytest.fixture
def publisher() -> Iterator[TelemetryPublisher]:
    with TelemetryPublisher() as pub:
        yield pub


def test_subscriber_receives_progress_published_after_it_connected(
    publisher: TelemetryPublisher,
) -> None:
    with TelemetrySubscriber([publisher.endpoint], [job_topic(7)]) as sub:
        publisher.wait_for_subscriber("job/7", timeout=5)
        for step in range(3):
            publisher.publish_progress(ProgressEvent(7, step, 2.5 - step, HASH))
        got = [ProgressEvent.from_event(sub.recv(timeout=5)) for _ in range(3)]
    assert got == [ProgressEvent(7, s, 2.5 - s, HASH) for s in range(3)]
    assert got[0].to_payload() == {"step": 0, "loss": 2.5, "total": 0, "state_hash": HASH}


def test_exact_topic_does_not_match_a_longer_one(publisher: TelemetryPublisher) -> None:
    with TelemetrySubscriber([publisher.endpoint], ["job/7"]) as sub:
        publisher.wait_for_subscriber("job/7", timeout=5)
        assert not publisher.has_subscriber("job/70")
        publisher.publish("job/70", {"step": 1})
        publisher.publish("job/7", {"step": 2})
        event = sub.recv(timeout=5)
    assert (event.topic, event.data) == ("job/7", {"step": 2})


def test_prefix_topic_receives_every_job(publisher: TelemetryPublisher) -> None:
    with TelemetrySubscriber([publisher.endpoint], ["job/"]) as sub:
        publisher.wait_for_subscriber("job/1", timeout=5)
        publisher.publish("job/1", {"step": 1})
        publisher.publish("job/22", {"step": 2})
        events = list(sub.events(idle_timeout=0.2, total_timeout=5))
    assert [e.topic for e in events] == ["job/1", "job/22"]


def test_subscriber_watches_several_publishers() -> None:
    with (
        TelemetryPublisher() as a,
        TelemetryPublisher() as b,
        TelemetrySubscriber([a.endpoint, b.endpoint], ["job/"]) as sub,
    ):
        a.wait_for_subscriber("job/1", timeout=5)
        b.wait_for_subscriber("job/2", timeout=5)
        a.publish("job/1", {"from": "a"})
        b.publish("job/2", {"from": "b"})
        got = {sub.recv(timeout=5).data["from"], sub.recv(timeout=5).data["from"]}
    assert got == {"a", "b"}


def test_recv_times_out_without_events(publisher: TelemetryPublisher) -> None:
    with TelemetrySubscriber([publisher.endpoint], ["job/1"]) as sub:
        start = time.monotonic()
        with pytest.raises(TelemetryTimeoutError, match=r"0\.2s"):
            sub.recv(timeout=0.2)
        assert time.monotonic() - start < 2


def test_wait_for_subscriber_times_out(publisher: TelemetryPublisher) -> None:
    with pytest.raises(TelemetryTimeoutError, match="no subscriber"):
        publisher.wait_for_subscriber("job/1", timeout=0.1)


def test_malformed_messages_are_dropped(publisher: TelemetryPublisher) -> None:
    raw = zmq.Context.instance().socket(zmq.XPUB)
    raw.setsockopt(zmq.LINGER, 0)
    raw.bind("tcp://127.0.0.1:*")
    try:
        with TelemetrySubscriber([raw.getsockopt_string(zmq.LAST_ENDPOINT)]) as sub:
            assert raw.poll(5000)
            raw.recv()  # the subscription: the subscriber is connected
            raw.send_multipart([b"job/1\0", b"not json"])
            raw.send_multipart([b"job/1\0", b"[1, 2]"])
            raw.send_multipart([b"no-terminator", b"{}"])
            raw.send_multipart([b"job/1\0", b'{"ok": true}'])
            assert sub.recv(timeout=5).data == {"ok": True}
    finally:
        raw.close()


@pytest.mark.parametrize("topic", ["", "job/", "a\nb", "x" * 200])
def test_publish_rejects_bad_topics(publisher: TelemetryPublisher, topic: str) -> None:
    with pytest.raises(NetError, match="topic"):
        publisher.publish(topic, {})


def test_progress_from_a_foreign_event_is_rejected() -> None:
    from assay.net.telemetry import TelemetryEvent

    with pytest.raises(NetError, match="not a progress event"):
        ProgressEvent.from_event(TelemetryEvent("job/1", {"step": 1}))


def test_progress_carries_the_total_and_may_omit_the_state_hash() -> None:
    from assay.net.telemetry import TelemetryEvent

    event = ProgressEvent(4, 2, 0.5, total=10)
    assert event.to_payload() == {"step": 2, "loss": 0.5, "total": 10}
    assert ProgressEvent.from_event(TelemetryEvent("job/4", event.to_payload())) == event
    old = ProgressEvent.from_event(TelemetryEvent("job/4", {"step": 2, "loss": 0.5}))
    assert (old.total, old.state_hash) == (0, "")


def test_a_publisher_shared_by_threads_delivers_every_event(publisher: TelemetryPublisher) -> None:
    import threading

    with TelemetrySubscriber([publisher.endpoint], ["job/"]) as sub:
        publisher.wait_for_subscriber("job/1", timeout=30)

        def publish(job: int) -> None:
            for step in range(1, 51):
                publisher.publish_progress(ProgressEvent(job, step, 1.0 / step, total=50))

        threads = [threading.Thread(target=publish, args=(job,)) for job in range(1, 5)]
        for thread in threads:
            thread.start()
        got = [ProgressEvent.from_event(sub.recv(timeout=30)) for _ in range(200)]
        for thread in threads:
            thread.join(timeout=30)
    for job in range(1, 5):
        assert [e.step for e in got if e.job_id == job] == list(range(1, 51))
