"""The workers' errors; each message says what to fix."""

from __future__ import annotations

from assay.errors import AssayError, ConfigError


class WorkerError(AssayError):
    """Root of the Celery workers' errors."""


class WorkerConfigError(WorkerError, ConfigError):
    """An ASSAY_* worker setting is invalid."""


class BrokerUnreachableError(WorkerError):
    """The Redis broker or result backend does not answer."""
