"""AgentSettings: arguments over the role's variables over the shared ones over the defaults;
invalid values refused at construction, naming the flag and the variable to fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from assay.agents.settings import DEFAULT_AGENTS_DIR, AgentSettings, AgentSettingsError
from assay.net.blobs import DEFAULT_BIND
from assay.store import DEFAULT_STORE

ETH = 10**18


class RoleSettings(AgentSettings):
    """A role with its own prefix, as solver/verifier/referee settings are."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_ROLE_")
    role: ClassVar[str] = "role"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith(("ASSAY_ROLE_", "ASSAY_AGENT_")) or key in (
            "ASSAY_STORE",
            "ASSAY_TASK_RUNNER",
        ):
            monkeypatch.delenv(key)


def test_defaults_are_the_cli_defaults() -> None:
    s = RoleSettings.load()
    assert (s.state_dir, s.store, s.interval, s.once, s.until_idle) == (
        None, DEFAULT_STORE, 2.0, False, None,
    )  # fmt: skip
    assert (s.inline, s.task_runner, s.bind, s.min_credit, s.confirmations) == (
        False, "inprocess", DEFAULT_BIND, 1, 0,
    )  # fmt: skip


def test_every_field_has_a_one_line_description() -> None:
    for name, field in RoleSettings.model_fields.items():
        assert field.description and "\n" not in field.description, name


def test_the_role_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_ROLE_INTERVAL", "0.5")
    monkeypatch.setenv("ASSAY_ROLE_UNTIL_IDLE", "3")
    monkeypatch.setenv("ASSAY_ROLE_ONCE", "true")
    monkeypatch.setenv("ASSAY_ROLE_MIN_CREDIT", "0.5ether")
    s = RoleSettings.load()
    assert (s.interval, s.until_idle, s.once, s.min_credit) == (0.5, 3, True, ETH // 2)


def test_a_given_value_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_ROLE_INTERVAL", "0.5")
    assert RoleSettings.load(interval=7.0).interval == 7.0


def test_another_role_variable_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_SOLVER_INTERVAL", "9")
    assert RoleSettings.load().interval == 2.0


@pytest.mark.parametrize(("field", "shared"), [("task_runner", "ASSAY_TASK_RUNNER"),
                                                ("store", "ASSAY_STORE")])  # fmt: skip
def test_a_shared_variable_is_read_below_the_role_variable(
    monkeypatch: pytest.MonkeyPatch, field: str, shared: str
) -> None:
    values = {"task_runner": ("celery", "inprocess"), "store": ("/shared", "/own")}[field]
    monkeypatch.setenv(shared, values[0])
    assert str(getattr(RoleSettings.load(), field)) == values[0]
    monkeypatch.setenv(f"ASSAY_ROLE_{field.upper()}", values[1])
    assert str(getattr(RoleSettings.load(), field)) == values[1]


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_TASK_RUNNER", "")
    monkeypatch.setenv("ASSAY_ROLE_INTERVAL", "")
    s = RoleSettings.load()
    assert (s.task_runner, s.interval) == ("inprocess", 2.0)


def test_the_runner_kind_is_read_case_and_space_insensitively() -> None:
    assert RoleSettings.load(task_runner=" Celery ").task_runner == "celery"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"interval": -1}, "--interval should be greater than or equal to 0, got -1"),
        ({"until_idle": 0}, "--until-idle should be greater than or equal to 1, got 0"),
        ({"confirmations": -2}, "--confirmations should be greater than or equal to 0"),
        ({"task_runner": "thread"}, "--runner must be inprocess or celery, got 'thread'"),
        ({"min_credit": "0.5"}, "--min-credit: '0.5' is not a whole number of wei"),
        ({"min_credit": -1}, "--min-credit should be greater than or equal to 0"),
        (
            {"inline": True, "task_runner": "celery"},
            "--inline runs the work inside the tick: it cannot be combined with --runner celery",
        ),
    ],
)
def test_an_invalid_given_value_is_refused_naming_its_flag(
    given: dict[str, object], says: str
) -> None:
    with pytest.raises(AgentSettingsError) as refused:
        RoleSettings.load(**given)
    assert says in str(refused.value)
    assert "$" not in str(refused.value)  # given as a flag: no variable to blame


@pytest.mark.parametrize(
    ("var", "value", "flag"),
    [
        ("ASSAY_ROLE_INTERVAL", "-1", "--interval"),
        ("ASSAY_ROLE_UNTIL_IDLE", "many", "--until-idle"),
        ("ASSAY_TASK_RUNNER", "cellery", "--runner"),
        ("ASSAY_ROLE_MIN_CREDIT", "lots", "--min-credit"),
    ],
)
def test_an_invalid_variable_is_refused_naming_the_variable_and_the_flag(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, flag: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(AgentSettingsError) as refused:
        RoleSettings.load()
    assert str(refused.value).startswith(flag) and f"(from ${var})" in str(refused.value)
    assert refused.value.hint == f"fix or unset ${var}, or pass {flag}"


def test_a_flag_given_overrides_an_invalid_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_TASK_RUNNER", "cellery")
    assert RoleSettings.load(task_runner="inprocess").task_runner == "inprocess"


def test_an_unknown_argument_is_refused() -> None:
    with pytest.raises(AgentSettingsError, match="--no-such"):
        RoleSettings.load(no_such=1)


def test_settings_are_frozen() -> None:
    s = RoleSettings.load()
    with pytest.raises(ValueError, match="frozen"):
        s.interval = 3.0  # type: ignore[misc]


def test_the_state_directory_defaults_per_role_and_account(tmp_path: Path) -> None:
    assert RoleSettings.load().state_directory("0xAbC") == DEFAULT_AGENTS_DIR / "role-0xabc"
    assert RoleSettings.load(state_dir=tmp_path).state_directory("0xAbC") == tmp_path


def test_flags_and_variables_of_a_field() -> None:
    assert RoleSettings.flag("until_idle") == "--until-idle"
    assert RoleSettings.flag("task_runner") == "--runner"
    assert RoleSettings.env_vars("interval") == ("ASSAY_ROLE_INTERVAL",)
    assert RoleSettings.env_vars("task_runner") == ("ASSAY_ROLE_TASK_RUNNER", "ASSAY_TASK_RUNNER")
