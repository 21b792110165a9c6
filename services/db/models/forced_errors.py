"""Forced errors (ForcedErrorRegistry): honeypot reveals, jackpot funding, whistleblowers."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKeyConstraint, Integer, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, ChainEvent, event_keys, in_check
from services.db.enums import WhistleblowerEventKind
from services.db.types import Address, EnumName, Wei, enum_values


class ForcedErrorReveal(ChainEvent, Base):
    """A whistleblower revealed a job as a honeypot (ForcedErrorRevealed) that erred at
    (`step`, `op_index`): the end state of that step, where a game was won by adjudication.
    `jackpot` was split equally among the `winners` drawn verifiers who won a game there (their
    parts: JobWinner.jackpot); `winning_challenger` is the first of them (None: nobody was paid)."""

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
    step: Mapped[int] = mapped_column(BigInteger)
    op_index: Mapped[int] = mapped_column(BigInteger)  # N (ops per step): the step's end state
    winners: Mapped[int] = mapped_column(Integer)  # drawn verifiers who shared the jackpot
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
