"""ETH amounts and chain times as people read them: `0.49 ETH`, `1d 2h`.

Amounts as people type them (`0.5ether` in) are read by assay/protocol/amounts.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, localcontext

import typer

from assay.protocol.amounts import AmountError, parse_amount

UINT256_MAX = 2**256 - 1


def format_wei(wei: int) -> str:
    """`0.49 ETH` (exact, trailing zeros dropped); tiny amounts as gwei or wei."""
    if wei == 0:
        return "0 ETH"
    if abs(wei) < 10**6:
        return f"{wei} wei"
    if abs(wei) < 10**15:
        return f"{_decimal(wei, 10**9)} gwei"
    return f"{_decimal(wei, 10**18)} ETH"


def eth_text(wei: int) -> str:
    """The amount in ETH as an exact decimal string without unit: `0.49`, `3`, `0.000000001`."""
    return _decimal(wei, 10**18) if wei else "0"


def parse_wei(text: str) -> int:
    """Typer parser for an AMOUNT (`0.5ether`, `100gwei`, wei): at most uint256, else a usage
    error saying so (the chain cannot hold more)."""
    try:
        with localcontext() as exact:
            exact.prec = 200  # the default 28 digits would round a 78-digit wei amount
            wei = parse_amount(text)
    except AmountError as exc:
        raise typer.BadParameter(str(exc)) from None
    if wei > UINT256_MAX:
        raise typer.BadParameter(
            f"{text!r} is more than the largest amount the chain can hold (2^256 - 1 wei, "
            "about 1.16e59 ETH); give a smaller amount, e.g. 0.5ether"
        )
    return wei


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
