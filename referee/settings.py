"""The referee process's settings (`assay referee run`, $ASSAY_REFEREE_*), recompute and builder.

A referee takes only the shared agent options (assay/agents/settings.py). `referee_recompute`
is the recompute every process serving on committees uses (`assay referee run`,
`assay verifier run --referee`): the operator from peers' checked inputs, else a replay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic_settings import SettingsConfigDict

from assay.agents.process import AgentProcess
from assay.agents.settings import AgentSettings
from referee.recompute import Recompute, replay_recompute

if TYPE_CHECKING:
    from referee.agent import RefereeAgent


class RefereeSettings(AgentSettings):
    """`assay referee run`: the shared agent options."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_REFEREE_")

    role: ClassVar[str] = "referee"


def referee_recompute(proc: AgentProcess) -> Recompute:
    """One operator from peers' checked inputs, falling back to a replay (referee.peer)."""
    # deferred: referee.peer pulls in torch (~5 s), which `assay --help` and the solver never need
    from referee.peer import PeerRecompute

    workdir = proc.state_dir / "referee"
    fallback = replay_recompute(proc.specs, workdir)
    return PeerRecompute(
        proc.specs, proc.store, proc.protocol.game.get_game, fallback, workdir=workdir
    )


def build_referee(settings: RefereeSettings, proc: AgentProcess) -> RefereeAgent:
    """The referee agent of `proc`: it serves on committees only."""
    # deferred: referee.agent pulls in torch (~5 s), which `assay --help` never needs
    from referee.agent import RefereeAgent

    return RefereeAgent(
        proc.protocol, proc.specs, proc.config, runner=proc.runner,
        recompute=referee_recompute(proc),
    )  # fmt: skip
