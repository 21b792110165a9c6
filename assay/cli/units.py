"""ETH amounts and chain times as people read them: `0.49 ETH`, `1d 2h`.

Amounts as people type them (`0.5ether` in) are read by assay/protocol/amounts.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal


def format_wei(wei: int) -> str:
    """`0.49 ETH` (exact, trailing zeros dropped); tiny amounts as gwei or wei."""
    if wei == 0:
        return "0 ETH"
    if abs(wei) < 10**6:
        return f"{wei} wei"
    if abs(wei) < 10**15:
        return f"{_decimal(wei, 10**9)} gwei"
    return f"{_decimal(wei, 10**18)} ETH"


def _decimal(wei: int, scale: int) -> str:
    text = format(Decimal(wei) / Decimal(scale), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_duration(seconds: int) -> str:
    """`1d 2h`, `23m 10s`, `5s`: the two largest units."""
    seconds = abs(int(seconds))
    parts: list[str] = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def format_time(timestamp: int, now: int) -> str:
    """A chain timestamp as UTC time plus how far it is from `now` (the chain's clock)."""
    when = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    delta = timestamp - now
    if delta > 0:
        return f"{when} (in {format_duration(delta)})"
    if delta < 0:
        return f"{when} ({format_duration(delta)} ago)"
    return f"{when} (now)"
