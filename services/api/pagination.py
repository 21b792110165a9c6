"""Opaque keyset cursors: a page ends at an id, and the next page starts just below it.

Lists are ordered newest first by their on-chain id (unique within a deployment), so a page
boundary is one id: rows added while a client pages through never shift later pages, and no row
is returned twice or skipped. The cursor also names the listing and the deployment, so it cannot
be replayed against another list or chain. It is base64url JSON: opaque by contract, not secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from services.api.errors import InvalidCursorError

Row = TypeVar("Row")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_VERSION = 1
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Cursor:
    """The position after the last item of a page."""

    listing: str  # "jobs", "disputes"
    deployment: int
    after: int  # the last id returned; the next page has ids below it

    def encode(self) -> str:
        """The opaque text clients pass back as `cursor`."""
        doc = {"v": _VERSION, "l": self.listing, "d": self.deployment, "a": self.after}
        raw = json.dumps(doc, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, listing: str) -> Cursor:
    """Parse a cursor of `listing`; InvalidCursorError if it is not one this API produced."""
    fix = "pass back next_cursor exactly as received, or omit cursor to start from the newest"
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        doc = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursorError(
            f"cursor {text[:40]!r} is not a cursor of this API; {fix}"
        ) from None
    if (
        not isinstance(doc, dict)
        or doc.get("v") != _VERSION
        or not all(_is_id(doc.get(k)) for k in ("d", "a"))
    ):
        raise InvalidCursorError(f"cursor {text[:40]!r} is malformed; {fix}")
    if doc.get("l") != listing:
        raise InvalidCursorError(f"this cursor pages {doc.get('l')!r}, not {listing!r}; {fix}")
    return Cursor(listing=listing, deployment=doc["d"], after=doc["a"])


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_ID


def newest_first(
    session: Session,
    query: Select[Row],
    id_column: InstrumentedAttribute[Any],
    *,
    listing: str,
    deployment: int,
    after: Cursor | None,
    limit: int,
) -> tuple[Sequence[Row], str | None]:
    """One page of `query` by `id_column` descending, below `after`; and the next page's cursor
    (None on the last page). One row more than the page is read to know whether another follows."""
    if after is not None:
        query = query.where(id_column < after.after)
    rows = session.scalars(query.order_by(id_column.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    return page, Cursor(listing, deployment, int(getattr(page[-1], id_column.key))).encode()
