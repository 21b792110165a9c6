"""Column types: wei amounts beyond 64 bits, fixed-length lowercase hex, enums by name, UTC times.

Every type validates on the way in, so a malformed hash or a negative amount fails at the insert
with a message naming the value, never as a silently wrong row.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# uint256 has at most 78 decimal digits.
WEI_DIGITS = 78
MAX_UINT256 = 2**256 - 1

E = TypeVar("E", bound=enum.Enum)

# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSON_VALUE = JSON().with_variant(JSONB(), "postgresql")


class Wei(TypeDecorator[int]):
    """A uint256 amount as a Python int: NUMERIC(78, 0) on PostgreSQL, zero-padded text on SQLite.

    SQLite turns integers wider than 64 bits into REAL (losing digits), so there the value is kept
    as 78 zero-padded decimal digits: equality and ORDER BY stay exact, but SQL arithmetic (SUM)
    does not; sum wei in Python on SQLite.
    """

    impl = Numeric(WEI_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(WEI_DIGITS))
        return dialect.type_descriptor(Numeric(WEI_DIGITS, 0))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"a wei amount is an int, got {type(value).__name__} {value!r}")
        if not 0 <= value <= MAX_UINT256:
            raise ValueError(f"a wei amount is a uint256 (0 .. 2**256-1), got {value}")
        if dialect.name == "sqlite":
            return f"{value:0{WEI_DIGITS}d}"
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


class HexString(TypeDecorator[str]):
    """`0x` + 2*nbytes lowercase hex digits; accepts any-case hex or raw bytes of the right size."""

    impl = String
    cache_ok = True
    nbytes = 32

    def __init__(self) -> None:
        self.length = 2 + 2 * self.nbytes
        super().__init__(length=self.length)

    def process_bind_param(self, value: str | bytes | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return to_hex(value, self.nbytes)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class Hash32(HexString):
    """A bytes32 (state hash, Merkle root, tx or block hash) as `0x` + 64 lowercase hex digits."""

    cache_ok = True
    nbytes = 32


class Address(HexString):
    """An account or contract address as `0x` + 40 lowercase hex digits (not checksummed)."""

    cache_ok = True
    nbytes = 20


def to_hex(value: str | bytes, nbytes: int) -> str:
    """The canonical `0x` lowercase hex of `value`; ValueError if it is not `nbytes` long."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) != nbytes:
            raise ValueError(f"expected {nbytes} bytes, got {len(raw)}: 0x{raw.hex()}")
        return "0x" + raw.hex()
    text = value[2:] if value.startswith(("0x", "0X")) else None
    if text is None or len(text) != 2 * nbytes:
        raise ValueError(f"expected '0x' + {2 * nbytes} hex digits, got {value!r}")
    try:
        bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"expected hex digits, got {value!r}") from None
    return "0x" + text.lower()


class EnumName(TypeDecorator[E]):
    """An enum member stored by its lowercase name (`JobStatus.OPEN` -> 'open').

    Members named NONE (the protocol's "0 is never valid") are refused. `enum_values` gives the
    allowed names for the table's CHECK constraint.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[E], length: int) -> None:
        longest = max(len(name) for name in enum_values(enum_cls))
        if longest > length:
            raise ValueError(f"{enum_cls.__name__} names need {longest} characters, not {length}")
        self.enum_cls = enum_cls
        self.length = length
        super().__init__(length=length)

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        member = self.enum_cls[value.upper()] if isinstance(value, str) else value
        if not isinstance(member, self.enum_cls) or member.name == "NONE":
            raise ValueError(f"{value!r} is not a valid {self.enum_cls.__name__}")
        return member.name.lower()

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum_cls[value.upper()]


def enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    """The stored names of an enum's valid members, in declaration order."""
    return [m.name.lower() for m in enum_cls if m.name != "NONE"]


class UTCDateTime(TypeDecorator[datetime]):
    """A wall-clock time, always returned timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime is ambiguous; pass an aware one, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def render_static_type(type_: Any) -> str | None:
    """How Alembic autogenerate should write one of these types in a migration: as plain
    SQLAlchemy types, so migrations never import (and change meaning with) this module."""
    if isinstance(type_, Wei):
        return (
            f"sa.Numeric(precision={WEI_DIGITS}, scale=0)"
            f'.with_variant(sa.String(length={WEI_DIGITS}), "sqlite")'
        )
    if isinstance(type_, (HexString, EnumName)):
        return f"sa.String(length={type_.length})"
    if isinstance(type_, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return None
