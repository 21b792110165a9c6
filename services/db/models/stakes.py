"""Stakes and pull payments (StakeManager): the ledger of every stake change, each (account,
role) stake as it stands, and the credit ledger (payouts credited, claims that withdrew them)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from assay.protocol.types import Role
from services.db.base import Base, ChainEvent, deployment_fk, event_keys, in_check
from services.db.enums import CreditEventKind, StakeEventKind
from services.db.types import Address, EnumName, Wei, enum_values

ROLE = EnumName(Role, 16)


class StakeState:
    """An (account, role) stake as of an event (IStakeManager.Stake plus registry membership)."""

    SNAPSHOT: ClassVar[tuple[str, ...]] = (
        "total",
        "locked",
        "pending_withdrawal",
        "withdrawable_at",
        "registered",
    )

    total: Mapped[int] = mapped_column(Wei())  # staked, including locked and pending withdrawal
    locked: Mapped[int] = mapped_column(Wei())  # held by protocol contracts (slashable)
    pending_withdrawal: Mapped[int] = mapped_column(Wei())  # requested, not yet withdrawn
    withdrawable_at: Mapped[int] = mapped_column(BigInteger)  # unix s; 0 if nothing requested
    registered: Mapped[bool] = mapped_column(Boolean)  # in the role's draw registry

    @property
    def free(self) -> int:
        """Stake that can be locked or requested for withdrawal."""
        return self.total - self.locked - self.pending_withdrawal

    def snapshot(self) -> dict[str, Any]:
        """The state columns, to copy from the newest stake event onto the stake."""
        return {name: getattr(self, name) for name in self.SNAPSHOT}


class Stake(StakeState, Base):
    """An (account, role) stake as of its newest stake event (`updated_block`)."""

    __tablename__ = "stakes"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "account", "role"),
        Index(None, "deployment_id", "role"),
        in_check("role", enum_values(Role)),
    )

    deployment_id: Mapped[int] = deployment_fk()
    account: Mapped[str] = mapped_column(Address())
    role: Mapped[Role] = mapped_column(ROLE)
    updated_block: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class StakeEvent(StakeState, ChainEvent, Base):
    """One change to a stake, with the stake right after it (slashes are `kind = 'slashed'`).

    `amount` is the event's amount (None for registered/deregistered). The context columns say,
    where the indexer could tell from the other logs of the same transaction, which job, game or
    adjudication request caused a lock, unlock or slash, and why (`cause`, free text such as
    'solver_claim', 'attested_honeypot', 'referee_no_show').
    """

    __tablename__ = "stake_events"
    __table_args__ = (
        *event_keys(primary=True),
        Index(None, "deployment_id", "account", "role"),
        in_check("role", enum_values(Role)),
        in_check("kind", enum_values(StakeEventKind)),
    )

    account: Mapped[str] = mapped_column(Address())
    role: Mapped[Role] = mapped_column(ROLE)
    kind: Mapped[StakeEventKind] = mapped_column(EnumName(StakeEventKind, 24))
    amount: Mapped[int | None] = mapped_column(Wei())
    beneficiary: Mapped[str | None] = mapped_column(Address())  # Slashed: who got a share
    to_beneficiary: Mapped[int | None] = mapped_column(Wei())  # Slashed: that share
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    game_id: Mapped[int | None] = mapped_column(BigInteger)
    request_id: Mapped[int | None] = mapped_column(BigInteger)
    cause: Mapped[str | None] = mapped_column(String(32))


class CreditEvent(ChainEvent, Base):
    """A pull payment: a payout credited to an account (Credited) or the account claiming all its
    credit (Claimed). `balance` is the account's credit right after; the newest row's balance is
    what the account can claim now. Context columns as in StakeEvent ('solver_pay',
    'verifier_fee', 'refund', 'bond_refund', 'bond_award', 'slash_share', 'jackpot',
    'honeypot_reimbursement')."""

    __tablename__ = "credit_events"
    __table_args__ = (
        *event_keys(primary=True),
        Index(None, "deployment_id", "account"),
        in_check("kind", enum_values(CreditEventKind)),
    )

    account: Mapped[str] = mapped_column(Address())
    kind: Mapped[CreditEventKind] = mapped_column(EnumName(CreditEventKind, 16))
    amount: Mapped[int] = mapped_column(Wei())
    balance: Mapped[int] = mapped_column(Wei())
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    game_id: Mapped[int | None] = mapped_column(BigInteger)
    cause: Mapped[str | None] = mapped_column(String(32))
