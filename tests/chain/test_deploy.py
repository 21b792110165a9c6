"""Deploy config, the deployment file, and (once implementations are built) a full deploy."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_artifact
from assay.chain.deploy import DeployConfig, Deployment, deploy_protocol, main
from assay.chain.sender import TxSender
from assay.errors import ConfigError
from assay.protocol.params import ETHER, MarketParams
from assay.protocol.types import Role

IMPLEMENTATIONS = (
    "StakeManager",
    "DevnetRandomness",
    "JobMarket",
    "RefereeCourt",
    "DisputeGame",
    "ForcedErrorRegistry",
)


def test_every_implementation_is_built_and_deployable(contracts_built: Path) -> None:
    for name in IMPLEMENTATIONS:
        assert load_artifact(name).deployable, f"{name} has no bytecode; run `make build`"


def test_default_config_suits_a_devnet() -> None:
    cfg = DeployConfig()
    assert cfg.market.solverStake == ETHER
    assert cfg.market.verifiersPerJob == 2
    assert cfg.court.committeeSize == 3
    assert cfg.registry.maxRevealsPerWindow == 5
    assert MarketParams.from_tuple(cfg.market.as_tuple()) == cfg.market


def test_bad_config_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "cfg.json"
    path.write_text('{"market": {"verifierFeeBps": 20000}}')
    with pytest.raises(ConfigError, match="verifierFeeBps"):
        DeployConfig.load(path)


def test_deployment_round_trips_and_missing_file_is_explained(tmp_path: Path) -> None:
    address = "0x" + "ab" * 20
    from eth_utils.address import to_checksum_address

    a = to_checksum_address(address)
    dep = Deployment(
        chain_id=31337,
        deployer=a,
        block_number=1,
        stake_manager=a,
        randomness=a,
        job_market=a,
        referee_court=a,
        dispute_game=a,
        forced_error_registry=a,
    )
    dep.save(tmp_path / "d" / "deployment.json")
    assert Deployment.load(tmp_path / "d" / "deployment.json") == dep
    with pytest.raises(ConfigError, match="deploy first"):
        Deployment.load(tmp_path / "absent.json")


def test_cli_without_key_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASSAY_PRIVATE_KEY", raising=False)
    rc = main(["--rpc-url", "http://127.0.0.1:1", "--out", str(tmp_path / "d.json")])
    assert rc == 1
    assert "ASSAY_PRIVATE_KEY" in capsys.readouterr().err


@pytest.mark.anvil
def test_deploy_wires_everything(chain: Anvil, tmp_path: Path) -> None:
    dep = deploy_protocol(chain.w3, chain.accounts[0].signer())
    c = dep.connect(TxSender(chain.w3, chain.accounts[0].signer()))
    for target in (dep.job_market, dep.dispute_game, dep.referee_court, dep.forced_error_registry):
        assert c.stakes.is_protocol(target)
    assert c.market.params() == DeployConfig().market
    assert c.court.params() == DeployConfig().court
    assert c.registry.params() == DeployConfig().registry
    assert c.stakes.min_registry_stake(Role.VERIFIER) == DeployConfig().market.verifierStake
    assert c.stakes.min_registry_stake(Role.REFEREE) == DeployConfig().court.refereeStake
    dep.save(tmp_path / "deployment.json")
    assert Deployment.load(tmp_path / "deployment.json").chain_id == chain.chain_id


@pytest.mark.anvil
def test_cli_deploys_with_env_key(
    chain: Anvil, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_PRIVATE_KEY", chain.accounts[2].private_key)
    out = tmp_path / "deployment.json"
    assert main(["--rpc-url", chain.url, "--out", str(out)]) == 0
    dep = Deployment.load(out)
    stakes = dep.connect(TxSender(chain.w3, chain.accounts[2].signer())).stakes
    stakes.deposit(Role.SOLVER, ETHER)
    assert stakes.stake_of(chain.accounts[2].address, Role.SOLVER).amount == ETHER


def test_unbonding_shorter_than_a_dispute_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"unbonding_delay \(60 s\) must be at least the longest"):
        DeployConfig(unbonding_delay=60)


def test_unbonding_bound_follows_the_parameters() -> None:
    market = MarketParams(clockBudget=10 * 3600, minClockExtension=60)
    config = DeployConfig(unbonding_delay=3 * 86_400, market=market)
    assert config.longest_unstalled_dispute >= 2 * 10 * 3600
