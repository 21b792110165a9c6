"""Job specs resolved from their on-chain specURI, through the artifact store and peers.

`StoreSpecSource` is the production `SpecSource`: the agents tell it each job they see
(`note(spec_hash, spec_uri)`, see `note_job`), and `get(spec_hash)` then

1. parses the job's specURI (`assay://0x<sha256>?peer=…`, assay.net.uri),
2. reads the canonical bytes from the local store, else fetches them from the URI's peers
   (`BlobClient.fetch`, which verifies the sha256 of every byte),
3. parses the canonical JSON into a JobSpec (`spec_from_dict`, full validation), and
4. checks that keccak of the spec's canonical bytes (`spec_hash`) equals the job's on-chain
   specHash — a URI pointing at some other spec is refused (`SpecMismatchError`).

A spec that cannot be fetched is retried after `retry_s`; a refused one is never retried.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import structlog

from assay.agents.datafiles import DataFileError, fetch_data
from assay.agents.work import SpecSource
from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.net.errors import NetError, UriError
from assay.net.uri import parse_uri
from assay.protocol.canonical import spec_hash
from assay.protocol.records import Job
from assay.protocol.spec import JobSpec, SpecError, spec_from_dict
from assay.store import LocalStore
from assay.store.errors import StoreError

log = structlog.get_logger(__name__)


class SpecUnavailableError(AssayError):
    """The spec's bytes could not be read locally nor fetched from any peer."""


class SpecMismatchError(AssayError):
    """The bytes behind a specURI are not the spec whose hash the job committed to."""


def _hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()


class StoreSpecSource:
    """Specs by on-chain hash, read from a LocalStore or fetched from the specURI's peers."""

    def __init__(
        self,
        store: LocalStore,
        *,
        fetch_timeout: float = 5.0,
        retry_s: float = 30.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.store = store
        self.fetch_timeout = fetch_timeout
        self.retry_s = retry_s
        self._clock = clock
        self._uris: dict[bytes, str] = {}
        self._specs: dict[bytes, JobSpec] = {}
        self._refused: dict[bytes, str] = {}
        self._failed_at: dict[bytes, float] = {}

    def note(self, spec_hash_: bytes, spec_uri: str) -> None:
        """Remember where the spec of hash `spec_hash_` lives (its job's specURI)."""
        key = bytes(spec_hash_)
        if self._uris.get(key) != spec_uri:
            self._uris[key] = spec_uri
            self._failed_at.pop(key, None)

    def refused(self, spec_hash_: bytes) -> str | None:
        """Why the spec of this hash was refused, if it was."""
        return self._refused.get(bytes(spec_hash_))

    def get(self, spec_hash: bytes) -> JobSpec | None:
        """The verified spec, or None (unknown URI, unreachable, or refused; logged)."""
        key = bytes(spec_hash)
        if key in self._specs:
            return self._specs[key]
        uri = self._uris.get(key)
        if uri is None or key in self._refused:
            return None
        failed = self._failed_at.get(key)
        if failed is not None and self._clock() - failed < self.retry_s:
            return None
        try:
            spec = self.resolve(key, uri)
        except SpecMismatchError as exc:
            self._refused[key] = str(exc)
            log.error("spec.refused", spec=_hex(key), uri=uri, reason=str(exc))
            return None
        except AssayError as exc:
            self._failed_at[key] = self._clock()
            log.warning("spec.unavailable", spec=_hex(key), uri=uri, reason=str(exc))
            return None
        self._specs[key] = spec
        log.info("spec.resolved", spec=_hex(key), uri=uri)
        return spec

    def resolve(self, expected: bytes, spec_uri: str) -> JobSpec:
        """Read, parse and check the spec behind `spec_uri` against the on-chain hash.

        Raises SpecUnavailableError (not local, no peer delivered, bad URI) or
        SpecMismatchError (wrong bytes, not a valid spec, or a different spec hash).
        """
        try:
            content_hash, peers = parse_uri(spec_uri)
        except UriError as exc:
            raise SpecUnavailableError(f"cannot read specURI {spec_uri!r}: {exc}") from None
        try:
            if self.store.has(content_hash):
                data = self.store.get_bytes(content_hash)
            elif peers:
                client = BlobClient(peers, self.store, timeout=self.fetch_timeout)
                data = Path(client.fetch(content_hash)).read_bytes()
            else:
                raise SpecUnavailableError(
                    f"spec {content_hash} is not in the local store {self.store.root} and "
                    f"{spec_uri!r} names no peer to fetch it from"
                )
        except (NetError, StoreError, OSError) as exc:
            raise SpecUnavailableError(f"cannot fetch spec {content_hash}: {exc}") from None
        try:
            raw = json.loads(data)
            if not isinstance(raw, dict):
                raise SpecError("the canonical spec is not a JSON object")
            spec = spec_from_dict(raw, origin=f"spec {content_hash}")
        except (ValueError, SpecError) as exc:
            raise SpecMismatchError(
                f"the bytes behind {spec_uri} are not a valid job spec: {exc}"
            ) from None
        actual = bytes(spec_hash(spec))
        if actual != bytes(expected):
            raise SpecMismatchError(
                f"the spec behind {spec_uri} hashes to {_hex(actual)}, but the job committed to "
                f"specHash {_hex(expected)}; refusing it"
            )
        try:  # a user data file comes from the same peers; its hash is in the spec
            fetch_data(spec, self.store, peers, self.fetch_timeout)
        except (DataFileError, NetError, StoreError, OSError) as exc:
            raise SpecUnavailableError(f"cannot fetch the data file of {spec_uri}: {exc}") from None
        return spec


def note_job(specs: SpecSource, job: Job) -> None:
    """Tell a StoreSpecSource where a job's spec lives (no-op for other sources)."""
    if isinstance(specs, StoreSpecSource):
        specs.note(job.spec_hash, job.spec_uri)
