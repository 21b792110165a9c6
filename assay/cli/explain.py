"""Errors a person can act on, for the job, stake and dispute commands.

`explained()` wraps context.reporting(): a read of an unknown job says there is no such job on
this deployment (not that a transaction was refused), amounts in refusals read in ETH, and a
node's "insufficient funds" names the balance and how to fund the account. `ensure_funds` checks
a payment before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from assay.chain.errors import ChainError, RevertError
from assay.cli.context import Chain, fail, reporting
from assay.cli.units import format_wei
from assay.protocol.types import Role

FUND_HINT = (
    "send ETH to it from a funded account (on the devnet: `cast send ADDRESS --value 10ether "
    "--private-key <a dev key>`, or act as a funded dev account with --dev-account NAME)"
)

_Explain = Callable[[dict[str, Any]], tuple[str, str]]

_EXPLAINED: dict[str, _Explain] = {
    "UnknownJob": lambda a: (
        f"no job {a['jobId']} on this deployment",
        "`assay job list --all` lists its jobs; check --deployment and --rpc-url",
    ),
    "UnknownGame": lambda a: (
        f"no dispute game {a['gameId']} on this deployment",
        "list a job's games with `assay dispute list --job ID`",
    ),
    "BudgetTooSmall": lambda a: (
        f"a budget of {format_wei(int(a['budget']))} is below this deployment's minimum of "
        f"{format_wei(int(a['minimum']))}",
        f"raise --budget to at least {format_wei(int(a['minimum']))}",
    ),
    "InsufficientFreeStake": lambda a: (
        f"{a['account']} has {format_wei(int(a['free']))} of free {_role(a['role'])} stake but "
        f"{format_wei(int(a['needed']))} is needed",
        "stake more with `assay stake add AMOUNT --role ROLE` (`assay stake status` shows it)",
    ),
    "WrongBond": lambda a: (
        f"the challenge bond is {format_wei(int(a['required']))} but "
        f"{format_wei(int(a['sent']))} was sent",
        "send exactly the bond the deployment asks for",
    ),
}


def _role(value: object) -> str:
    """A role as typed on the command line (`verifier`), from the error's enum value."""
    return Role(int(str(value))).name.lower()


@contextmanager
def explained() -> Iterator[None]:
    """context.reporting(), with the refusals above and "insufficient funds" said plainly."""
    with reporting():
        try:
            yield
        except RevertError as exc:
            explain = _EXPLAINED.get(exc.name)
            if explain is None:
                raise
            try:
                message, hint = explain(exc.args)
            except (KeyError, ValueError, TypeError):
                raise exc from None
            fail(message, hint)
        except ChainError as exc:
            if "insufficient funds" not in str(exc).lower():
                raise
            fail(
                "the account cannot pay for this transaction (value plus gas): the node "
                "reports insufficient funds",
                FUND_HINT,
            )


def ensure_funds(chain: Chain, value: int) -> None:
    """Fail before sending when the acting account's balance cannot cover `value` (plus gas)."""
    balance = chain.sender.balance()
    if balance < value:
        fail(
            f"insufficient funds: {chain.address} holds {format_wei(balance)} but this sends "
            f"{format_wei(value)} (plus gas)",
            FUND_HINT,
        )
