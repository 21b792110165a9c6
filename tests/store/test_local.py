"""LocalStore: layout, verified reads, atomic writes, limits."""

from __future__ import annotations

import hashlib
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from assay.errors import AssayError
from assay.store import (
    ArtifactNotFoundError,
    ArtifactTooLargeError,
    ContentHash,
    CorruptArtifactError,
    InvalidHashError,
    LocalStore,
    StoreError,
    StoreProtocol,
)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def _corrupt(store: LocalStore, h: ContentHash, data: bytes) -> None:
    path = store.path_of(h)
    path.chmod(0o644)
    path.write_bytes(data)


def _artifacts(store: LocalStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file() and not p.name.startswith(".")]


def _tmp_files(store: LocalStore) -> list[Path]:
    return list((store.root / ".tmp").iterdir())


def test_content_hash_is_0x_sha256_hex() -> None:
    h = ContentHash.of(b"abc")
    assert h == "0x" + hashlib.sha256(b"abc").hexdigest()
    assert h.digest == hashlib.sha256(b"abc").digest()
    assert ContentHash(h.upper().replace("0X", "0x")) == h


@pytest.mark.parametrize("bad", ["", "0x12", "ab" * 32, "0x" + "g" * 64, "0x" + "a" * 66])
def test_content_hash_rejects_malformed(bad: str) -> None:
    with pytest.raises(InvalidHashError, match="64 hex digits"):
        ContentHash(bad)


def test_store_errors_share_the_assay_root() -> None:
    assert issubclass(StoreError, AssayError)
    assert issubclass(CorruptArtifactError, StoreError)


def test_local_store_satisfies_the_protocol(store: LocalStore) -> None:
    s: StoreProtocol = store
    assert s.max_artifact_bytes > 0


def test_put_get_roundtrip_with_fanout_layout(store: LocalStore) -> None:
    h = store.put_bytes(b"hello")
    assert h == ContentHash.of(b"hello")
    d = h.digits
    assert store.path_of(h) == store.root / d[:2] / d[2:4] / d
    assert store.path_of(h).is_file()
    assert store.has(h) and store.size(h) == 5
    assert store.get_bytes(h) == b"hello"
    with store.open(h) as fh:
        assert fh.read() == b"hello"


def test_put_same_content_twice_is_idempotent(store: LocalStore) -> None:
    assert store.put_bytes(b"x") == store.put_bytes(b"x")
    assert len(_artifacts(store)) == 1


