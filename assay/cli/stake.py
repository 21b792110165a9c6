"""`assay stake …` and `assay credits …`: stake per role, unbond, and claim what you are owed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from eth_utils.address import is_address, to_checksum_address
from rich.table import Table

from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    Chain,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
    tx_hash,
)
from assay.cli.explain import ensure_funds, explained
from assay.cli.output import JsonFlag, amount, console, emit_json
from assay.cli.units import eth_text, format_time, format_wei, parse_wei
from assay.protocol.types import Role

stake_app = typer.Typer(no_args_is_help=True, help="Stake ETH for a role, unbond it, see it.")
credits_app = typer.Typer(no_args_is_help=True, help="Claim payouts, refunds and winnings.")


class RoleName(StrEnum):
    """The stakeable roles, as typed on the command line."""

    solver = "solver"
    verifier = "verifier"
    referee = "referee"
    whistleblower = "whistleblower"

    @property
    def role(self) -> Role:
        """The on-chain role."""
        return Role[self.name.upper()]


RoleOption = Annotated[RoleName, typer.Option("--role", help="the role the stake backs")]

AGENT_NEEDED = {
    Role.VERIFIER: "verifier",
    Role.REFEREE: "referee",
    Role.WHISTLEBLOWER: "whistleblower",
}


def role_needs(chain: Chain, role: Role) -> tuple[int, str]:
    """The free stake a role needs to work, and what it is needed for."""
    stakes = chain.protocol.stakes
    registry = stakes.min_registry_stake(role)
    if role == Role.SOLVER:
        return chain.protocol.market.params().solverStake, "to claim a job"
    if role == Role.VERIFIER:
        per_job = chain.protocol.market.params().verifierStake
        return max(per_job, registry), "to be drawn as a verifier"
    if role == Role.REFEREE:
        per_seat = chain.protocol.court.params().refereeStake
        return max(per_seat, registry), "to be drawn onto a referee committee"
    return registry, "to report as a whistleblower"


@stake_app.command("add")
def add(
    amount: Annotated[
        int,
        typer.Argument(
            parser=parse_wei, metavar="AMOUNT", help="2ether, 0.5ether, 100gwei (no unit: wei)"
        ),
    ],
    role: RoleOption,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Deposit AMOUNT as stake for a role; says if it is still too little for the role's work.

    Verifiers, referees and whistleblowers must then run their agent (`assay verifier run`, …):
    a drawn verifier that does not attest in time loses the job's fee and is reported.

    Example: assay stake add 2ether --role solver
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        ensure_funds(chain, amount)
        receipt = chain.protocol.stakes.deposit(role.role, amount)
        total = chain.protocol.stakes.stake_of(chain.address, role.role).amount
        free = chain.protocol.stakes.free_stake(chain.address, role.role)
        registered = chain.protocol.stakes.is_registered(chain.address, role.role)
        needed, purpose = role_needs(chain, role.role)
    console.print(f"staked {format_wei(amount)} as {role.value} from {chain.address}")
    console.print(f"total {role.value} stake: {format_wei(total)} ({format_wei(free)} free)")
    if role.role in (Role.VERIFIER, Role.REFEREE):
        console.print(f"drawn for {role.value} work: {'yes' if registered else 'no'}")
    if free < needed:
        console.print(
            f"[yellow]not enough yet:[/] a {role.value} needs {format_wei(needed)} of free stake "
            f"{purpose}; add {format_wei(needed - free)} more "
            f"(`assay stake add {_eth_arg(needed - free)} --role {role.value}`)",
            soft_wrap=True,
        )
    agent = AGENT_NEEDED.get(role.role)
    if agent is not None:
        console.print(
            f"[bold]next:[/] run `assay {agent} run` with this account now and keep it running; "
            f"once drawn, a {role.value} without a running agent misses its deadlines "
            "(attestations, votes) and loses fees or stake",
            soft_wrap=True,
        )
    console.print(f"tx: {tx_hash(receipt)}")


def _eth_arg(wei: int) -> str:
    """An AMOUNT argument for `wei` as a person would type it (exact)."""
    return f"{eth_text(wei)}ether"


@stake_app.command("status")
def status(
    address: Annotated[
        str | None,
        typer.Argument(metavar="ADDRESS", help="whose stake (default: the acting account)"),
    ] = None,
    as_json: JsonFlag = False,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Show the stake per role (locked, unbonding, draw registration) and claimable credit.

    Example: assay stake status 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
    """
    if address is not None and not is_address(address):
        fail(f"{address!r} is not an address", "give a 0x-prefixed 40-hex-digit address")
    opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
    with explained():
        chain = connect(opts, signing=address is None)
        who = to_checksum_address(address) if address is not None else chain.address
        stakes = chain.protocol.stakes
        now = chain.now()
        if as_json:
            emit_json(_stake_document(chain, who, now))
            return
        table = Table(title=f"stake of {who}")
        for column in ("role", "amount", "locked", "unbonding", "withdrawable at", "drawn"):
            table.add_column(column)
        for name in RoleName:
            s = stakes.stake_of(who, name.role)
            drawable = name.role in (Role.VERIFIER, Role.REFEREE)
            table.add_row(
                name.value,
                format_wei(s.amount),
                format_wei(s.locked),
                format_wei(s.pending_withdrawal),
                format_time(s.withdrawable_at, now) if s.pending_withdrawal else "-",
                ("yes" if stakes.is_registered(who, name.role) else "no") if drawable else "-",
            )
        credit = stakes.credit_of(who)
    console.print(table)
    console.print(f"claimable credit: {format_wei(credit)}", soft_wrap=True)
    if credit:
        console.print("claim it with `assay credits claim`")


