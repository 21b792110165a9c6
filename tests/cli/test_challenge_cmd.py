"""`assay challenge JOB_ID` on a devnet: a wrong result gets a bonded game; refusals are sentences.

The job is a real 4-step digits-MLP spec (the command replays it), posted and submitted through
the bindings so no solver has to train: the "cheating" solver simply submits a trace that departs
from the honest one at step 2.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from typer.testing import CliRunner, Result

from assay.agents.work import Trace, train_trace
from assay.chain.devnet import Devnet
from assay.cli.chainjob import commitments
from assay.cli.main import app
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.merkle import MerkleTree
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, StateHash
from assay.store import LocalStore
from tests.conftest import past_challenge

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
BUDGET = 10**18 // 2
runner = CliRunner()


@cache
def small_spec() -> JobSpec:
    raw = load_spec(EXAMPLE).model_dump(mode="json")
    raw["training"]["steps"] = 4
    raw["checkpoint"]["interval"] = 2
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    """h_0..h_4 of the small spec, as any honest party computes them."""
    return train_trace(small_spec(), tmp_path_factory.mktemp("honest"))


def wrong(trace: Trace, from_step: int = 2) -> Trace:
    return tuple(
        h if i < from_step else StateHash(keccak(b"wrong" + bytes(h))) for i, h in enumerate(trace)
    )


def submitted_job(net: Devnet, store: Path, trace: Trace) -> JobId:
    """Post the small spec (its bytes in `store`), claim it as the solver and submit `trace`."""
    spec = small_spec()
    c = commitments(spec)
    uri = make_uri(LocalStore(store).put_bytes(canonical_bytes(spec)))
    job_id = net.actor("submitter").protocol.market.post_job(
        spec_hash=c.spec_hash, spec_uri=uri, steps=c.steps,
        graph_hash=c.graph_hash, ops_per_step=c.ops_per_step, initial_state=c.initial_state,
        budget_wei=BUDGET,
    )  # fmt: skip
    solver = net.actor("solver").protocol.market
    solver.claim_job(job_id)
    solver.submit_result(
        job_id, trace[-1], MerkleTree(trace).root, "file://model", secrets.token_bytes(32)
    )
    solver.draw_verifiers(job_id)
    return job_id


def challenge(net: Devnet, tmp: Path, job_id: int, *extra: str, **env: str | None) -> Result:
    base: dict[str, str | None] = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_STORE": None,
        "COLUMNS": "200",
    }
    args = ["challenge", str(job_id), "--store", str(tmp / "store")]
    args += ["--state-dir", str(tmp / "challenge"), *extra]
    result = runner.invoke(app, args, env=base | env)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_challenge_opens_a_bonded_game_against_a_wrong_result(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    me = net.actor("challenger").address
    job_id = submitted_job(net, tmp_path / "store", wrong(honest))
    bond = p.market.get_job(job_id).params.challengeBond
    bonds_before = p.game.total_bonds()
    balance_before = net.node.w3.eth.get_balance(me)

    result = challenge(net, tmp_path, job_id, "--dev-account", "challenger")

    assert result.exit_code == 0, result.output
    assert f"job {job_id}: the replay DIFFERS" in result.output
    game_id = GameId(p.game.game_of(job_id, me))
    assert int(game_id) != 0, result.output
    assert f"game {int(game_id)} opened against job {job_id} with a bond of 0.1 ETH" in (
        result.output
    )
    g = p.game.get_game(game_id)
    assert (g.job_id, g.challenger, g.bond) == (job_id, me, bond)
    assert g.status == GameStatus.STEP_BISECTION and (g.lo, g.hi) == (0, 4)
    assert g.hi_hash == wrong(honest)[-1]  # the disputed result is the one on chain
    assert p.game.total_bonds() == bonds_before + bond
    assert net.node.w3.eth.get_balance(me) <= balance_before - bond  # bond + gas
    assert p.market.job_status(job_id) == JobStatus.SUBMITTED  # disputed, not yet decided


def test_challenge_of_a_matching_result_opens_nothing_unless_forced(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    me = net.actor("challenger").address
    job_id = submitted_job(net, tmp_path / "store", honest)

    result = challenge(net, tmp_path, job_id, "--dev-account", "challenger")
    assert result.exit_code == 0, result.output
    assert f"job {job_id}: the replay matches the submitted result" in result.output
    assert int(p.game.game_of(job_id, me)) == 0 and p.game.game_count() == 0

    forced = challenge(net, tmp_path, job_id, "--dev-account", "challenger", "--force")
    assert forced.exit_code == 0, forced.output
    game_id = p.game.game_of(job_id, me)
    assert int(game_id) != 0 and f"game {int(game_id)} opened" in forced.output


def test_challenge_twice_names_the_game_already_open(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    job_id = submitted_job(net, tmp_path / "store", wrong(honest))
    assert challenge(net, tmp_path, job_id, "--dev-account", "challenger").exit_code == 0
    game_id = p.game.game_of(job_id, net.actor("challenger").address)

    again = challenge(net, tmp_path, job_id, "--dev-account", "challenger")

    assert again.exit_code == 1, again.output
    me = net.actor("challenger").address
    assert f"error: {me} already plays game {int(game_id)} on job {job_id}" in again.output
    assert f"what to do: `assay dispute show {int(game_id)}`" in again.output
    assert "opened against" not in again.output and "replay" not in again.output  # no replay
    assert p.game.game_count() == 1


def test_challenge_of_an_unknown_job_is_a_decoded_error(net: Devnet, tmp_path: Path) -> None:
    result = challenge(net, tmp_path, 99, "--dev-account", "challenger")
    assert result.exit_code == 1, result.output
    assert "error:" in result.output and "UnknownJob" in result.output
    assert "what to do: check the job id" in result.output


def test_challenge_of_a_finalized_job_is_refused(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    job_id = submitted_job(net, tmp_path / "store", wrong(honest))
    net.node.increase_time(past_challenge(net, job_id))
    net.node.mine()
    net.actor("solver").protocol.market.finalize(job_id)

    result = challenge(net, tmp_path, job_id, "--dev-account", "challenger")

    assert result.exit_code == 1, result.output
    assert re.search(rf"error: job {job_id} is Finalized; only a Submitted result", result.output)
    assert f"what to do: `assay job status {job_id}`" in result.output
    assert p.game.game_count() == 0


def test_challenge_after_the_window_shows_the_decoded_revert_and_a_hint(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    job_id = submitted_job(net, tmp_path / "store", wrong(honest))
    net.node.increase_time(past_challenge(net, job_id))
    net.node.mine()  # still Submitted: nobody finalized it yet

    result = challenge(net, tmp_path, job_id, "--dev-account", "challenger")

    assert result.exit_code == 1, result.output
    assert "error: the transaction was refused: JobMarket.TooLate" in result.output
    assert "what to do: the window for this action has closed" in result.output
    assert p.game.game_count() == 0


def test_challenge_without_funds_for_the_bond_is_a_clear_error(
    net: Devnet, tmp_path: Path, honest: Trace
) -> None:
    p = net.actor("deployer").protocol
    job_id = submitted_job(net, tmp_path / "store", wrong(honest))
    broke = Account.create()
    key = broke.key.to_0x_hex()

    result = challenge(net, tmp_path, job_id, ASSAY_PRIVATE_KEY=key)

    assert result.exit_code == 1, result.output
    assert f"error: {broke.address} holds 0 ETH, less than the challenge bond of 0.1 ETH" in (
        result.output
    )
    assert "what to do: fund the account" in result.output
    assert int(p.game.game_of(job_id, broke.address)) == 0 and p.game.game_count() == 0
