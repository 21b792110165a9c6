"""SolverSettings ($ASSAY_SOLVER_*): the preflight limits and the devnet cheat, from arguments or
the environment, refused with the flag and variable to fix."""

from __future__ import annotations

import pytest

from assay.agents.preflight import DEFAULT_MAX_FLOPS, default_limits
from assay.agents.settings import AgentSettingsError
from solver.decide import DEFAULT_MIN_BUDGET, Pricing, price_ok
from solver.settings import CheatPoint, SolverSettings

ETH = 10**18


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ASSAY_SOLVER_MAX_MEMORY", "ASSAY_SOLVER_MAX_FLOPS", "ASSAY_SOLVER_CHEAT_FROM",
                "ASSAY_SOLVER_INTERVAL", "ASSAY_TASK_RUNNER", "ASSAY_SOLVER_MIN_BUDGET",
                "ASSAY_SOLVER_MIN_PRICE", "ASSAY_SOLVER_TELEMETRY_BIND"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)


def test_limits_default_to_the_machines() -> None:
    s = SolverSettings.load()
    assert s.role == "solver" and s.limits() == default_limits()
    assert s.limits().max_flops == DEFAULT_MAX_FLOPS


def test_limits_read_sizes_and_flops_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_SOLVER_MAX_MEMORY", "2GiB")
    monkeypatch.setenv("ASSAY_SOLVER_MAX_FLOPS", "1e13")
    monkeypatch.setenv("ASSAY_SOLVER_INTERVAL", "0.2")
    s = SolverSettings.load(max_flops=5000)
    assert (s.max_memory, s.max_flops, s.interval) == (2 * 2**30, 5000, 0.2)
    assert (s.limits().max_memory, s.limits().max_flops) == (2 * 2**30, 5000)


def test_the_cheat_reads_step_colon_op(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SolverSettings.load().cheat_from is None
    assert SolverSettings.load().devnet_only_set() == []
    monkeypatch.setenv("ASSAY_SOLVER_CHEAT_FROM", "4:37")
    s = SolverSettings.load()
    assert s.cheat_from == CheatPoint(4, 37) and s.devnet_only_set() == ["--cheat-from"]
    assert SolverSettings.load(cheat_from=CheatPoint(2, 5)).cheat_from == (2, 5)


@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("ASSAY_SOLVER_MAX_MEMORY", "lots", "--max-memory: 'lots' is not a size"),
        ("ASSAY_SOLVER_MAX_FLOPS", "-1", "--max-flops: '-1': the FLOP count must be positive"),
        ("ASSAY_SOLVER_CHEAT_FROM", "0:3", "--cheat-from: STEP and OP start at 1, got '0:3'"),
        ("ASSAY_SOLVER_MIN_BUDGET", "cheap", "--min-budget: 'cheap' is not an amount"),
        ("ASSAY_SOLVER_TELEMETRY_BIND", "localhost:7", "--telemetry-bind must be tcp://HOST:PORT"),
        ("ASSAY_SOLVER_TELEMETRY_BIND", "70000", "--telemetry-bind must be tcp://HOST:PORT"),
    ],
)
def test_a_bad_value_names_the_flag_and_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, says: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(AgentSettingsError) as refused:
        SolverSettings.load()
    assert says in str(refused.value) and f"(from ${var})" in str(refused.value)


def test_the_claim_floor_reads_amounts_and_defaults_above_one_wei(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert SolverSettings.load().pricing() == Pricing(DEFAULT_MIN_BUDGET, 0)
    assert not price_ok(1, 1, SolverSettings.load().pricing())[0]
    monkeypatch.setenv("ASSAY_SOLVER_MIN_BUDGET", "0.25ether")
    monkeypatch.setenv("ASSAY_SOLVER_MIN_PRICE", "100gwei")
    assert SolverSettings.load().pricing() == Pricing(ETH // 4, 100 * 10**9)
    assert SolverSettings.load(min_budget="0").pricing().min_budget == 0


def test_telemetry_binds_a_free_local_port_by_default_and_reads_a_port_or_an_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert SolverSettings.load().telemetry_address() == "tcp://127.0.0.1:*"
    assert SolverSettings.load(telemetry_bind="7412").telemetry_address() == "tcp://127.0.0.1:7412"
    monkeypatch.setenv("ASSAY_SOLVER_TELEMETRY_BIND", "tcp://0.0.0.0:7412")
    assert SolverSettings.load().telemetry_address() == "tcp://0.0.0.0:7412"
