"""Governance changes: every ParamsSet (and StakeManager's setter events), as emitted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, ChainEvent, event_keys, in_check
from services.db.enums import ProtocolContract
from services.db.types import JSON_VALUE, EnumName, enum_values


class ParamsChange(ChainEvent, Base):
    """New parameters of a contract. Jobs snapshot theirs at posting, so this is history (what
    applied when), not what a live job uses.

    `params` holds the event's fields by their Solidity names; uint256/uint128 amounts as decimal
    strings (JSON numbers lose precision past 2**53 in most clients).
    """

    __tablename__ = "params_changes"
    __table_args__ = (
        *event_keys(primary=True),
        in_check("contract", enum_values(ProtocolContract)),
    )

    contract: Mapped[ProtocolContract] = mapped_column(EnumName(ProtocolContract, 24))
    event: Mapped[str] = mapped_column(String(64))  # ParamsSet, UnbondingDelaySet, …
    params: Mapped[dict[str, Any]] = mapped_column(JSON_VALUE)
