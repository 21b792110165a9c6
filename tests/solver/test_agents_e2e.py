"""Agents on anvil: solver, verifier and referee agents play whole jobs tick by tick.

No sleeps: the test advances anvil time and calls `tick()` on every agent until a condition
holds (bounded). Training runs inline (InlineRunner) on a 6-step digits MLP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak

from assay.agents.base import AgentConfig, BaseAgent
from assay.agents.runner import InlineRunner
from assay.agents.work import MappingSpecSource, Trace
from assay.chain.devnet import Devnet
from assay.chain.errors import RevertError
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, StateHash
from assay.repro.commitments import commitments
from assay.repro.data import load_dataset
from assay.repro.graph import graph_hash, ops_per_step
from assay.repro.trainer import Trainer
from referee.agent import RefereeAgent
from referee.recompute import replay_recompute
from solver.agent import SolverAgent
from tests.conftest import past_challenge, past_reveal
from verifier.agent import VerifierAgent

pytestmark = pytest.mark.anvil

ETH = 10**18
BUDGET = ETH // 2
ESCROW = 490_000_000_000_000_000
FEE_EACH = 12_250_000_000_000_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec() -> JobSpec:
    raw = load_spec(ROOT / "examples" / "digits-mlp.toml").model_dump(mode="json")
    raw["training"]["steps"] = 6
    raw["checkpoint"]["interval"] = 1
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def specs(spec: JobSpec) -> MappingSpecSource:
    return MappingSpecSource({spec_hash(spec): spec})


def post(net: Devnet, spec: JobSpec) -> JobId:
    data = load_dataset(spec.data, int(spec.training.seed))
    h0 = Trainer(spec, data).state_hash()
    return net.actor("submitter").protocol.market.post_job(
        spec_hash=spec_hash(spec),
        spec_uri="file://digits-mlp.toml",
        steps=int(spec.training.steps),
        graph_hash=graph_hash(spec, data),
        ops_per_step=ops_per_step(spec, data),
        initial_state=h0,
        budget_wei=BUDGET,
    )


def config(net: Devnet, tmp: Path, name: str, **kw: Any) -> AgentConfig:
    assert net.deployment is not None
    return AgentConfig(
        cursor_path=tmp / name / "cursor.json",
        workdir=tmp / name / "work",
        start_block=net.deployment.block_number,
        **kw,
    )


def run_until(agents: Sequence[BaseAgent], done: Callable[[], bool], limit: int = 60) -> int:
    for n in range(limit):
        if done():
            return n
        for a in agents:
            a.tick()
    raise AssertionError(f"condition not reached after {limit} rounds of ticks")


def advance(net: Devnet, seconds: int) -> None:
    net.node.increase_time(seconds)
    net.node.mine()


def test_honest_journey_claim_train_attest_finalize_and_restart(
    net: Devnet, spec: JobSpec, specs: MappingSpecSource, tmp_path: Path
) -> None:
    market = net.actor("deployer").protocol.market
    stakes = net.actor("deployer").protocol.stakes
    job_id = post(net, spec)
    runner = InlineRunner()
    solver = SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp_path, "solver", min_credit=0),
        runner=runner,
    )  # fmt: skip
    verifiers = [
        VerifierAgent(
            net.actor(n).protocol, specs, config(net, tmp_path, n, min_credit=0), runner=runner
        )
        for n in ("verifier1", "verifier2")
    ]
    # One tick claims; then the process is "killed" and a new one resumes from its cursor.
    solver.tick()
    assert market.job_status(job_id) == JobStatus.CLAIMED
    assert job_id in solver.monitor.cursor.jobs
    cursor_block = solver.monitor.cursor.block
    solver = SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp_path, "solver", min_credit=0),
        runner=runner,
    )  # fmt: skip
    assert solver.monitor.cursor.block == cursor_block and job_id in solver.monitor.cursor.jobs
    agents: list[BaseAgent] = [solver, *verifiers]

    def attested() -> bool:
        a = market.assignments(job_id)
        return bool(a) and all(x.attested for x in a)

    run_until(agents, attested)
    job = market.get_job(job_id)
    assert job.status == JobStatus.SUBMITTED
    assert job.final_state == solver.work[job_id].steps[-1]
    assert job.trace_root == solver.work[job_id].trace_root

    advance(net, past_challenge(net, job_id))
    run_until(agents, lambda: market.job_status(job_id) == JobStatus.FINALIZED)
    assert stakes.credit_of(net.actor("solver").address) == ESCROW - 2 * FEE_EACH
    for n in ("verifier1", "verifier2"):
        assert stakes.credit_of(net.actor(n).address) == FEE_EACH

    advance(net, job.params.revealWindow + 1)
    run_until(agents, lambda: market.get_job(job_id).verifiers_released)
    # A restarted solver with credit claiming on pays the credit out.
    claimer = SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp_path, "solver"), runner=runner
    )
    claimer.tick()
    assert stakes.credit_of(net.actor("solver").address) == 0


def cheat(step: int, op: int) -> tuple[Callable[[Trace], Trace], Callable[[int, Trace], Trace]]:
    """Hooks perturbing h_step.. and, in step `step`'s op trace, r_op.. (r_N = the fake h_step)."""

    def bad(h: StateHash) -> StateHash:
        return StateHash(keccak(b"cheat" + bytes(h)))

    def steps(trace: Trace) -> Trace:
        return tuple(h if i < step else bad(h) for i, h in enumerate(trace))

    def ops(s: int, trace: Trace) -> Trace:
        if s != step:
            return trace
        return tuple(h if j < op else bad(h) for j, h in enumerate(trace))

    return steps, ops


