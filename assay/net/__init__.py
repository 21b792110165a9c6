"""pyzmq transport: the blob service (fetch artifacts by hash from peers) and telemetry."""

from assay.net.blobs import BlobClient, BlobServer
from assay.net.errors import (
    ArtifactUnavailableError,
    NetError,
    PeerError,
    TelemetryTimeoutError,
    UriError,
)
from assay.net.telemetry import (
    ProgressEvent,
    TelemetryEvent,
    TelemetryPublisher,
    TelemetrySubscriber,
    job_topic,
)
from assay.net.uri import ArtifactUri, make_uri, parse_uri

__all__ = [
    "ArtifactUnavailableError",
    "ArtifactUri",
    "BlobClient",
    "BlobServer",
    "NetError",
    "PeerError",
    "ProgressEvent",
    "TelemetryEvent",
    "TelemetryPublisher",
    "TelemetrySubscriber",
    "TelemetryTimeoutError",
    "UriError",
    "job_topic",
    "make_uri",
    "parse_uri",
]
