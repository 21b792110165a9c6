"""How the explorer writes values: ETH with units (exact, from wei), times, durations."""

from __future__ import annotations

from datetime import UTC, datetime

WEI_PER_ETH = 10**18


def eth(amount: str | int | None) -> str:
    """`0.5 ETH` from a wei amount, exactly (no float rounding); `—` for None."""
    if amount is None:
        return "—"
    value = int(amount)
    sign, value = ("-", -value) if value < 0 else ("", value)
    whole, frac = divmod(value, WEI_PER_ETH)
    digits = f"{frac:018d}".rstrip("0")
    return f"{sign}{whole:,}{'.' + digits if digits else ''} ETH"


def utc(timestamp: int | None) -> str:
    """A block time as `2026-12-03 18:55:56 UTC`; `—` for None."""
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: int | None) -> str:
    """`59 min 59 s` from seconds; `—` for None."""
    if seconds is None:
        return "—"
    s = int(seconds)
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes or hours:
        parts.append(f"{minutes} min")
    parts.append(f"{secs} s")
    return " ".join(parts)


def short(value: str | None, keep: int = 6) -> str:
    """`0x1234…abcd` for a long hex string (the full value goes in a title or the link)."""
    if value is None:
        return "—"
    return value if len(value) <= 2 + 2 * keep else f"{value[: 2 + keep]}…{value[-keep:]}"


def label(name: str | None) -> str:
    """`step bisection` from an enum name such as `step_bisection`."""
    return "—" if name is None else str(name).replace("_", " ")
