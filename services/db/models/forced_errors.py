"""Forced errors (ForcedErrorRegistry): honeypot reveals, jackpot funding, whistleblowers."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKeyConstraint, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, ChainEvent, event_keys, in_check
from services.db.enums import WhistleblowerEventKind
from services.db.types import Address, EnumName, Wei, enum_values


class ForcedErrorReveal(ChainEvent, Base):
    """A whistleblower revealed a job as a honeypot (ForcedErrorRevealed): the jackpot went to the
    challenger who won a game on it (None: nobody did, and nobody was paid)."""

    __tablename__ = "forced_error_reveals"
    __table_args__ = (
        PrimaryKeyConstraint("deployment_id", "job_id"),
        *event_keys(),
        ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            ondelete="CASCADE",
        ),
    )

    job_id: Mapped[int] = mapped_column(BigInteger)
    whistleblower: Mapped[str] = mapped_column(Address(), index=True)
    winning_challenger: Mapped[str | None] = mapped_column(Address(), index=True)
    jackpot: Mapped[int] = mapped_column(Wei())
    # HoneypotReimbursed, logged right after in the same transaction: what the honeypot cost its
    # submitter and how much of it the pool paid back (credited to the job's submitter).
    honeypot_cost: Mapped[int | None] = mapped_column(Wei())
    reimbursed: Mapped[int | None] = mapped_column(Wei())


class JackpotFunding(ChainEvent, Base):
    """Money into the jackpot pool (Funded): the protocol tax of each job, or a donation."""

    __tablename__ = "jackpot_fundings"
    __table_args__ = event_keys(primary=True)

    funder: Mapped[str] = mapped_column(Address())
    amount: Mapped[int] = mapped_column(Wei())
    pool: Mapped[int] = mapped_column(Wei())  # the pool right after


class WhistleblowerEvent(ChainEvent, Base):
    """A whistleblower registered or removed (WhistleblowerRegistered / WhistleblowerRemoved)."""

    __tablename__ = "whistleblower_events"
    __table_args__ = (
        *event_keys(primary=True),
        in_check("kind", enum_values(WhistleblowerEventKind)),
    )

    whistleblower: Mapped[str] = mapped_column(Address(), index=True)
    kind: Mapped[WhistleblowerEventKind] = mapped_column(EnumName(WhistleblowerEventKind, 16))
