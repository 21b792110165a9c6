"""ETH amounts and chain times as people type and read them: `0.5ether` in, `0.49 ETH` out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from assay.errors import AssayError

WEI_PER: dict[str, int] = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
_AMOUNT_RE = re.compile(r"(?P<number>[0-9]*\.?[0-9]*)\s*(?P<unit>[a-z]*)")
_EXAMPLES = "e.g. 2ether, 0.5ether, 100gwei or 1000000 (wei)"


class AmountError(AssayError):
    """An amount string could not be read as wei."""


def parse_amount(text: str) -> int:
    """Wei from `2ether`, `0.5 eth`, `100gwei`, `42wei` or plain `42` (wei); positive only."""
    cleaned = text.strip().lower().replace("_", "")
    m = _AMOUNT_RE.fullmatch(cleaned)
    if m is None or not any(c.isdigit() for c in m["number"]):
        raise AmountError(f"{text!r} is not an amount; write a number and a unit, {_EXAMPLES}")
    unit = m["unit"] or "wei"
    if unit not in WEI_PER:
        raise AmountError(
            f"unknown unit {m['unit']!r} in {text!r}; use ether (eth), gwei or wei, {_EXAMPLES}"
        )
    try:
        wei = Decimal(m["number"]) * WEI_PER[unit]
    except InvalidOperation:
        raise AmountError(f"{text!r} is not an amount; {_EXAMPLES}") from None
    if wei != wei.to_integral_value():
        raise AmountError(
            f"{text!r} is not a whole number of wei (a number without a unit is wei); "
            f"add a unit or use fewer decimals, {_EXAMPLES}"
        )
    if wei <= 0:
        raise AmountError(f"the amount must be more than zero, got {text!r}")
    return int(wei)


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
