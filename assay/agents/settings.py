"""What every agent process is told: one pydantic-settings object per role.

`AgentSettings` holds the options every role shares; solver/settings.py, verifier/settings.py
and referee/settings.py add their own and their environment prefix. A value comes from, first
wins: the arguments given (the CLI passes only the flags given on its command line), the role's
variable (`ASSAY_SOLVER_INTERVAL`, `ASSAY_VERIFIER_SEGMENTS`, …), the variable every command
shares where there is one (`ASSAY_STORE`, `ASSAY_TASK_RUNNER`), the default. `load` turns an
invalid value into an `AgentSettingsError` that names the flag and the variable to fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assay.errors import ConfigError
from assay.net.blobs import DEFAULT_BIND
from assay.protocol.amounts import AmountError, parse_credit
from assay.store import DEFAULT_STORE

DEFAULT_AGENTS_DIR = Path(".assay/agents")
STORE_ENV = "ASSAY_STORE"
TASK_RUNNER_ENV = "ASSAY_TASK_RUNNER"
TaskRunnerKind = Literal["inprocess", "celery"]


class AgentSettingsError(ConfigError):
    """An agent setting is invalid; the message names its flag (and variable), `hint` the fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class _SharedEnv(PydanticBaseSettingsSource):
    """The variables several commands share (`ASSAY_STORE`), below the role's own ones."""

    def __init__(self, settings_cls: type[BaseSettings], names: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.names = names

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        var = self.names.get(field_name)
        return (_env(var) if var else None), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, var in self.names.items() if (value := _env(var))}


def _env(var: str) -> str | None:
    """The variable's value; unset or empty: None (case-insensitive, as pydantic-settings)."""
    for key, value in os.environ.items():
        if key.upper() == var.upper() and value:
            return value
    return None


class AgentSettings(BaseSettings):
    """The options every agent process shares (a role's subclass adds its own)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSAY_AGENT_", env_ignore_empty=True, extra="forbid", frozen=True
    )

    role: ClassVar[str] = "agent"
    shared_env: ClassVar[Mapping[str, str]] = {"store": STORE_ENV, "task_runner": TASK_RUNNER_ENV}
    """Fields that also read a variable every command shares, below the role's own variable."""
    flag_names: ClassVar[Mapping[str, str]] = {"task_runner": "--runner"}
    """Flags not spelled `--field-name`."""
    devnet_only: ClassVar[tuple[str, ...]] = ()
    """Fields that stage misbehaviour on a devnet: set, they need a public dev account."""

    state_dir: Path | None = Field(
        default=None, description="cursor and checkpoints; default .assay/agents/<role>-<address>"
    )
    store: Path = Field(default=DEFAULT_STORE, description="the artifact store served to peers")
    interval: float = Field(default=2.0, ge=0, description="seconds between ticks")
    once: bool = Field(default=False, description="run one tick and exit")
    until_idle: int | None = Field(
        default=None, ge=1, description="exit after this many idle ticks with no local work"
    )
    inline: bool = Field(default=False, description="train and replay inside the tick")
    task_runner: TaskRunnerKind = Field(
        default="inprocess", description="where training, replay and op traces run"
    )
    bind: str = Field(
        default=DEFAULT_BIND, description="the BlobServer's address (tcp://HOST:PORT)"
    )
    min_credit: int = Field(
        default=1, ge=0, description="claim credit once it reaches this many wei (0: never)"
    )
    confirmations: int = Field(default=0, ge=0, description="blocks behind head treated as final")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _SharedEnv(settings_cls, cls.shared_env)

    @field_validator("task_runner", mode="before")
    @classmethod
    def _runner_kind(cls, value: Any) -> str:
        kind = str(value).strip().lower()
        if kind not in ("inprocess", "celery"):
            raise ValueError(f"must be inprocess or celery, got {value!r}")
        return kind

    @field_validator("min_credit", mode="before")
    @classmethod
    def _credit(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_credit(value)
        except AmountError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _inline_runs_here(self) -> Self:
        if self.inline and self.task_runner == "celery":
            raise ValueError(
                "--inline runs the work inside the tick: it cannot be combined with --runner celery"
            )
        return self

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, **given: Any) -> Self:
        """The settings from `given`, then the environment, then the defaults.

        Raises:
            AgentSettingsError: a value is invalid; the message names its flag and, where the
                value came from the environment, its variable.
        """
        try:
            return cls(**given)
        except ValidationError as exc:
            raise cls._invalid(exc, given) from None

    @classmethod
    def flag(cls, name: str) -> str:
        """The command-line flag of field `name` (`--until-idle`, `--runner`)."""
        return cls.flag_names.get(name, "--" + name.replace("_", "-"))

    @classmethod
    def env_vars(cls, name: str) -> tuple[str, ...]:
        """The variables field `name` is read from, first wins."""
        own = f"{cls.model_config.get('env_prefix', '')}{name}".upper()
        shared = cls.shared_env.get(name)
        return (own, shared) if shared else (own,)

    @classmethod
    def _invalid(cls, exc: ValidationError, given: Mapping[str, Any]) -> AgentSettingsError:
        problems: list[str] = []
        hints: list[str] = []
        for err in exc.errors():
            if not err["loc"]:  # a rule across options: its message names them
                problems.append(err["msg"].removeprefix("Value error, "))
                continue
            name = str(err["loc"][0])
            flag = cls.flag(name)
            var = None if name in given else next((v for v in cls.env_vars(name) if _env(v)), None)
            problems.append(_sentence(flag, err) + (f" (from ${var})" if var else ""))
            if var:
                hints.append(f"fix or unset ${var}, or pass {flag}")
        return AgentSettingsError("; ".join(problems), "; ".join(hints) or None)

    # ------------------------------------------------------------------ derived
    def state_directory(self, account: str) -> Path:
        """`state_dir`, else .assay/agents/<role>-<account>."""
        return self.state_dir or DEFAULT_AGENTS_DIR / f"{self.role}-{account.lower()}"

    def telemetry_address(self) -> str | None:
        """Where to publish training progress (tcp://HOST:PORT); None: this role publishes none."""
        return None

    def devnet_only_set(self) -> list[str]:
        """The flags of the devnet-only options this run sets (each needs a dev account)."""
        return [self.flag(n) for n in self.devnet_only if getattr(self, n) not in (None, False)]


def _sentence(flag: str, err: ErrorDetails) -> str:
    """`--interval should be greater than or equal to 0, got -1`."""
    msg = err["msg"]
    if err["type"] == "value_error":
        reason = msg.removeprefix("Value error, ")
        return f"{flag} {reason}" if reason.startswith("must ") else f"{flag}: {reason}"
    if msg.startswith("Input should"):
        return f"{flag} {msg.removeprefix('Input ')}, got {err['input']!r}"
    return f"{flag}: {msg}"
