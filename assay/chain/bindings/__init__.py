"""Typed bindings of the protocol contracts, one class per contract, on the interface ABIs.

The values their getters return (`Job`, `Game`, `Request`, …) live in `assay.protocol.records`.
"""

from assay.chain.bindings.court import RefereeCourt
from assay.chain.bindings.game import DisputeGame
from assay.chain.bindings.market import JobMarket
from assay.chain.bindings.registry import ForcedErrorRegistry
from assay.chain.bindings.stakes import StakeManager

__all__ = [
    "DisputeGame",
    "ForcedErrorRegistry",
    "JobMarket",
    "RefereeCourt",
    "StakeManager",
]
