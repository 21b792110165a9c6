"""Deploy and wire the protocol; `python -m assay.chain.deploy --rpc-url URL --out FILE`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import structlog
from eth_typing import ChecksumAddress
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from web3 import Web3
from web3.providers import HTTPProvider

from assay.chain.artifacts import load_artifact
from assay.chain.bindings import (
    DisputeGame,
    ForcedErrorRegistry,
    JobMarket,
    RefereeCourt,
    StakeManager,
)
from assay.chain.errors import ChainError
from assay.chain.sender import TxSender
from assay.chain.signer import LocalKeySigner, Signer
from assay.errors import ConfigError
from assay.protocol.params import DAY, CourtParams, MarketParams, RegistryParams
from assay.protocol.types import Role

log = structlog.get_logger(__name__)


class DeployConfig(BaseModel):
    """Everything a deployment needs besides the deployer key; defaults suit a devnet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    owner: ChecksumAddress | None = Field(
        default=None, description="governance owner (default: deployer)"
    )
    treasury: ChecksumAddress | None = Field(
        default=None, description="slash treasury (default: deployer)"
    )
    unbonding_delay: int = Field(
        default=1 * DAY, ge=0, description="seconds; longer than the longest possible dispute"
    )
    market: MarketParams = Field(default_factory=MarketParams)
    court: CourtParams = Field(default_factory=CourtParams)
    registry: RegistryParams = Field(default_factory=RegistryParams)

    @property
    def longest_unstalled_dispute(self) -> int:
        """Seconds from a claim to the end of a dispute's reveal window when nobody stalls.

        Solve window + challenge window + both chess clocks + one committee vote + reveal window.
        Stake must not be able to leave faster than that, or a cheater could unbond first.
        """
        m, c = self.market, self.court
        return m.solveWindow + m.challengeWindow + 2 * m.clockBudget + c.voteWindow + m.revealWindow

    @model_validator(mode="after")
    def _unbonding_outlasts_disputes(self) -> DeployConfig:
        if self.unbonding_delay < self.longest_unstalled_dispute:
            raise ValueError(
                f"unbonding_delay ({self.unbonding_delay} s) must be at least the longest "
                f"dispute ({self.longest_unstalled_dispute} s = solveWindow + challengeWindow + "
                "2 * clockBudget + court voteWindow + revealWindow); raise it or shorten those"
            )
        return self

    @classmethod
    def load(cls, path: str | Path) -> DeployConfig:
        """Read a JSON config file; ConfigError says which field is wrong."""
        file = Path(path)
        try:
            return cls.model_validate_json(file.read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read deploy config {file}: {exc.strerror}") from None
        except ValidationError as exc:
            raise ConfigError(f"invalid deploy config {file}:\n{exc}") from None


class Deployment(BaseModel):
    """Addresses of one deployment of the protocol, saved as JSON next to the devnet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain_id: int
    deployer: ChecksumAddress
    block_number: int = Field(description="block of the first deployment tx (indexers start here)")
    stake_manager: ChecksumAddress
    randomness: ChecksumAddress
    job_market: ChecksumAddress
    referee_court: ChecksumAddress
    dispute_game: ChecksumAddress
    forced_error_registry: ChecksumAddress

    def save(self, path: str | Path) -> None:
        """Write as JSON (parents created)."""
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(self.model_dump_json(indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Deployment:
        """Read a deployment JSON; ConfigError tells the user to deploy first if missing."""
        file = Path(path)
        try:
            return cls.model_validate_json(file.read_text())
        except FileNotFoundError:
            raise ConfigError(
                f"no deployment file at {file}; deploy first (`assay devnet up` or "
                "`python -m assay.chain.deploy --rpc-url URL --out FILE`)"
            ) from None
        except ValidationError as exc:
            raise ConfigError(f"{file} is not a valid deployment file:\n{exc}") from None

    def connect(self, sender: TxSender) -> ProtocolContracts:
        """Bindings of every contract acting as `sender`'s account."""
        chain_id = sender.chain_id
        if chain_id != self.chain_id:
            raise ConfigError(
                f"the deployment is for chain {self.chain_id} but the node is chain {chain_id}; "
                "point the RPC URL at the right node or redeploy"
            )
        return ProtocolContracts(
            stakes=StakeManager(sender, self.stake_manager),
            market=JobMarket(sender, self.job_market),
            game=DisputeGame(sender, self.dispute_game),
            court=RefereeCourt(sender, self.referee_court),
            registry=ForcedErrorRegistry(sender, self.forced_error_registry),
        )


@dataclass(frozen=True)
class ProtocolContracts:
    """All protocol bindings for one acting account."""

    stakes: StakeManager
    market: JobMarket
    game: DisputeGame
    court: RefereeCourt
    registry: ForcedErrorRegistry


def deploy_protocol(
    w3: Web3,
    signer: Signer,
    config: DeployConfig | None = None,
    *,
    poll_latency: float = 0.005,
) -> Deployment:
    """Deploy every protocol contract from the implementation artifacts, then wire them."""
    cfg = config or DeployConfig()
    sender = TxSender(w3, signer, poll_latency=poll_latency)
    me = sender.address
    owner = cfg.owner or me
    treasury = cfg.treasury or me
    start_block = int(w3.eth.block_number) + 1
    bound = log.bind(chain_id=sender.chain_id, deployer=me)
    bound.info("deploy.start")

    stakes = sender.deploy(load_artifact("StakeManager"), me, treasury, cfg.unbonding_delay)
    randomness = sender.deploy(load_artifact("DevnetRandomness"))
    market = sender.deploy(
        load_artifact("JobMarket"), me, stakes, randomness, cfg.market.as_tuple()
    )
    court = sender.deploy(
        load_artifact("RefereeCourt"), me, stakes, randomness, cfg.court.as_tuple()
    )
    game = sender.deploy(load_artifact("DisputeGame"), market, stakes, court)
    registry = sender.deploy(
        load_artifact("ForcedErrorRegistry"), me, stakes, market, cfg.registry.as_tuple()
    )

    deployment = Deployment(
        chain_id=sender.chain_id,
        deployer=me,
        block_number=start_block,
        stake_manager=stakes,
        randomness=randomness,
        job_market=market,
        referee_court=court,
        dispute_game=game,
        forced_error_registry=registry,
    )
    c = deployment.connect(sender)
    c.market.wire(game, registry)
    c.court.wire(game)
    for target in (market, game, court, registry):
        c.stakes.set_protocol_contract(target, True)
    # Only accounts able to back an assignment enter the draw registries (no dust dilution).
    c.stakes.set_min_registry_stake(Role.VERIFIER, cfg.market.verifierStake)
    c.stakes.set_min_registry_stake(Role.REFEREE, cfg.court.refereeStake)
    # Ownership is deployed to the deployer so it can wire; hand it over only if asked.
    if owner != me:
        _transfer_ownership(sender, deployment, owner)
    bound.info("deploy.done", **{k: str(v) for k, v in deployment.model_dump().items()})
    return deployment


def _transfer_ownership(sender: TxSender, deployment: Deployment, owner: ChecksumAddress) -> None:
    abi = [
        {
            "type": "function",
            "name": "transferOwnership",
            "stateMutability": "nonpayable",
            "inputs": [{"name": "newOwner", "type": "address", "internalType": "address"}],
            "outputs": [],
        }
    ]
    for address in (
        deployment.stake_manager,
        deployment.job_market,
        deployment.referee_court,
        deployment.forced_error_registry,
    ):
        fn = sender.w3.eth.contract(address=address, abi=abi).functions.transferOwnership(owner)
        try:
            sender.send(fn)
        except ChainError as exc:
            raise ChainError(
                f"contract {address} has no transferOwnership; deploy with owner unset "
                f"(the deployer) and transfer by hand ({exc})"
            ) from exc


def main(argv: list[str] | None = None) -> int:
    """CLI: deploy to --rpc-url with the key in $ASSAY_PRIVATE_KEY; write --out."""
    parser = argparse.ArgumentParser(
        prog="python -m assay.chain.deploy",
        description="Deploy the Assay protocol. The deployer key is read from ASSAY_PRIVATE_KEY.",
    )
    parser.add_argument("--rpc-url", required=True, help="JSON-RPC endpoint of the chain")
    parser.add_argument("--out", required=True, type=Path, help="where to write deployment JSON")
    parser.add_argument("--config", type=Path, help="JSON DeployConfig (defaults suit a devnet)")
    parser.add_argument("--key-env", default="ASSAY_PRIVATE_KEY", help="env var holding the key")
    args = parser.parse_args(argv)
    try:
        config = DeployConfig.load(args.config) if args.config else DeployConfig()
        signer = LocalKeySigner.from_env(args.key_env)
        w3 = Web3(HTTPProvider(args.rpc_url, request_kwargs={"timeout": 60}))
        if not w3.is_connected():
            raise ChainError(f"cannot reach {args.rpc_url}; is the node running?")
        deployment = deploy_protocol(w3, signer, config)
        deployment.save(args.out)
    except (ChainError, ConfigError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stdout.write(f"{args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
