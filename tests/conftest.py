"""Shared fixtures: built contracts, one anvil per session, a snapshot around each test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from hypothesis import HealthCheck, settings
from web3 import Web3

from assay.chain.anvil import Anvil, DevAccount
from assay.chain.artifacts import contracts_out_dir, load_artifact
from assay.chain.devnet import ACTORS, Devnet
from assay.chain.sender import TxSender

# Shared CI machines are noisy: example timing must never fail a property test.
settings.register_profile(
    "assay", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.load_profile("assay")

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
# Artifacts the Python tests need; the build is redone when any source is newer.
REQUIRED = ("MerkleHarness", "RevertHarness", "IJobMarket")


def _newest_source() -> float:
    sources = list((CONTRACTS / "src").rglob("*.sol")) + list((CONTRACTS / "test").rglob("*.sol"))
    return max((p.stat().st_mtime for p in sources), default=0.0)


def _artifacts_ok(out: Path) -> bool:
    paths = [out / f"{name}.sol" / f"{name}.json" for name in REQUIRED]
    return all(p.is_file() for p in paths)


@pytest.fixture(scope="session")
def contracts_built() -> Path:
    """contracts/out, rebuilt with forge once if missing or older than the sources."""
    out = contracts_out_dir()
    stale = not _artifacts_ok(out) or (
        min((out / f"{n}.sol" / f"{n}.json").stat().st_mtime for n in REQUIRED) < _newest_source()
    )
    if stale and "ASSAY_CONTRACTS_OUT" not in os.environ:
        env = dict(os.environ, FOUNDRY_SOLC=str(ROOT / "tools" / "solc"))
        forge = ROOT / "node_modules" / ".bin" / "forge"
        result = subprocess.run(
            [str(forge), "build", "--quiet"],
            cwd=CONTRACTS,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        # A half-written contract elsewhere must not hide usable artifacts of ours.
        if result.returncode != 0 and not _artifacts_ok(out):
            pytest.fail(f"forge build failed:\n{result.stdout}\n{result.stderr}")
    return out


@contextmanager
def reverted(net: Devnet) -> Iterator[Devnet]:
    """`net` snapshotted, then reverted on exit; every actor's cached nonce is resynced."""
    snap = net.node.snapshot()
    try:
        yield net
    finally:
        net.node.revert(snap)
        for name in ACTORS:
            net.actor(name).sender.resync_nonce()


@pytest.fixture(autouse=True)
def _isolated_structlog() -> Iterator[None]:
    """A command run in-process (CliRunner) configures logging for the process, e.g. to
    WARNING; restore the configuration after each test so later tests see their own logs."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    """One anvil node for the whole session."""
    node = Anvil()
    node.start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def chain(
    anvil: Anvil, merkle_harness_address: str, revert_harness_address: str
) -> Iterator[Anvil]:
    """The session anvil (harnesses deployed), reverted to its pre-test state after the test."""
    snap = anvil.snapshot()
    try:
        yield anvil
    finally:
        anvil.revert(snap)


@pytest.fixture
def w3(chain: Anvil) -> Web3:
    """Web3 on the per-test chain."""
    return chain.w3


@pytest.fixture
def accounts(chain: Anvil) -> list[DevAccount]:
    """anvil's funded dev accounts."""
    return chain.accounts


@pytest.fixture
def sender(chain: Anvil) -> TxSender:
    """A fresh sender for dev account 0 (fresh per test: the snapshot revert resets nonces)."""
    return TxSender(chain.w3, chain.accounts[0].signer())


def _deploy_session(anvil: Anvil, name: str) -> str:
    # Dev account 9 deploys session-wide harnesses so per-test senders keep their nonces.
    deployer = TxSender(anvil.w3, anvil.accounts[9].signer())
    return deployer.deploy(load_artifact(name))


@pytest.fixture(scope="session")
def merkle_harness_address(anvil: Anvil, contracts_built: Path) -> str:
    """MerkleHarness deployed once per session (before any per-test snapshot)."""
    return _deploy_session(anvil, "MerkleHarness")


@pytest.fixture(scope="session")
def revert_harness_address(anvil: Anvil, contracts_built: Path) -> str:
    """RevertHarness deployed once per session."""
    return _deploy_session(anvil, "RevertHarness")


def past_reveal(net: Devnet, job_id: int) -> int:
    """Seconds to add to the devnet's clock so that `job_id`'s reveal window is over (a Failed
    job's window opens at its challenge deadline at the earliest; see JobView.reveal_deadline)."""
    from assay.agents.views import chain_now, load_job
    from assay.protocol.types import JobId

    market = net.actor("deployer").protocol.market
    view = load_job(market, JobId(int(job_id)))
    return max(1, view.reveal_deadline + 1 - chain_now(net.node.w3))


def past_challenge(net: Devnet, job_id: int) -> int:
    """Seconds to add to the devnet's clock so that `job_id`'s challenge window is over (it grows
    with the job's steps and restarts when verifier seats are filled: Job.challenge_deadline)."""
    from assay.agents.views import chain_now
    from assay.protocol.types import JobId

    job = net.actor("deployer").protocol.market.get_job(JobId(int(job_id)))
    return max(1, job.challenge_deadline + 1 - chain_now(net.node.w3))
