"""The embedded devnet: an anvil node with the protocol deployed and named, funded actors.

Used by `make demo`, `assay devnet up` and the end-to-end tests, so all three exercise the
same deployment path a real chain uses (`deploy_protocol` through a `TxSender`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import structlog
from eth_typing import ChecksumAddress
from web3 import HTTPProvider, Web3

from assay.chain.anvil import Anvil, DevAccount, dev_accounts
from assay.chain.deploy import DeployConfig, Deployment, ProtocolContracts, deploy_protocol
from assay.chain.errors import ChainError
from assay.chain.sender import TxSender
from assay.protocol.types import Role

log = structlog.get_logger(__name__)

DEVNET_CHAIN_ID = 31337

# Dev account index of each named actor. Account 0 deploys and owns the protocol.
ACTORS: dict[str, int] = {
    "deployer": 0,
    "submitter": 1,
    "solver": 2,
    "verifier1": 3,
    "verifier2": 4,
    "referee": 5,
    "whistleblower": 6,
    "challenger": 7,
    "solver2": 8,
    "referee2": 9,
}


@dataclass
class Actor:
    """A named dev account with its own sender and protocol bindings."""

    name: str
    account: DevAccount
    sender: TxSender
    protocol: ProtocolContracts

    @property
    def address(self) -> ChecksumAddress:
        return self.account.address


@dataclass
class Devnet:
    """anvil + deployed protocol. `Devnet().start()` or use as a context manager.

    `block_time` (seconds) keeps the clock moving: anvil then mines an empty block that often
    besides mining each transaction at once (`--mixed-mining`), so challenge and reveal windows
    close on an idle chain. None (tests) mines only on transactions and `mine()`.
    """

    state_file: Path | None = None
    deployment_file: Path | None = None
    config: DeployConfig = field(default_factory=DeployConfig)
    port: int | None = None
    block_time: int | None = None
    anvil: Anvil | None = None
    deployment: Deployment | None = None
    deployment_was_created: bool = False
    _actors: dict[str, Actor] = field(default_factory=dict)

    def start(self) -> Self:
        """Start anvil (reloading `state_file` if present) and deploy unless already deployed."""
        self.anvil = Anvil(
            state_file=self.state_file,
            accounts=len(ACTORS),
            port=self.port,
            block_time=self.block_time,
            extra_args=["--mixed-mining"] if self.block_time else None,
        ).start()
        if self.deployment_file is not None and self.deployment_file.exists():
            self.deployment = Deployment.load(self.deployment_file)
            if self.anvil.w3.eth.get_code(self.deployment.job_market) == b"":
                log.warning("devnet.redeploy", reason="saved deployment not found on this chain")
                self.deployment = None
        if self.deployment is None:
            deployer = self.anvil.accounts[ACTORS["deployer"]]
            self.deployment = deploy_protocol(self.anvil.w3, deployer.signer(), self.config)
            self.deployment_was_created = True
            if self.deployment_file is not None:
                self.deployment.save(self.deployment_file)
        return self

    def stop(self) -> None:
        if self.anvil is not None:
            self.anvil.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def node(self) -> Anvil:
        if self.anvil is None:
            raise RuntimeError("the devnet is not started; call start() first")
        return self.anvil

    def actor(self, name: str) -> Actor:
        """The named actor (see ACTORS), created on first use."""
        if name not in self._actors:
            if name not in ACTORS:
                raise KeyError(f"unknown devnet actor {name!r}; known: {', '.join(ACTORS)}")
            if self.deployment is None:
                raise RuntimeError("the devnet is not deployed; call start() first")
            account = self.node.accounts[ACTORS[name]]
            sender = TxSender(self.node.w3, account.signer())
            self._actors[name] = Actor(name, account, sender, self.deployment.connect(sender))
        return self._actors[name]

    def stake_defaults(self) -> None:
        """Stake every role-holding actor with enough for a few jobs."""
        _stake_defaults(lambda name: self.actor(name).protocol)


_ETH = 10**18
STAKE_PLAN: list[tuple[str, Role, int]] = [
    ("solver", Role.SOLVER, 3 * _ETH),
    ("solver2", Role.SOLVER, 3 * _ETH),
    ("verifier1", Role.VERIFIER, 2 * _ETH),
    ("verifier2", Role.VERIFIER, 2 * _ETH),
    ("referee", Role.REFEREE, 2 * _ETH),
    ("referee2", Role.REFEREE, 2 * _ETH),
    ("whistleblower", Role.WHISTLEBLOWER, 1 * _ETH),
]
"""What `stake_defaults` deposits: (actor, role, wei)."""


def _stake_defaults(protocol_of: Callable[[str], ProtocolContracts]) -> None:
    for name, role, wei in STAKE_PLAN:
        protocol_of(name).stakes.deposit(role, wei)
    whistleblower = protocol_of("whistleblower").market.sender.address
    protocol_of("deployer").registry.register_whistleblower(whistleblower)


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (so a devnet can take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def init_external(rpc_url: str, out: Path, config: DeployConfig | None = None) -> Deployment:
    """Deploy and stake the dev actors on an anvil someone else runs (docker compose).

    The node must be a devnet (chain id 31337) funding anvil's dev mnemonic accounts; if `out`
    already holds a deployment whose contracts exist on the node, nothing is sent again.
    """

    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # requests/web3 raise many kinds; all mean "no node there"
        raise ChainError(f"no JSON-RPC node answers at {rpc_url}: {exc}") from exc
    if chain_id != DEVNET_CHAIN_ID:
        raise ChainError(
            f"{rpc_url} is chain {chain_id}, not a devnet ({DEVNET_CHAIN_ID}); "
            "deploy to real chains with `assay deploy`, which takes a key from the environment"
        )
    if out.exists():
        existing = Deployment.load(out)
        if w3.eth.get_code(existing.job_market) != b"":
            log.info("devnet.init_existing", deployment=str(out))
            return existing
    accounts = dev_accounts(len(ACTORS))
    deployer = accounts[ACTORS["deployer"]].signer()
    deployment = deploy_protocol(w3, deployer, config or DeployConfig())

    def protocol_of(name: str) -> ProtocolContracts:
        return deployment.connect(TxSender(w3, accounts[ACTORS[name]].signer()))

    _stake_defaults(protocol_of)
    out.parent.mkdir(parents=True, exist_ok=True)
    deployment.save(out)
    return deployment
