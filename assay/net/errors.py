"""Errors of the pyzmq transport; each message says what the caller should do."""

from __future__ import annotations

from collections.abc import Sequence

from assay.errors import AssayError


class NetError(AssayError):
    """Root of every transport error."""


class UriError(NetError):
    """An artifact URI is malformed or breaks a limit."""


class PeerError(NetError):
    """One peer failed: timed out, broke the wire protocol, or served bad bytes."""


class TelemetryTimeoutError(NetError):
    """No telemetry event arrived before the deadline."""


class ArtifactUnavailableError(NetError):
    """No peer could deliver a verified copy of an artifact."""

    def __init__(self, content_hash: str, peers: Sequence[str], reasons: Sequence[str]) -> None:
        self.content_hash = content_hash
        self.peers = list(peers)
        self.reasons = list(reasons)
        tried = "; ".join(f"{p}: {r}" for p, r in zip(peers, reasons, strict=False)) or "none"
        super().__init__(
            f"artifact {content_hash} is unavailable; peers tried: {tried}. "
            "Check the peers in the artifact URI are running, or add another peer that has it."
        )
