"""`assay devnet init` (the compose bootstrap) on an anvil it does not own, the devnet-only
ASSAY_DEV_ACCOUNT guard, and a malformed advertised blob endpoint refused with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.agents.process import advertised
from assay.chain.anvil import Anvil
from assay.chain.deploy import Deployment
from assay.chain.devnet import ACTORS, STAKE_PLAN
from assay.chain.sender import TxSender
from assay.cli.context import reporting
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.store import LocalStore

runner = CliRunner()


@pytest.mark.anvil
def test_init_deploys_stakes_and_registers_then_sends_nothing_the_second_time(
    tmp_path: Path,
) -> None:
    with Anvil() as node:
        _init_twice(node, tmp_path / "data" / "deployment.json")


def _init_twice(anvil: Anvil, out: Path) -> None:
    first = runner.invoke(app, ["devnet", "init", "--rpc-url", anvil.url, "--out", str(out)])
    assert first.exit_code == 0, first.output
    deployment = Deployment.load(out)
    assert anvil.w3.eth.get_code(deployment.job_market) != b""
    protocol = deployment.connect(TxSender(anvil.w3, anvil.accounts[0].signer()))
    for name, role, wei in STAKE_PLAN:
        assert protocol.stakes.free_stake(anvil.accounts[ACTORS[name]].address, role) == wei
    assert protocol.registry.is_whistleblower(anvil.accounts[ACTORS["whistleblower"]].address)

    block = anvil.w3.eth.block_number
    again = runner.invoke(app, ["devnet", "init", "--rpc-url", anvil.url, "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert anvil.w3.eth.block_number == block  # idempotent: nothing sent
    assert Deployment.load(out) == deployment


@pytest.mark.anvil
def test_init_refuses_a_chain_that_is_not_a_devnet(tmp_path: Path) -> None:
    with Anvil(chain_id=1337) as other:
        result = runner.invoke(
            app, ["devnet", "init", "--rpc-url", other.url, "--out", str(tmp_path / "d.json")]
        )
    assert result.exit_code == 1
    assert "not a devnet" in result.output and "assay deploy" in result.output
    assert not (tmp_path / "d.json").exists()


def test_init_names_the_node_it_cannot_reach(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["devnet", "init", "--rpc-url", "http://127.0.0.1:9", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 1
    assert "no JSON-RPC node answers at http://127.0.0.1:9" in result.output


@pytest.mark.anvil
def test_a_dev_account_from_the_environment_is_refused_off_the_devnet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Anvil(chain_id=1337) as other:
        monkeypatch.setenv("ASSAY_TEST_KEY", other.accounts[0].private_key)
        out = tmp_path / "deployment.json"
        deployed = runner.invoke(
            app,
            ["deploy", "--rpc-url", other.url, "--out", str(out), "--key-env", "ASSAY_TEST_KEY"],
        )
        assert deployed.exit_code == 0, deployed.output
        monkeypatch.setenv("ASSAY_DEV_ACCOUNT", "solver")
        result = runner.invoke(
            app,
            ["stake", "add", "1ether", "--role", "solver", "--rpc-url", other.url,
             "--deployment", str(out)],
        )  # fmt: skip
    assert result.exit_code == 1
    assert "ASSAY_DEV_ACCOUNT" in result.output and "chain 1337" in result.output


def test_a_malformed_advertised_endpoint_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's side of `advertised` (tests/agents/test_process.py): a sentence, a hint, exit 1."""
    import typer

    monkeypatch.setenv("ASSAY_ADVERTISE", "http://solver:7001")
    with (
        BlobServer(LocalStore(tmp_path)) as server,
        pytest.raises(typer.Exit) as exited,
        reporting(),
    ):
        advertised(server)
    assert exited.value.exit_code == 1
    err = capsys.readouterr().err
    assert "$ASSAY_ADVERTISE" in err and "what to do: set it to tcp://HOST:PORT" in err