def test_put_file_streams_without_loading_the_whole_file(store: LocalStore, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    data = os.urandom(8 * 1024 * 1024)
    src.write_bytes(data)
    expected = ContentHash.of(data)
    del data
    tracemalloc.start()
    try:
        h = store.put_file(src)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert h == expected
    assert peak < 4 * 1024 * 1024
    assert store.size(h) == 8 * 1024 * 1024


def test_missing_artifact_raises_not_found(store: LocalStore) -> None:
    h = ContentHash.of(b"absent")
    assert not store.has(h)
    for read in (store.get_bytes, store.open, store.size):
        with pytest.raises(ArtifactNotFoundError, match="fetch it from a peer"):
            read(h)
    assert store.delete(h) is False


def test_delete_removes_the_artifact(store: LocalStore) -> None:
    h = store.put_bytes(b"gone")
    assert store.delete(h) is True
    assert not store.has(h)


@pytest.mark.parametrize("reader", ["get_bytes", "open"])
def test_corrupt_artifact_is_quarantined_never_returned(store: LocalStore, reader: str) -> None:
    h = store.put_bytes(b"good bytes")
    _corrupt(store, h, b"evil bytes")
    with pytest.raises(CorruptArtifactError, match="corrupt"):
        getattr(store, reader)(h)
    assert not store.has(h)
    quarantined = list((store.root / ".quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == b"evil bytes"
    # A fresh put heals the store.
    assert store.put_bytes(b"good bytes") == h
    assert store.get_bytes(h) == b"good bytes"


def test_open_verifies_large_artifact_in_a_streamed_pass(store: LocalStore) -> None:
    data = os.urandom(3 * 1024 * 1024 + 7)
    h = store.put_bytes(data)
    _corrupt(store, h, data[:-1] + b"\x00")
    with pytest.raises(CorruptArtifactError):
        store.open(h)


def test_exception_mid_write_leaves_no_partial_artifact(store: LocalStore) -> None:
    with pytest.raises(RuntimeError, match="crash"), store.writer() as w:
        w.write(b"first half")
        raise RuntimeError("crash")
    assert _artifacts(store) == []
    assert _tmp_files(store) == []


def test_failed_fsync_during_commit_leaves_no_artifact(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"payload" * 1000)

    def broken_fsync(fd: int) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        store.put_file(src)
    monkeypatch.undo()
    assert _artifacts(store) == []
    assert _tmp_files(store) == []


def test_writer_without_commit_publishes_nothing(store: LocalStore) -> None:
    with store.writer() as w:
        w.write(b"abandoned")
    assert _artifacts(store) == []
    assert _tmp_files(store) == []


def test_writer_rejects_bytes_that_miss_the_expected_hash(store: LocalStore) -> None:
    expected = ContentHash.of(b"wanted")
    with store.writer(expected) as w:
        w.write(b"unwanted")
        with pytest.raises(CorruptArtifactError, match="expected"):
            w.commit()
    assert _artifacts(store) == []
    assert _tmp_files(store) == []


def test_writer_cannot_be_reused_after_commit(store: LocalStore) -> None:
    with store.writer() as w:
        w.write(b"a")
        w.commit()
        with pytest.raises(StoreError, match="already finished"):
            w.write(b"b")


def test_artifact_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    small = LocalStore(tmp_path / "s", max_artifact_bytes=10)
    small.put_bytes(b"0123456789")
    with pytest.raises(ArtifactTooLargeError, match="max_artifact_bytes"):
        small.put_bytes(b"0123456789A")
    assert _tmp_files(small) == []
    with pytest.raises(StoreError, match="positive"):
        LocalStore(tmp_path / "z", max_artifact_bytes=0)


def test_concurrent_writers_of_the_same_content(store: LocalStore) -> None:
    data = os.urandom(256 * 1024)
    results: list[ContentHash] = []
    errors: list[BaseException] = []

    def put() -> None:
        try:
            results.append(store.put_bytes(data))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 8
    assert store.get_bytes(results[0]) == data
    assert _tmp_files(store) == []


def test_read_range_serves_raw_slices(store: LocalStore) -> None:
    h = store.put_bytes(b"0123456789")
    assert store.read_range(h, 3, 4) == b"3456"
    assert store.read_range(h, 8, 100) == b"89"
    with pytest.raises(StoreError, match="offset"):
        store.read_range(h, -1, 1)


def test_remove_stale_temp_keeps_fresh_writes(store: LocalStore) -> None:
    stale = store.root / ".tmp" / "crashed.part"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    with store.writer() as w:
        w.write(b"in progress")
        assert store.remove_stale_temp(older_than_s=60) == 1
        assert w.commit() == ContentHash.of(b"in progress")
    assert not stale.exists()


# ------------------------------------------------------------------------------ names


def test_bound_name_resolves_and_rebinding_replaces_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    a, b = store.put_bytes(b"a"), store.put_bytes(b"b")
    assert store.resolve_name("op-inputs/job-1/step-2/op-3") is None
    store.bind_name("op-inputs/job-1/step-2/op-3", a)
    assert store.resolve_name("op-inputs/job-1/step-2/op-3") == a
    store.bind_name("op-inputs/job-1/step-2/op-3", b)
    assert store.resolve_name("op-inputs/job-1/step-2/op-3") == b
    assert not list((tmp_path / ".tmp").iterdir())  # the temp file was renamed into place


@pytest.mark.parametrize("name", ["", "/abs", "a/../b", "Upper", "a//b", "a b", "x" * 201, "a/"])
def test_invalid_names_are_refused_with_the_rule(tmp_path: Path, name: str) -> None:
    store = LocalStore(tmp_path)
    h = store.put_bytes(b"a")
    with pytest.raises(StoreError, match="invalid artifact name"):
        store.bind_name(name, h)
    with pytest.raises(StoreError, match="invalid artifact name"):
        store.resolve_name(name)


def test_a_name_can_only_point_at_a_stored_artifact(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    missing = ContentHash.of(b"never stored")
    with pytest.raises(ArtifactNotFoundError):
        store.bind_name("a", missing)
    assert store.resolve_name("a") is None
