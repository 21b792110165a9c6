"""The solver process's settings (`assay solver run`, $ASSAY_SOLVER_*) and its builder.

`SolverSettings` adds the preflight limits and the devnet-only cheat to the shared agent
settings (assay/agents/settings.py); `build_solver(settings, proc)` makes the SolverAgent an
agent process runs.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, NamedTuple

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from assay.agents.manifest import ManifestPublisher
from assay.agents.preflight import (
    Limits,
    default_limits,
    format_bytes,
    parse_flops,
    parse_size,
    preflight_policy,
)
from assay.agents.process import AgentProcess
from assay.agents.settings import AgentSettings
from assay.protocol.amounts import AmountError, parse_amount
from solver.agent import SolverAgent
from solver.cheats import cheat_hooks
from solver.decide import DEFAULT_MIN_BUDGET, Pricing, eth


class CheatPoint(NamedTuple):
    """Where a devnet cheat's trace turns wrong: training step `step`, operator `op` (from 1)."""

    step: int
    op: int


def parse_cheat(text: str) -> CheatPoint:
    """`STEP:OP` (both from 1) -> CheatPoint; ValueError saying the accepted form otherwise."""
    try:
        step, op = (int(x) for x in text.split(":"))
    except ValueError:
        raise ValueError(f"{text!r} is not STEP:OP, e.g. 4:37") from None
    if step < 1 or op < 1:
        raise ValueError(f"STEP and OP start at 1, got {text!r}")
    return CheatPoint(step, op)


DEFAULT_TELEMETRY_BIND = "tcp://127.0.0.1:*"


def parse_telemetry_bind(value: str | int) -> str:
    """`7412` -> tcp://127.0.0.1:7412; tcp://HOST:PORT|* as given; ValueError otherwise."""
    text = str(value).strip()
    if text.isdigit():
        text = f"tcp://127.0.0.1:{text}"
    host, sep, port = text.removeprefix("tcp://").rpartition(":")
    valid_port = port == "*" or (port.isdigit() and 0 < int(port) < 65536)
    if not text.startswith("tcp://") or not sep or not host or not valid_port:
        raise ValueError(f"must be tcp://HOST:PORT, tcp://HOST:* or a port number, got {text!r}")
    return text


class SolverSettings(AgentSettings):
    """`assay solver run`: the shared agent options, the preflight limits, the demo cheat."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_SOLVER_")

    role: ClassVar[str] = "solver"
    devnet_only: ClassVar[tuple[str, ...]] = ("cheat_from",)

    max_memory: int | None = Field(
        default=None, description="skip jobs estimated above this many bytes; default 25% of RAM"
    )
    max_flops: int | None = Field(
        default=None, description="skip jobs estimated above this many FLOPs; default 1e18"
    )
    min_budget: int = Field(
        default=DEFAULT_MIN_BUDGET,
        ge=0,
        description="skip jobs whose budget is below this (wei; 0.001ether by default)",
    )
    min_price: int = Field(
        default=0, ge=0, description="skip jobs paying less than this many wei per estimated GFLOP"
    )
    telemetry_bind: str = Field(
        default=DEFAULT_TELEMETRY_BIND,
        description="where training progress is published (tcp://HOST:PORT or PORT; * = any port)",
    )
    cheat_from: Annotated[CheatPoint | None, NoDecode] = Field(
        default=None, description="DEVNET DEMO ONLY: commit a wrong trace from (step, operator)"
    )

    @field_validator("max_memory", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        return parse_size(value) if isinstance(value, str) else value

    @field_validator("max_flops", mode="before")
    @classmethod
    def _flops(cls, value: Any) -> Any:
        return parse_flops(value) if isinstance(value, str) else value

    @field_validator("min_budget", "min_price", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return 0 if value.strip() == "0" else parse_amount(value)
        except AmountError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("telemetry_bind", mode="before")
    @classmethod
    def _telemetry(cls, value: Any) -> Any:
        return parse_telemetry_bind(value) if isinstance(value, str | int) else value

    def telemetry_address(self) -> str:
        """Where `assay job watch --telemetry` connects to follow this solver's training."""
        return self.telemetry_bind

    def pricing(self) -> Pricing:
        """The claim floor: --min-budget and --min-price."""
        return Pricing(min_budget=self.min_budget, min_wei_per_gflop=self.min_price)

    @field_validator("cheat_from", mode="before")
    @classmethod
    def _cheat(cls, value: Any) -> Any:
        return parse_cheat(value) if isinstance(value, str) else value

    def limits(self) -> Limits:
        """The preflight limits: the ones set, else this machine's defaults."""
        defaults = default_limits()
        return Limits(
            max_memory=self.max_memory if self.max_memory is not None else defaults.max_memory,
            max_flops=self.max_flops if self.max_flops is not None else defaults.max_flops,
        )


def build_solver(settings: SolverSettings, proc: AgentProcess) -> SolverAgent:
    """The solver agent of `proc`, with the limits in force printed."""
    hooks = cheat_hooks(*settings.cheat_from) if settings.cheat_from is not None else (None, None)
    limits = settings.limits()
    mem = "no limit" if limits.max_memory is None else format_bytes(limits.max_memory)
    flops = "no limit" if limits.max_flops is None else f"{limits.max_flops:.3g}"
    pricing = settings.pricing()
    proc.echo(
        f"solver limits: memory {mem}, flops {flops}; claims jobs paying at least "
        f"{eth(pricing.min_budget)} and {eth(pricing.min_wei_per_gflop)} per estimated GFLOP"
    )
    return SolverAgent(
        proc.protocol, proc.specs, proc.config, runner=proc.runner,
        publish=ManifestPublisher(proc.store, [proc.endpoint]), op_inputs_store=proc.store,
        steps_hook=hooks[0], ops_hook=hooks[1], progress=proc.progress,
        policy=preflight_policy(proc.specs, limits), pricing=pricing,
    )  # fmt: skip
