"""`assay referee run` as real child processes voting on an adjudication request.

A 4-step digits-MLP job is posted with its spec served by a peer; the solver submits a
consistent cheater's trace (wrong from step 2, operator 5: the `--cheat-from` hooks) and the
challenger plays both bisection phases through the bindings (the game player), so the only agents
are the two referee processes (`assay referee run`). Whichever is drawn must recompute the
disputed operator from the spec, vote the honest output and resolve the request; SIGTERM then
stops both with exit code 0. No fixed sleeps: every wait polls the chain with a deadline.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from assay.agents.player import Traces
from assay.agents.work import Trace, step_op_trace, train_trace
from assay.chain.devnet import Devnet
from assay.cli.chainjob import commitments
from assay.net.blobs import BlobServer
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.merkle import MerkleTree
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import GameStatus, JobStatus
from assay.store import LocalStore
from solver.cheats import cheat_hooks
from tests.cli.agent_procs import AgentProcs
from tests.e2e.test_protocol_journeys import honest_chooser, play

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
CHEAT_STEP, CHEAT_OP = 2, 5


@pytest.fixture
def devnet(contracts_built: Path, tmp_path: Path) -> Iterator[Devnet]:
    with Devnet(deployment_file=tmp_path / "deployment.json") as net:
        net.stake_defaults()
        yield net


@cache
def small_spec() -> JobSpec:
    raw = load_spec(EXAMPLE).model_dump(mode="json")
    raw["training"]["steps"] = 4
    raw["checkpoint"]["interval"] = 1
    return spec_from_dict(raw)


def test_referee_processes_recompute_vote_and_resolve_then_stop_on_sigterm(
    devnet: Devnet, tmp_path: Path
) -> None:
    p = devnet.actor("deployer").protocol
    referees = AgentProcs(devnet, tmp_path)
    try:
        # Imports overlap the setup below: the referees find the request when it appears.
        referees.start("referee", "referee", "referee")
        referees.start("referee2", "referee", "referee2")

        spec = small_spec()
        honest_dir = tmp_path / "honest"
        honest = train_trace(spec, honest_dir)

        @cache
        def honest_ops(step: int) -> Trace:
            return step_op_trace(spec, honest_dir, step)

        steps_hook, ops_hook = cheat_hooks(CHEAT_STEP, CHEAT_OP)
        cheat = Traces(steps_hook(honest), lambda s: ops_hook(s, honest_ops(s)))
        truth = Traces(honest, honest_ops)

        submitter_store = LocalStore(tmp_path / "stores" / "submitter")
        with BlobServer(submitter_store) as spec_peer:
            c = commitments(spec)
            uri = make_uri(submitter_store.put_bytes(canonical_bytes(spec)), [spec_peer.endpoint])
            job_id = devnet.actor("submitter").protocol.market.post_job(
                spec_hash=c.spec_hash, spec_uri=uri, steps=c.steps,
                graph_hash=c.graph_hash, ops_per_step=c.ops_per_step,
                initial_state=c.initial_state, budget_wei=10**18 // 2,
            )  # fmt: skip
            solver = devnet.actor("solver").protocol.market
            solver.claim_job(job_id)
            solver.submit_result(
                job_id, cheat.steps[-1], MerkleTree(cheat.steps).root, "file://model",
                secrets.token_bytes(32),
            )  # fmt: skip
            solver.draw_verifiers(job_id)
            challenger = devnet.actor("challenger").protocol.game
            bond = p.market.get_job(job_id).params.challengeBond
            game_id = challenger.challenge(job_id, cheat.steps[-1], bond)
            g = play(devnet, game_id, cheat, honest_chooser(truth))
            assert g.status == GameStatus.ADJUDICATING and g.step == CHEAT_STEP, g
            request_id = g.request_id
            request = p.court.get_request(request_id)
            # The move only scheduled the draw; a referee agent draws the committee (DrawCommittee).
            assert request.awaiting_draw
            referees.wait(lambda: bool(p.court.committee(request_id)), "the committee draw")
            committee = p.court.committee(request_id)
            names = {devnet.actor(n).address: n for n in ("referee", "referee2")}
            # 3 seats, 2 eligible referees: both sit, and their 2 votes are a majority.
            assert set(committee) == set(names)

            referees.wait(lambda: p.court.get_request(request_id).resolved, "the resolution")
    finally:
        codes = referees.terminate()

    right = honest_ops(CHEAT_STEP)[request.op_index]
    assert request.op_index == CHEAT_OP and request.claimed_output != right
    for member in committee:
        assert p.court.vote_of(request_id, member) == right, referees.logs()
        assert f"Vote request={int(request_id)}" in referees.log(names[member])
    assert p.court.get_request(request_id).decision == right
    assert p.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    assert p.market.job_status(job_id) == JobStatus.FAILED
    both = "".join(referees.log(n) for n in names.values())
    assert f"DrawCommittee request={int(request_id)} -> " in both, referees.logs()
    assert f"ResolveAdjudication request={int(request_id)} -> sent" in both, referees.logs()
    assert codes == {"referee": 0, "referee2": 0}, referees.logs()
    for name in names.values():
        assert "referee agent stopped (signal)" in referees.log(name), referees.logs()
        assert "Traceback" not in referees.log(name), referees.logs()
