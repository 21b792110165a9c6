"""What a handler is (a function of the projector, the log and its transaction's context), and
what handlers share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from services.db.enums import ProtocolContract
from services.db.models import ParamsChange
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog, json_params

if TYPE_CHECKING:
    from services.indexer.project import Projector

Key = tuple[ProtocolContract, str]
Handler = Callable[["Projector", ChainLog, TxContext], None]

ZERO_ADDRESS = "0x" + "00" * 20


def or_none(address: str) -> str | None:
    """The zero address (nobody) as NULL."""
    return None if address == ZERO_ADDRESS else address


def params_changed(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """ParamsSet (and StakeManager's setter events): the new parameters as JSON."""
    params = json_params(lg.inputs, lg.args)
    p.insert(ParamsChange, lg, contract=lg.contract, event=lg.event, params=params)