def cheating_solver(
    net: Devnet, specs: MappingSpecSource, tmp: Path, runner: InlineRunner
) -> SolverAgent:
    """The solver agent, with a trace wrong from step 4, operator 37 (see `cheat`)."""
    steps_hook, ops_hook = cheat(step=4, op=37)
    return SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp, "solver"), runner=runner,
        steps_hook=steps_hook, ops_hook=ops_hook,
    )  # fmt: skip


def referee_agents(
    net: Devnet, specs: MappingSpecSource, tmp: Path, runner: InlineRunner
) -> list[BaseAgent]:
    """The two devnet referees, recomputing by replay."""
    return [
        RefereeAgent(
            net.actor(n).protocol,
            specs,
            config(net, tmp, n),
            runner=runner,
            recompute=replay_recompute(specs, tmp / n / "replay"),
        )
        for n in ("referee", "referee2")
    ]


def test_cheating_solver_is_challenged_and_loses_both_phases_to_a_replaying_referee(
    net: Devnet, spec: JobSpec, specs: MappingSpecSource, tmp_path: Path
) -> None:
    p = net.actor("deployer").protocol
    job_id = post(net, spec)
    runner = InlineRunner()
    solver = cheating_solver(net, specs, tmp_path, runner)
    verifier = VerifierAgent(
        net.actor("verifier1").protocol, specs, config(net, tmp_path, "v1"), runner=runner
    )
    referees = referee_agents(net, specs, tmp_path, runner)
    agents: list[BaseAgent] = [solver, verifier, *referees]
    me = net.actor("verifier1").address

    run_until(agents, lambda: int(p.game.game_of(job_id, me)) != 0)
    game_id = p.game.game_of(job_id, me)
    run_until(agents, lambda: p.game.get_game(game_id).status == GameStatus.ADJUDICATING, 80)
    g = p.game.get_game(game_id)
    assert (g.step, g.lo, g.hi) == (4, 36, 37)
    run_until(agents, lambda: p.game.get_game(game_id).status.is_resolved, 20)
    assert p.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    job = p.market.get_job(job_id)
    assert job.status == JobStatus.FAILED and job.winning_challenger == me
    req = p.court.get_request(g.request_id)
    assert req.resolved and req.decision != req.claimed_output

    advance(net, past_reveal(net, job_id))
    run_until(agents, lambda: p.market.get_job(job_id).solver_settled)


def test_solver_does_not_claim_a_job_posted_with_parameters_its_spec_does_not_give(
    net: Devnet, spec: JobSpec, specs: MappingSpecSource, tmp_path: Path
) -> None:
    # A submitter can post steps, graph hash, N and h_0 that disagree with the spec: the chain
    # cannot tell. A solver that claimed could not submit or defend and would be slashed.
    market = net.actor("deployer").protocol.market
    data = load_dataset(spec.data, int(spec.training.seed))
    c = commitments(spec, data)
    as_submitter = net.actor("submitter").protocol.market
    posted = dict(spec_hash=c.spec_hash, spec_uri="file://digits-mlp.toml", steps=c.steps,
                  graph_hash=c.graph_hash, ops_per_step=c.ops_per_step,
                  initial_state=c.initial_state, budget_wei=BUDGET)  # fmt: skip
    traps = [
        as_submitter.post_job(**{**posted, "ops_per_step": c.ops_per_step + 1}),
        as_submitter.post_job(**{**posted, "ops_per_step": 1}),
        as_submitter.post_job(**{**posted, "steps": c.steps + 1}),
        as_submitter.post_job(**{**posted, "initial_state": StateHash(keccak(b"not h_0"))}),
    ]
    fair = as_submitter.post_job(**posted)
    solver = SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp_path, "solver"), runner=InlineRunner()
    )
    run_until([solver], lambda: market.job_status(fair) != JobStatus.OPEN)
    for _ in range(3):
        solver.tick()
    assert [market.job_status(j) for j in traps] == [JobStatus.OPEN] * len(traps)
    assert solver.checked == {**{int(j): False for j in traps}, int(fair): True}