def _stake_document(chain: Chain, who: str, now: int) -> dict[str, Any]:
    """`stake status --json` (docs/cli.md, "JSON output")."""
    stakes = chain.protocol.stakes
    roles = []
    for name in RoleName:
        s = stakes.stake_of(who, name.role)
        roles.append(
            {
                "role": name.value,
                **amount("amount", s.amount),
                **amount("locked", s.locked),
                **amount("unbonding", s.pending_withdrawal),
                **amount("free", s.free),
                "withdrawable_at": s.withdrawable_at if s.pending_withdrawal else None,
                "registered": stakes.is_registered(who, name.role),
            }
        )
    return {"address": who, "roles": roles, **amount("credit", stakes.credit_of(who)), "now": now}


@stake_app.command("withdraw")
def withdraw(
    role: RoleOption,
    amount: Annotated[
        int | None,
        typer.Option(
            parser=parse_wei, metavar="AMOUNT", help="how much to unbond (default: all free)"
        ),
    ] = None,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Start unbonding stake; once the unbonding delay has passed, run it again to withdraw.

    Without a pending withdrawal this requests one (all free stake, or --amount). With one
    pending and no --amount it withdraws, which the chain refuses until the delay has passed.

    Example: assay stake withdraw --role verifier --amount 1ether
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        stakes = chain.protocol.stakes
        s = stakes.stake_of(chain.address, role.role)
        if s.pending_withdrawal and amount is None:
            receipt = stakes.withdraw(role.role)
            console.print(f"withdrew {format_wei(s.pending_withdrawal)} of {role.value} stake")
            console.print(f"tx: {tx_hash(receipt)}")
            return
        wanted = amount if amount is not None else s.free
        if wanted == 0:
            fail(
                f"{chain.address} has no free {role.value} stake to withdraw "
                f"(staked {format_wei(s.amount)}, locked {format_wei(s.locked)})",
                "locked stake is released when its job or game settles; see `assay stake status`",
            )
        if wanted > s.free:
            fail(
                f"you can withdraw at most {format_wei(s.free)} of your {role.value} stake, not "
                f"{format_wei(wanted)}: {format_wei(s.amount)} staked, {format_wei(s.locked)} "
                f"locked by live jobs or games, {format_wei(s.pending_withdrawal)} already "
                "unbonding",
                f"ask for at most {format_wei(s.free)} (or leave out --amount for all of it); "
                "locked stake is released when its job or game settles",
            )
        if s.pending_withdrawal:
            console.print(
                f"note: {format_wei(s.pending_withdrawal)} is already unbonding; a new request "
                "restarts the delay for the whole pending amount"
            )
        receipt = stakes.request_withdrawal(role.role, wanted)
        after = stakes.stake_of(chain.address, role.role)
        now = chain.now()
    console.print(f"requested withdrawal of {format_wei(wanted)} of {role.value} stake")
    console.print(f"unbonding: {format_wei(after.pending_withdrawal)}")
    console.print(f"unlocks at {format_time(after.withdrawable_at, now)}", soft_wrap=True)
    console.print(f"then run `assay stake withdraw --role {role.value}` again to receive it")
    console.print(f"tx: {tx_hash(receipt)}")


@credits_app.command("claim")
def claim(
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Pay out this account's credit (job payouts, refunds, fees, won bonds and slashes).

    Example: assay credits claim --dev-account solver
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        paid = chain.protocol.stakes.claim()
    console.print(f"claimed {format_wei(paid)} to {chain.address}")
