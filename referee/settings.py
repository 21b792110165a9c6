"""The referee process's settings (`assay referee run`, $ASSAY_REFEREE_*) and its recompute.

A referee takes only the shared agent options (assay/agents/settings.py). `referee_recompute`
is the recompute every process serving on committees uses (`assay referee run`,
`assay verifier run --referee`): the operator from peers' checked inputs, else a replay.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from assay.agents.process import AgentProcess
from assay.agents.settings import AgentSettings
from referee.recompute import Recompute, replay_recompute


class RefereeSettings(AgentSettings):
    """`assay referee run`: the shared agent options."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_REFEREE_")

    role: ClassVar[str] = "referee"


def referee_recompute(proc: AgentProcess) -> Recompute:
    """One operator from peers' checked inputs, falling back to a replay (referee.peer)."""
    # deferred: referee.peer pulls in torch (~5 s), which `assay --help` and the solver never need
    from referee.peer import PeerRecompute

    fallback = replay_recompute(proc.specs, proc.state_dir / "referee")
    return PeerRecompute(proc.specs, proc.store, proc.protocol.game.get_game, fallback)
