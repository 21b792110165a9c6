"""Typed contract bindings (re-exported from assay.chain.bindings)."""

from assay.chain.bindings import (
    Assignment,
    Clocks,
    DisputeGame,
    ForcedErrorRegistry,
    Game,
    Job,
    JobMarket,
    RefereeCourt,
    Request,
    Stake,
    StakeManager,
)

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
    "Stake",
    "StakeManager",
]
