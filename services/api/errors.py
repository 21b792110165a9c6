"""Domain errors of the API's service layer; each message says what the client should change.

Services raise these and never think about HTTP: `services.api.problems` maps each class, once,
to a problem type (status, title) and renders it as RFC 9457 problem+json.
"""

from __future__ import annotations

from typing import Any

from assay.errors import AssayError


class ApiError(AssayError):
    """Root of the API's domain errors; `extensions` become extra members of the problem."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFoundError(ApiError):
    """No job, dispute, deployment or artifact with that id or hash."""


class InvalidCursorError(ApiError):
    """A pagination cursor was not produced by this listing (or was altered)."""


class PayloadTooLargeError(ApiError):
    """An upload or a spec is larger than the configured limit (`limit` extension, bytes)."""

    def __init__(self, detail: str, *, limit: int) -> None:
        super().__init__(detail, limit=limit)
        self.limit = limit


class HashMismatchError(ApiError):
    """Uploaded bytes do not hash to the content hash the client named; nothing was stored."""


class InvalidBodyError(ApiError):
    """A body does not parse as its Content-Type says (JSON syntax, not an object, not UTF-8)."""


class UnsupportedMediaTypeError(ApiError):
    """A body came with a Content-Type this route does not read."""


class RangeNotSatisfiableError(ApiError):
    """A Range header asks for bytes past the end of the artifact (`size` extension)."""

    def __init__(self, detail: str, *, size: int) -> None:
        super().__init__(detail, size=size)
        self.size = size


class NotReadyError(ApiError):
    """The API cannot serve yet (database down or not migrated); `checks` says which."""
