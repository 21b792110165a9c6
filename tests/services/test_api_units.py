"""The API's pure parts: Range parsing, cursors, and the enum names it shares with the chain."""

from __future__ import annotations

import enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.protocol.types import GameStatus, JobStatus, Party, Role
from services.api.errors import InvalidCursorError, RangeNotSatisfiableError
from services.api.pagination import Cursor, decode_cursor
from services.api.ranges import parse_range
from services.api.schemas.common import DisputeState, JobState, MoveName, PartyName, RoleName
from services.db.enums import MoveKind


@pytest.mark.parametrize(
    "header, size, expected",
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=0-9", 10, (0, 9)),
        ("bytes=3-", 10, (3, 9)),
        ("bytes=-4", 10, (6, 9)),
        ("bytes=-40", 10, (0, 9)),
        ("bytes=2-400", 10, (2, 9)),
        (" bytes = 1 - 2 ", 10, (1, 2)),
    ],
)
def test_single_ranges_are_clipped_to_the_artifact(
    header: str, size: int, expected: tuple[int, int]
) -> None:
    byte_range = parse_range(header, size)
    assert byte_range is not None and (byte_range.start, byte_range.end) == expected
    assert byte_range.content_range == f"bytes {expected[0]}-{expected[1]}/{size}"


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes=", "bytes=-", "bytes=4-2", "bytes=0-1,3-4", "lines=0-1", "bytes=a-b"],
)
def test_ranges_that_cannot_be_served_alone_are_ignored(header: str | None) -> None:
    assert parse_range(header, 10) is None


@pytest.mark.parametrize("header, size", [("bytes=10-", 10), ("bytes=0-", 0), ("bytes=-0", 5)])
def test_ranges_with_no_byte_in_the_artifact_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiableError) as raised:
        parse_range(header, size)
    assert raised.value.size == size


@given(size=st.integers(1, 10_000), a=st.integers(0, 20_000), b=st.integers(0, 20_000))
def test_a_served_range_always_lies_inside_the_artifact(size: int, a: int, b: int) -> None:
    for header in (f"bytes={a}-{b}", f"bytes={a}-", f"bytes=-{b}"):
        try:
            byte_range = parse_range(header, size)
        except RangeNotSatisfiableError:
            assert a >= size or b == 0
            continue
        if byte_range is not None:
            assert 0 <= byte_range.start <= byte_range.end < size
            assert byte_range.length == byte_range.end - byte_range.start + 1


@given(deployment=st.integers(0, 2**63 - 1), after=st.integers(0, 2**63 - 1))
def test_a_cursor_decodes_to_what_was_encoded(deployment: int, after: int) -> None:
    cursor = Cursor("jobs", deployment, after)
    text = cursor.encode()
    assert decode_cursor(text, "jobs") == cursor
    assert text.isascii() and "=" not in text


@pytest.mark.parametrize(
    "text", ["", "%%%", "e30", "eyJ2IjoxLCJsIjoiam9icyIsImQiOi0xLCJhIjoxfQ", "WzFd"]
)
def test_malformed_cursors_are_refused(text: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(text, "jobs")


def test_a_cursor_of_another_listing_is_refused() -> None:
    with pytest.raises(InvalidCursorError, match="pages 'disputes'"):
        decode_cursor(Cursor("disputes", 1, 5).encode(), "jobs")


@pytest.mark.parametrize(
    "api_enum, protocol_enum",
    [
        (JobState, JobStatus),
        (DisputeState, GameStatus),
        (PartyName, Party),
        (RoleName, Role),
        (MoveName, MoveKind),
    ],
)
def test_api_enums_name_every_protocol_member(
    api_enum: type[enum.StrEnum], protocol_enum: type[enum.Enum]
) -> None:
    names = [m.name.lower() for m in protocol_enum if m.name != "NONE"]
    assert [m.value for m in api_enum] == names
