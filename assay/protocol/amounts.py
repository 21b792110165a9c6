"""ETH amounts as people type them (`0.5ether`, `100gwei`, `42`): read into wei.

The CLI's amount arguments and the agents' settings (`--min-credit`, `$ASSAY_SOLVER_MIN_CREDIT`)
read the same forms; printing amounts back is the CLI's (assay/cli/units.py).
"""

from __future__ import annotations

import re
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


def parse_credit(text: str | int) -> int:
    """A credit threshold: `0` (never claim) or an amount as `parse_amount` reads it."""
    if isinstance(text, int):
        return text
    return 0 if text.strip() == "0" else parse_amount(text)
