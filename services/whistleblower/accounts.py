"""Each honeypot's own submitter, solver and challenger: fresh accounts derived from the key, funded
and swept.

Why: a job posted or solved by the registered whistleblower, or by an account that was seen on an
earlier (revealed, hence public) honeypot, is recognisable on sight, and a verifier that recognises
honeypots checks only those. So every honeypot slot gets a submitter, a solver and a challenger (for
the self-challenge of a honeypot nobody challenged) of its own, never used for anything else: their
keys are HMAC-SHA256(key, "assay-whistleblower/v1/account/<role>/<slot>") reduced to a secp256k1
scalar, so a restart finds them again and nobody without the key can tell them from any new
participant.

Money, per honeypot (see docs/whistleblower.md, "Funding"):

- `fund`: the funder tops the submitter up to budget + gas and the solver to solverStake + gas,
  and the solver stakes it (only the shortfall, so a crash between steps is harmless); the
  challenger is topped up to challengeBond + gas only when the service self-challenges (`top_up`);
- the honeypot runs; its reveal credits the honeypot's cost (tax, attester fees) back to the
  submitter from the jackpot pool (ForcedErrorRegistry.reveal);
- `settle`: once the honeypot is closed, the solver unstakes (after the unbonding delay) and the
  three accounts' credits and balances go to the registered whistleblower account. That transfer
  links them to the whistleblower only after the reveal has made them public anyway.

The funder is the one link left: whoever funds a fresh account is visible on-chain. A real
deployment funds through a channel nobody can tie to the whistleblower (docs/whistleblower.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from eth_typing import ChecksumAddress

from assay.chain.deploy import ProtocolContracts
from assay.chain.sender import TxSender
from assay.chain.signer import LocalKeySigner
from assay.protocol.types import Role

_DOMAIN = b"assay-whistleblower/v1/account/"
# Order of the secp256k1 group: a private key is an integer in [1, N - 1].
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TRANSFER_GAS = 21_000
ROLES = ("submitter", "solver", "challenger")


def account_key(key: bytes, role: str, slot: int) -> bytes:
    """The private key of `role` (one of ROLES) for honeypot slot `slot`."""
    if role not in ROLES:
        raise ValueError(
            f"a honeypot account is a submitter, a solver or a challenger, not {role!r}"
        )
    digest = hmac.new(key, _DOMAIN + f"{role}/{slot}".encode(), hashlib.sha256).digest()
    return (1 + int.from_bytes(digest, "big") % (_SECP256K1_N - 1)).to_bytes(32, "big")


def connect_as(protocol: ProtocolContracts, sender: TxSender) -> ProtocolContracts:
    """The same contracts, acting as `sender`'s account."""
    return ProtocolContracts(
        stakes=protocol.stakes.connect(sender),
        market=protocol.market.connect(sender),
        game=protocol.game.connect(sender),
        court=protocol.court.connect(sender),
        registry=protocol.registry.connect(sender),
    )


@dataclass(frozen=True)
class HoneypotAccounts:
    """The submitter, solver and challenger of one honeypot slot (their repr shows no key)."""

    slot: int
    submitter: ProtocolContracts
    solver: ProtocolContracts
    challenger: ProtocolContracts

    @classmethod
    def derive(cls, key: bytes, slot: int, protocol: ProtocolContracts) -> HoneypotAccounts:
        w3 = protocol.market.sender.w3

        def account(role: str) -> ProtocolContracts:
            signer = LocalKeySigner.from_key(account_key(key, role, slot))
            return connect_as(protocol, TxSender(w3, signer))

        return cls(slot, account("submitter"), account("solver"), account("challenger"))

    @property
    def submitter_address(self) -> ChecksumAddress:
        return self.submitter.market.sender.address

    @property
    def solver_address(self) -> ChecksumAddress:
        return self.solver.market.sender.address

    @property
    def challenger_address(self) -> ChecksumAddress:
        return self.challenger.market.sender.address


class Settled(StrEnum):
    """Where `settle` left a closed honeypot's accounts."""

    LOCKED = "locked"  # the solver stake is still locked (its job is not settled yet)
    UNBONDING = "unbonding"  # the solver stake is on its way out (withdrawal requested)
    SWEPT = "swept"  # nothing left in either account


def top_up(funder: TxSender, to: str, target: int) -> int:
    """Send `to` what it lacks of `target` wei from `funder`; returns the wei sent."""
    short = target - funder.balance(to)
    if short <= 0:
        return 0
    funder.send_tx(to=to, value=short, gas=TRANSFER_GAS, label="fund honeypot account")
    return short


def fund(
    accounts: HoneypotAccounts, funder: TxSender, *, budget: int, solver_stake: int, gas: int
) -> int:
    """Make the slot's accounts ready to post (budget) and claim (staked solver); returns wei sent.

    Idempotent: it only adds what is missing, so a restart after a partial funding finishes it.
    """
    stakes = accounts.solver.stakes
    solver = accounts.solver_address
    staked = stakes.stake_of(solver, Role.SOLVER)
    stake_short = max(solver_stake - staked.free, 0)
    sent = top_up(funder, accounts.submitter_address, budget + gas)
    sent += top_up(funder, solver, stake_short + gas)
    if stake_short > 0:
        stakes.deposit(Role.SOLVER, stake_short)
    return sent


def settle(accounts: HoneypotAccounts, to: str, now: int) -> Settled:
    """Empty a closed honeypot's accounts into `to`, one step per call, re-reading the chain.

    The submitter and the challenger (its bond came back when its game resolved) are swept at
    once; the solver requests the withdrawal of its (unlocked) stake, withdraws it after the
    unbonding delay, then is swept too.
    """
    sweep(accounts.submitter, to)
    sweep(accounts.challenger, to)
    stakes = accounts.solver.stakes
    stake = stakes.stake_of(accounts.solver_address, Role.SOLVER)
    if stake.locked > 0:
        return Settled.LOCKED
    if stake.free > 0:
        stakes.request_withdrawal(Role.SOLVER, stake.free)
        return Settled.UNBONDING
    if stake.pending_withdrawal > 0:
        if now < stake.withdrawable_at:
            return Settled.UNBONDING
        stakes.withdraw(Role.SOLVER)
    sweep(accounts.solver, to)
    return Settled.SWEPT


def sweep(account: ProtocolContracts, to: str) -> int:
    """Claim `account`'s credit and send its whole balance, less the transfer's gas, to `to`."""
    stakes = account.stakes
    sender = stakes.sender
    if stakes.credit_of(sender.address) > 0:
        stakes.claim()
    # Twice the current fee: the base fee may rise before the transfer is mined.
    reserve = 2 * TRANSFER_GAS * _fee_per_gas(sender)
    value = sender.balance() - reserve
    if value <= 0:
        return 0
    sender.send_tx(to=to, value=value, gas=TRANSFER_GAS, label="sweep honeypot account")
    return value


def _fee_per_gas(sender: TxSender) -> int:
    """The most a transaction sent now pays per unit of gas (as TxSender prices it)."""
    latest = sender.w3.eth.get_block("latest")
    base = latest.get("baseFeePerGas")
    if base is None:
        return int(sender.w3.eth.gas_price)
    try:
        tip = int(sender.w3.eth.max_priority_fee)
    except Exception:
        tip = 10**9
    return 2 * int(base) + tip
