"""The agent options declared once (assay/cli/agent_options.py): a command built with
`agent_command` takes them all, and its settings hold the flags given on the command line over
the environment over the defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, ClassVar

import pytest
import typer
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from typer.testing import CliRunner

from assay.agents.settings import AgentSettings
from assay.cli.agent_options import SHARED_OPTIONS, agent_command, option, settings_from
from assay.cli.context import ChainOptions
from assay.cli.main import app as assay_app

runner = CliRunner()


class ToySettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="ASSAY_TOY_")
    role: ClassVar[str] = "toy"

    color: str = Field(default="red", description="a role option")


Color = Annotated[str, typer.Option("--color", help="the toy's color")]
seen: list[tuple[ToySettings, ChainOptions]] = []
toy = typer.Typer()


@toy.command()
@agent_command(ToySettings, option("color", Color))
def run(settings: ToySettings, chain: ChainOptions) -> None:
    """Run the toy."""
    seen.append((settings, chain))


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    seen.clear()
    for key in list(os.environ):
        if key.startswith("ASSAY_"):
            monkeypatch.delenv(key)


def invoke(*args: str, **env: str) -> tuple[ToySettings, ChainOptions]:
    result = runner.invoke(toy, list(args), env={"COLUMNS": "200", **env})
    assert result.exit_code == 0, result.output
    return seen[-1]


def test_without_flags_or_variables_the_settings_are_the_defaults() -> None:
    settings, chain = invoke()
    assert settings == ToySettings.load()
    assert chain == ChainOptions()


def test_a_variable_fills_an_option_not_given() -> None:
    settings, _ = invoke(ASSAY_TOY_INTERVAL="5", ASSAY_TOY_COLOR="blue")
    assert (settings.interval, settings.color) == (5.0, "blue")


def test_a_flag_given_wins_over_the_variable_even_at_its_default_value() -> None:
    settings, _ = invoke("--interval", "2", "--color", "red", ASSAY_TOY_INTERVAL="5",
                         ASSAY_TOY_COLOR="blue")  # fmt: skip
    assert (settings.interval, settings.color) == (2.0, "red")


def test_the_shared_variables_still_work_and_lose_to_the_flag() -> None:
    settings, _ = invoke(ASSAY_TASK_RUNNER="celery", ASSAY_STORE="/data/store")
    assert (settings.task_runner, settings.store) == ("celery", Path("/data/store"))
    settings, _ = invoke("--runner", "inprocess", ASSAY_TASK_RUNNER="celery")
    assert settings.task_runner == "inprocess"


def test_every_shared_flag_reaches_the_settings(tmp_path: Path) -> None:
    settings, _ = invoke(
        "--state-dir", str(tmp_path), "--store", str(tmp_path / "s"), "--interval", "0.5",
        "--once", "--until-idle", "3", "--inline", "--runner", "inprocess", "--bind",
        "tcp://127.0.0.1:7000", "--min-credit", "0.5ether", "--confirmations", "2",
    )  # fmt: skip
    assert settings == ToySettings(
        state_dir=tmp_path, store=tmp_path / "s", interval=0.5, once=True, until_idle=3,
        inline=True, task_runner="inprocess", bind="tcp://127.0.0.1:7000",
        min_credit=10**18 // 2, confirmations=2,
    )  # fmt: skip


def test_the_connection_options_become_chain_options(tmp_path: Path) -> None:
    _, chain = invoke("--rpc-url", "http://node:8545", "--deployment", str(tmp_path / "d.json"),
                      "--dev-account", "solver")  # fmt: skip
    assert chain == ChainOptions("http://node:8545", tmp_path / "d.json", None, "solver")


def test_an_invalid_variable_exits_1_naming_it_and_what_to_do() -> None:
    result = runner.invoke(toy, [], env={"COLUMNS": "200", "ASSAY_TOY_UNTIL_IDLE": "0"})
    assert result.exit_code == 1 and not seen
    assert "error: --until-idle should be greater than or equal to 1, got '0' (from " in (
        result.output
    )
    assert "what to do: fix or unset $ASSAY_TOY_UNTIL_IDLE, or pass --until-idle" in result.output


def test_an_invalid_flag_is_still_a_usage_error() -> None:
    result = runner.invoke(toy, ["--interval", "-1"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "--interval" in result.output


def test_help_shows_the_settings_defaults_and_the_variables() -> None:
    text = runner.invoke(toy, ["--help"], env={"COLUMNS": "200"}).output
    assert "the toy's color [default: red]" in text
    assert "seconds between ticks [default: 2.0]" in text
    assert "ASSAY_TOY_<OPTION>" in text


def test_settings_from_passes_only_the_given_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_TOY_INTERVAL", "5")
    values = {"interval": 2.0, "once": True, "color": "red"}
    s = settings_from(ToySettings, values, ["once"])
    assert (s.interval, s.once) == (5.0, True)


@pytest.mark.parametrize("role", ["solver", "verifier", "referee"])
def test_every_agent_command_takes_every_shared_option(role: str) -> None:
    text = runner.invoke(assay_app, [role, "run", "--help"], env={"COLUMNS": "200"}).output
    for param in SHARED_OPTIONS:
        flag = ToySettings.flag(param.name)
        assert f"│ {flag} " in text, (role, flag)
    assert f"ASSAY_{role.upper()}_<OPTION>" in text
