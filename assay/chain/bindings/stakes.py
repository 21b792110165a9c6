"""StakeManager binding: stakes per (account, role), unbonding and pull-payment credits."""

from __future__ import annotations

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from assay.chain.bindings._base import Binding
from assay.protocol.records import Stake
from assay.protocol.types import Role


class StakeManager(Binding):
    """Stakes, slashes and credits of the protocol."""

    INTERFACE = "IStakeManager"
    NAME = "StakeManager"

    def deposit(self, role: Role, wei: int) -> TxReceipt:
        """Stake `wei` for `role`."""
        return self._send("deposit", int(role), value=wei)

    def request_withdrawal(self, role: Role, wei: int) -> TxReceipt:
        """Start unbonding `wei` of free stake."""
        return self._send("requestWithdrawal", int(role), wei)

    def withdraw(self, role: Role) -> TxReceipt:
        """Withdraw the pending amount after the unbonding delay."""
        return self._send("withdraw", int(role))

    def claim(self) -> int:
        """Pay out this account's credit; returns the wei claimed."""
        receipt = self._send("claim")
        return int(self._one_event(receipt, "Claimed").args["amount"])

    def set_protocol_contract(self, target: str, allowed: bool = True) -> TxReceipt:
        """Owner: allow `target` to lock/unlock/slash/credit."""
        return self._send("setProtocolContract", target, allowed)

    def set_unbonding_delay(self, seconds: int) -> TxReceipt:
        """Owner: set the unbonding delay."""
        return self._send("setUnbondingDelay", seconds)

    def set_min_registry_stake(self, role: Role, wei: int) -> TxReceipt:
        """Owner: stake an account needs to be drawn for `role` (keeps dust out of the registry)."""
        return self._send("setMinRegistryStake", int(role), wei)

    def min_registry_stake(self, role: Role) -> int:
        """Stake needed to enter `role`'s draw registry."""
        return int(self._call("minRegistryStake", int(role)))

    def is_registered(self, account: str, role: Role) -> bool:
        """Whether `account` can be drawn for `role`."""
        return bool(self._call("isRegistered", account, int(role)))

    def stake_of(self, account: str, role: Role) -> Stake:
        """The stake of (account, role)."""
        return Stake.from_tuple(self._call("stakeOf", account, int(role)))

    def free_stake(self, account: str, role: Role) -> int:
        """Stake that can be locked or withdrawn now."""
        return int(self._call("freeStake", account, int(role)))

    def credit_of(self, account: str) -> int:
        """Claimable credit in wei."""
        return int(self._call("creditOf", account))

    def registry_size(self, role: Role) -> int:
        """Number of accounts registered for `role`."""
        return int(self._call("registrySize", int(role)))

    def registry_at(self, role: Role, index: int) -> ChecksumAddress:
        """The `index`-th registered account of `role`."""
        address: ChecksumAddress = self._call("registryAt", int(role), index)
        return address

    def unbonding_delay(self) -> int:
        """Seconds between requestWithdrawal and withdraw."""
        return int(self._call("unbondingDelay"))

    def treasury(self) -> ChecksumAddress:
        """Where the non-winner share of slashes goes."""
        address: ChecksumAddress = self._call("treasury")
        return address

    def is_protocol(self, target: str) -> bool:
        """True if `target` is a wired protocol contract."""
        return bool(self._call("isProtocol", target))

    def total_staked(self) -> int:
        """Sum of all stakes."""
        return int(self._call("totalStaked"))

    def total_credits(self) -> int:
        """Sum of all credits."""
        return int(self._call("totalCredits"))