def test_solver_truncating_its_op_trace_cannot_commit_it_and_loses_on_time(
    net: Devnet, spec: JobSpec, specs: MappingSpecSource, tmp_path: Path
) -> None:
    # The critical review finding, with real agents: the cheater's op trace of the disputed step
    # is an honest prefix (3 records) ending at its claim. The contract refuses N' != N, the
    # cheater's agent keeps failing only that move, and the honest challenger wins on time.
    p = net.actor("deployer").protocol
    job_id = post(net, spec)
    runner = InlineRunner()
    steps_hook, _ = cheat(step=3, op=1)

    def ops_hook(s: int, trace: Trace) -> Trace:
        if s != 3:
            return trace
        claimed = StateHash(keccak(b"cheat" + bytes(trace[-1])))  # the fake h_3 of `cheat`
        return (*trace[:3], claimed)

    solver = SolverAgent(
        net.actor("solver").protocol, specs, config(net, tmp_path, "solver"), runner=runner,
        steps_hook=steps_hook, ops_hook=ops_hook,
    )  # fmt: skip
    verifier = VerifierAgent(
        net.actor("verifier1").protocol, specs, config(net, tmp_path, "v1"), runner=runner
    )
    agents: list[BaseAgent] = [solver, verifier]
    me = net.actor("verifier1").address
    run_until(agents, lambda: int(p.game.game_of(job_id, me)) != 0)
    game_id = p.game.game_of(job_id, me)
    run_until(agents, lambda: p.game.get_game(game_id).status == GameStatus.AWAITING_OP_TRACE)
    for _ in range(3):  # the cheater's commit reverts (WrongOpCount) every tick
        for a in agents:
            a.tick()
    g = p.game.get_game(game_id)
    assert (g.status, g.step, g.n_ops) == (GameStatus.AWAITING_OP_TRACE, 3, 0)
    advance(net, p.market.get_job(job_id).params.clockBudget + 1)
    run_until(agents, lambda: p.game.get_game(game_id).status.is_resolved)
    assert p.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    assert p.market.job_status(job_id) == JobStatus.FAILED


def test_an_outside_challenger_racing_the_drawn_verifier_takes_no_share_of_the_slash(
    net: Devnet, spec: JobSpec, specs: MappingSpecSource, tmp_path: Path
) -> None:
    # The review's sock puppet: a second address (here "challenger", never drawn: it holds no
    # verifier stake) challenges the cheat too, and may win first. Settlement waits for every
    # game and pays the slash's winner share to the drawn verifier who won; the outside winner gets
    # its bond back and nothing else, so a cheater's sock recovers none of its slash.
    p = net.actor("deployer").protocol
    job_id = post(net, spec)
    runner = InlineRunner()
    solver = cheating_solver(net, specs, tmp_path, runner)
    drawn = VerifierAgent(
        net.actor("verifier1").protocol,
        specs,
        config(net, tmp_path, "v1", min_credit=0),
        runner=runner,
    )
    outside = VerifierAgent(
        net.actor("challenger").protocol, specs, config(net, tmp_path, "outside", min_credit=0),
        runner=runner, verify_all=True,
    )  # fmt: skip
    referees = referee_agents(net, specs, tmp_path, runner)
    agents: list[BaseAgent] = [solver, outside, drawn, *referees]
    v1, sock = net.actor("verifier1").address, net.actor("challenger").address
    run_until(agents, lambda: bool(p.market.assignments(job_id)))
    assert v1 in {a.verifier for a in p.market.assignments(job_id)}
    assert sock not in {a.verifier for a in p.market.assignments(job_id)}

    def games() -> list[GameId]:
        return [p.game.game_of(job_id, who) for who in (v1, sock)]

    run_until(agents, lambda: all(int(g) != 0 for g in games()), 80)
    run_until(agents, lambda: all(p.game.get_game(g).status.is_resolved for g in games()), 200)
    assert [p.game.get_game(g).status for g in games()] == [GameStatus.CHALLENGER_WON] * 2
    before = {who: p.stakes.credit_of(who) for who in (v1, sock)}
    advance(net, past_reveal(net, job_id))
    run_until(agents, lambda: p.market.get_job(job_id).solver_settled)
    job = p.market.get_job(job_id)
    assert (job.winners, job.drawn_winners) == (2, 1)
    share = job.params.solverStake * job.params.slashWinnerShareBps // 10_000
    assert p.stakes.credit_of(v1) - before[v1] == share
    assert p.stakes.credit_of(sock) == before[sock]  # its bond came back when its game was won
    err = None
    try:
        net.actor("challenger").protocol.market.claim_winner_share(job_id)
    except RevertError as exc:
        err = exc
    assert err is not None and err.name == "NothingToClaim"
