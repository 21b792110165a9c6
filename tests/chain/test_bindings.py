"""Bindings against the implementations that exist: stakes and the job lifecycle's first steps."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assay.chain.anvil import Anvil
from assay.chain.artifacts import load_artifact
from assay.chain.bindings import JobMarket, StakeManager
from assay.chain.errors import RevertError
from assay.chain.sender import TxSender
from assay.protocol.params import ETHER, MarketParams, RegistryParams
from assay.protocol.types import JobId, JobStatus, Role, StateHash

pytestmark = pytest.mark.anvil


@dataclass
class Market:
    """StakeManager + JobMarket deployed by dev account 0."""

    stakes: StakeManager
    market: JobMarket


@pytest.fixture
def market(chain: Anvil) -> Market:
    """StakeManager, DevnetRandomness, JobMarket and the registry; no DisputeGame."""
    owner = TxSender(chain.w3, chain.accounts[0].signer())
    stakes = owner.deploy(load_artifact("StakeManager"), owner.address, owner.address, 86_400)
    rnd = owner.deploy(load_artifact("DevnetRandomness"))
    market = owner.deploy(
        load_artifact("JobMarket"), owner.address, stakes, rnd, MarketParams().as_tuple()
    )
    registry = owner.deploy(
        load_artifact("ForcedErrorRegistry"),
        owner.address,
        stakes,
        market,
        RegistryParams().as_tuple(),
    )
    sm = StakeManager(owner, stakes)
    jm = JobMarket(owner, market)
    # No DisputeGame yet: an EOA stands in for it (these tests never open a game).
    jm.wire(chain.accounts[8].address, registry)
    for target in (market, registry):
        sm.set_protocol_contract(target, True)
    return Market(sm, jm)


def test_deposit_and_stake_view(chain: Anvil, market: Market) -> None:
    solver = TxSender(chain.w3, chain.accounts[1].signer())
    stakes = market.stakes.connect(solver)
    stakes.deposit(Role.SOLVER, 2 * ETHER)
    stake = stakes.stake_of(solver.address, Role.SOLVER)
    assert (stake.amount, stake.locked, stake.free) == (2 * ETHER, 0, 2 * ETHER)
    assert stakes.registry_size(Role.SOLVER) == 1
    with pytest.raises(RevertError) as info:
        stakes.deposit(Role.NONE, ETHER)
    assert info.value.name == "InvalidRole"
    assert info.value.args["role"] == Role.NONE


def test_post_claim_and_read_job(chain: Anvil, market: Market) -> None:
    submitter = TxSender(chain.w3, chain.accounts[2].signer())
    solver = TxSender(chain.w3, chain.accounts[1].signer())
    market.stakes.connect(solver).deposit(Role.SOLVER, 2 * ETHER)
    h0 = StateHash(b"\x05" * 32)
    job_id = market.market.connect(submitter).post_job(
        b"\x01" * 32, "ipfs://spec", 10, b"\x02" * 32, 7, h0, ETHER
    )
    assert job_id == JobId(1)
    as_solver = market.market.connect(solver)
    as_solver.claim_job(job_id)
    job = as_solver.get_job(job_id)
    assert (job.status, job.solver, job.steps, job.ops_per_step, job.initial_state) == (
        JobStatus.CLAIMED,
        solver.address,
        10,
        7,
        h0,
    )
    assert job.params == MarketParams()
    assert as_solver.job_status(job_id) == JobStatus.CLAIMED
    with pytest.raises(RevertError) as info:
        as_solver.claim_job(job_id)
    assert info.value.name == "WrongStatus"
    assert "job 1 is Claimed but the call needs Open" in str(info.value)
