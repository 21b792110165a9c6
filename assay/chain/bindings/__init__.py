"""Typed bindings of the protocol contracts, one class per contract, on the interface ABIs."""

from assay.chain.bindings.court import RefereeCourt, Request
from assay.chain.bindings.game import Clocks, DisputeGame, Game
from assay.chain.bindings.market import Assignment, Job, JobMarket
from assay.chain.bindings.registry import ForcedErrorRegistry, Revealed
from assay.chain.bindings.stakes import Stake, StakeManager

__all__ = [
    "Assignment",
    "Clocks",
    "DisputeGame",
    "ForcedErrorRegistry",
    "Game",
    "Job",
    "JobMarket",
    "RefereeCourt",
    "Request",
    "Revealed",
    "Stake",
    "StakeManager",
]
