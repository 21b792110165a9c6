"""A real `assay devnet up` process: its clock moves while idle, commands find it by its record,
`devnet warp` moves its clock, `devnet status --json` describes it.

One devnet process serves the module (deploying takes a few seconds); every wait polls a
condition with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner
from web3 import HTTPProvider, Web3

from assay.chain.anvil import Anvil, dev_accounts, free_port
from assay.chain.devnet import ACTORS
from assay.cli.main import app
from tests.cli.test_cli import _read_until

pytestmark = pytest.mark.anvil

ASSAY = [sys.executable, "-m", "assay.cli.main"]
# Every connection variable unset, so only the recorded devnet can be found.
NO_CONNECTION_ENV = {"ASSAY_RPC_URL": None, "ETH_RPC_URL": None, "ASSAY_DEPLOYMENT": None}


@dataclass
class RunningDevnet:
    state_dir: Path
    url: str
    w3: Web3

    def env(self, **extra: str | None) -> dict[str, str | None]:
        """The environment of a command that finds this devnet only through its record."""
        return {**NO_CONNECTION_ENV, "ASSAY_DEVNET_DIR": str(self.state_dir), **extra}


def poll(condition: object, what: str, timeout: float = 20.0) -> None:
    """Wait (bounded) until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def devnet_up(
    contracts_built: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevnet]:
    state_dir = tmp_path_factory.mktemp("devnet-up")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSAY_", "ETH_RPC"))}
    proc = subprocess.Popen(
        [*ASSAY, "devnet", "up", "--state-dir", str(state_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "COLUMNS": "200"},
    )
    try:
        out = _read_until(proc, "devnet ready", 120)
        url = f"http://127.0.0.1:{port}"
        assert f"rpc url: {url}" in out
        yield RunningDevnet(state_dir, url, Web3(HTTPProvider(url)))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_an_idle_devnet_keeps_its_clock_moving(devnet_up: RunningDevnet) -> None:
    first = devnet_up.w3.eth.get_block("latest")
    # Nobody sends a transaction: the block time alone must move the chain's clock.
    poll(
        lambda: devnet_up.w3.eth.get_block("latest")["timestamp"] >= first["timestamp"] + 2,
        "the idle devnet's clock to move 2 s",
    )
    assert devnet_up.w3.eth.block_number >= first["number"] + 2


def test_transactions_still_mine_at_once(devnet_up: RunningDevnet) -> None:
    a, b = dev_accounts(2)
    w3 = devnet_up.w3
    tx = w3.eth.send_transaction({"from": a.address, "to": b.address, "value": 1})
    started = time.monotonic()
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=10, poll_latency=0.01)
    assert receipt["status"] == 1
    # Mixed mining: the transaction does not wait for the next 1 s block.
    assert time.monotonic() - started < 0.9


def test_commands_find_the_recorded_devnet_without_rpc_url(devnet_up: RunningDevnet) -> None:
    solver = dev_accounts(len(ACTORS))[ACTORS["solver"]].address
    result = CliRunner().invoke(app, ["stake", "status", solver], env=devnet_up.env())
    assert result.exit_code == 0, result.output
    assert f"stake of {solver}" in result.output


def test_an_explicit_url_wins_over_the_recorded_devnet(devnet_up: RunningDevnet) -> None:
    solver = dev_accounts(len(ACTORS))[ACTORS["solver"]].address
    dead = f"http://127.0.0.1:{free_port()}"
    for env, args, origin in (
        (devnet_up.env(ASSAY_RPC_URL=dead), [], "from $ASSAY_RPC_URL"),
        (devnet_up.env(ETH_RPC_URL=dead), [], "from $ETH_RPC_URL"),
        (devnet_up.env(ASSAY_RPC_URL=devnet_up.url), ["--rpc-url", dead], "from --rpc-url"),
    ):
        result = CliRunner().invoke(app, ["stake", "status", solver, *args], env=env)
        assert result.exit_code == 1, result.output
        assert f"cannot reach a node at {dead} ({origin})" in result.output
        assert "Traceback" not in result.output


def test_warp_moves_the_devnet_clock(devnet_up: RunningDevnet) -> None:
    before = devnet_up.w3.eth.get_block("latest")["timestamp"]
    result = CliRunner().invoke(app, ["devnet", "warp", "2h"], env=devnet_up.env())
    assert result.exit_code == 0, result.output
    assert "chain clock moved" in result.output
    assert devnet_up.w3.eth.get_block("latest")["timestamp"] >= before + 7200


def test_status_json_has_the_documented_fields(devnet_up: RunningDevnet) -> None:
    result = CliRunner().invoke(app, ["devnet", "status", "--json"], env=devnet_up.env())
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["running"] is True
    assert report["rpc_url"] == devnet_up.url
    assert report["chain_id"] == 31337
    assert report["block_time"] == 1
    assert report["block_number"] >= 1
    assert isinstance(report["block_timestamp"], int)
    assert report["state_dir"] == str(devnet_up.state_dir)
    assert report["deployment"]["job_market"].startswith("0x")
    solver = next(r for r in report["staked"] if r["actor"] == "solver")
    assert solver["role"] == "solver" and int(solver["stake_wei"]) == 3 * 10**18


def test_status_table_shows_stakes_in_eth(devnet_up: RunningDevnet) -> None:
    result = CliRunner().invoke(app, ["devnet", "status"], env=devnet_up.env())
    assert result.exit_code == 0, result.output
    assert "3 ETH" in result.output  # the solver's stake, not a column of wei
    assert "3000000000000000000" not in result.output


def test_a_second_devnet_up_on_the_same_state_dir_is_refused(devnet_up: RunningDevnet) -> None:
    result = CliRunner().invoke(
        app, ["devnet", "up", "--state-dir", str(devnet_up.state_dir)], env=devnet_up.env()
    )
    assert result.exit_code == 1
    assert "a devnet already runs from" in result.output


def test_a_busy_port_given_with_port_is_refused(devnet_up: RunningDevnet, tmp_path: Path) -> None:
    port = devnet_up.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(
        app, ["devnet", "up", "--state-dir", str(tmp_path), "--port", port], env=devnet_up.env()
    )
    assert result.exit_code == 1
    assert f"port {port} is in use" in result.output
    assert not (tmp_path / "devnet.json").exists()


def test_status_json_without_a_devnet_says_not_running(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["devnet", "status", "--json", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["running"] is False and report["pid"] is None and report["staked"] == []


def test_warp_is_refused_on_a_chain_that_is_not_the_devnet() -> None:
    with Anvil(chain_id=1337) as other:
        before = other.w3.eth.get_block("latest")["timestamp"]
        result = CliRunner().invoke(
            app, ["devnet", "warp", "1d", "--rpc-url", other.url], env=NO_CONNECTION_ENV
        )
        assert result.exit_code == 1
        assert "is chain 1337, not the devnet (31337)" in result.output
        assert other.w3.eth.get_block("latest")["timestamp"] < before + 86400


def test_warp_rejects_a_duration_it_cannot_read() -> None:
    result = CliRunner().invoke(app, ["devnet", "warp", "soon"], env=NO_CONNECTION_ENV)
    assert result.exit_code == 2
    assert "not a duration" in result.output
