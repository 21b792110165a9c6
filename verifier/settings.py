"""The verifier process's settings (`assay verifier run`, $ASSAY_VERIFIER_*) and the builders.

`VerifierSettings` adds the replay policy, the referee duty and the devnet-only lazy mode to the
shared agent settings (assay/agents/settings.py); `build_verifier(settings, proc)` makes the
VerifierAgent an agent process runs.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from assay.agents.manifest import ManifestChecker
from assay.agents.process import AgentProcess
from assay.agents.settings import AgentSettings
from referee.settings import referee_recompute

if TYPE_CHECKING:
    from verifier.agent import VerifierAgent
    from verifier.sampling import ReplayPolicy


class VerifierSettings(AgentSettings):
    """`assay verifier run`: the shared agent options, the replay policy, the referee duty."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_VERIFIER_")

    role: ClassVar[str] = "verifier"
    devnet_only: ClassVar[tuple[str, ...]] = ("lazy",)

    verify_all: bool = Field(
        default=False, description="replay every submitted job, not only assigned ones"
    )
    referee: bool = Field(default=False, description="also serve on adjudication committees")
    replay: Literal["full", "sampled"] = Field(
        default="full", description="full: replay every step; sampled: check random segments"
    )
    segments: int = Field(default=4, ge=1, description="segments checked by a sampled replay")
    replay_seed: int | None = Field(
        default=None, description="secret seed choosing the segments; default random per run"
    )
    lazy: bool = Field(
        default=False, description="DEVNET DEMO ONLY: attest every assigned job unreplayed"
    )

    @field_validator("replay", mode="before")
    @classmethod
    def _replay_mode(cls, value: Any) -> Any:
        if value not in ("full", "sampled"):
            raise ValueError(f"must be full or sampled, got {value!r}")
        return value

    @model_validator(mode="after")
    def _lazy_replays_nothing(self) -> Self:
        if self.lazy and self.replay != "full":
            raise ValueError("--lazy replays nothing: drop --replay sampled")
        return self

    def replay_policy(self) -> ReplayPolicy:
        """The policy to replay with; a sampled one without a seed draws a secret one now."""
        # deferred: verifier.sampling pulls in torch (~5 s), which `assay --help` never needs
        from verifier.sampling import ReplayPolicy

        if self.replay != "sampled":
            return ReplayPolicy.full()
        seed = self.replay_seed if self.replay_seed is not None else secrets.randbits(128)
        return ReplayPolicy.sampled(self.segments, seed)


def build_verifier(settings: VerifierSettings, proc: AgentProcess) -> VerifierAgent:
    """The verifier agent of `proc` (carrying the referee duty with `referee`)."""
    # deferred: verifier.agent pulls in torch (~5 s), which `assay --help` never needs
    from verifier.agent import VerifierAgent

    return VerifierAgent(
        proc.protocol, proc.specs, proc.config, runner=proc.runner,
        verify_all=settings.verify_all,
        recompute=referee_recompute(proc) if settings.referee else None,
        inspect=ManifestChecker(proc.store), progress=proc.progress,
        policy=settings.replay_policy(), store=proc.store, lazy=settings.lazy,
    )  # fmt: skip
