"""The agents' end-to-end catalogue: cheats caught, and robustness of the agents.

Every test runs real agents (SolverAgent, VerifierAgent, RefereeAgents) tick by tick on
the session devnet (reverted after each test). No sleeps: time only moves when a test advances
anvil, and every loop is bounded (`run_until`). Training runs inline on a 4-step digits MLP with
a checkpoint every step.

A cheating solver is an honest SolverAgent whose committed step trace and op traces are replaced
through `steps_hook`/`ops_hook`. Where cheap, the replacement is a REAL training variant: a
`Trainer` run that really trains differently (another learning rate, a skipped step, another
data order, another init, one scaled gradient, tampered final weights), recorded with the same
op tracer the honest replay uses. Only the committed h_0 is forced to the job's initialState
(the game takes it as agreed) and an op trace's r_0/r_N to the cheat's own h_{s-1}/h_s. The
single-operator cheat is a hash perturbation (a real kernel fault is not worth faking here).

Each game is checked against the contract's bound: moves (distinct transactions emitting an
event of the game) <= 2 * maxRounds(T, N, k) + MOVE_OVERHEAD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from eth_hash.auto import keccak

from assay.agents.actions import Choose
from assay.agents.base import AgentConfig, BaseAgent, Step
from assay.agents.manifest import ManifestPublisher
from assay.agents.player import choose_at
from assay.agents.responder import Outcome, send_move
from assay.agents.runner import InlineRunner
from assay.agents.views import chain_now, load_game
from assay.agents.work import MappingSpecSource, Trace, step_op_trace, train_trace
from assay.chain.artifacts import load_abi
from assay.chain.devnet import Devnet
from assay.net.blobs import BlobServer
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, Party, StateHash
from assay.repro import rng
from assay.repro.data import load_dataset
from assay.repro.graph import graph_hash, ops_per_step
from assay.repro.tracer import Recorder, chain_leaves
from assay.repro.trainer import Trainer
from assay.repro.zoo import build_model
from assay.store import LocalStore
from referee.agent import RefereeAgent
from referee.peer import PeerRecompute
from referee.recompute import replay_recompute
from solver.agent import SolverAgent
from tests.conftest import past_challenge, past_reveal
from verifier.agent import VerifierAgent

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
STEPS = 4
BUDGET = 10**18 // 2


# ------------------------------------------------------------------------------ the job


@pytest.fixture(scope="module")
def spec() -> JobSpec:
    raw = load_spec(ROOT / "examples" / "digits-mlp.toml").model_dump(mode="json")
    raw["training"]["steps"] = STEPS
    raw["checkpoint"]["interval"] = 1
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def specs(spec: JobSpec) -> MappingSpecSource:
    return MappingSpecSource({spec_hash(spec): spec})


@pytest.fixture(scope="module")
def data(spec: JobSpec) -> Any:
    return load_dataset(spec.data, int(spec.training.seed))


@dataclass(frozen=True)
class Honest:
    """The honest run: h_0..h_T and every step's op trace r_0..r_N."""

    steps: Trace
    ops: dict[int, Trace]


@pytest.fixture(scope="module")
def honest(spec: JobSpec, tmp_path_factory: pytest.TempPathFactory) -> Honest:
    directory = tmp_path_factory.mktemp("honest")
    steps = train_trace(spec, directory)
    ops = {s: step_op_trace(spec, directory, s) for s in range(1, STEPS + 1)}
    return Honest(steps, ops)


# ------------------------------------------------------------------------------ cheat traces


class CheatTrainer(Trainer):
    """A Trainer that trains the job's spec wrongly in one declared way.

    Args:
        grad_step: at this step, the gradient of the first parameter is scaled by 1.5 (outside
            the op recorder, so the op trace keeps its length but not its values).
        skip_step: this step does no update (the step counter still advances).
        order_seed: batches come from the data permutation of this seed, not the job's.
        init_seed: the parameters start from a model initialised with this seed.
    """

    def __init__(
        self,
        spec: Any,
        data: Any,
        *,
        grad_step: int | None = None,
        skip_step: int | None = None,
        order_seed: int | None = None,
        init_seed: int | None = None,
    ) -> None:
        super().__init__(spec, data)
        self.grad_step, self.skip_step, self.order_seed = grad_step, skip_step, order_seed
        if init_seed is not None:
            other = dict(
                build_model(spec.model, data.info, init_seed, self.device).named_parameters()
            )
            with torch.no_grad():
                for name, p in self.params.items():
                    p.copy_(other[name])

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.order_seed is None:
            return super().batch(step)
        per_epoch = self.n_train // self.batch_size
        epoch, index = divmod(step - 1, per_epoch)
        order = rng.permutation(
            self.n_train, seed=self.order_seed, purpose="data/order", step=epoch
        )
        rows = order[index * self.batch_size : (index + 1) * self.batch_size].to(self.device)
        return self.x_train.index_select(0, rows), self.y_train.index_select(0, rows)

    def train_step(self, recorder: Any = None) -> float:
        if self.step + 1 == self.skip_step:
            self.step += 1
            return 0.0
        return super().train_step(recorder)

    def _update_in_place(
        self, names: list[str], grads: list[torch.Tensor], lr: float, step: int
    ) -> bool:
        # The wrong gradient is applied in the op-by-op update, so that step must take it.
        return step != self.grad_step and super()._update_in_place(names, grads, lr, step)

    def _update(self, name: str, g: torch.Tensor, lr: float, step: int) -> None:
        if step == self.grad_step and name == min(self.params):
            recorder, self.mode.recorder = self.mode.recorder, None
            g = g * 1.5
            self.mode.recorder = recorder
        super()._update(name, g, lr, step)


Make = Callable[[JobSpec, Any], Trainer]


def recorded_leaves(trainer: Trainer, step: int) -> list[StateHash]:
    """The record leaves r_1..r_{N-1} of `trainer`'s next step (which must be `step`)."""
    assert trainer.step == step - 1
    start = trainer.state_hash()
    recorder = Recorder()
    trainer.train_step(recorder)
    return chain_leaves(start, recorder.records)[1:]


@dataclass(frozen=True)
class CheatTraces:
    """What the cheating solver commits: its step trace and its op trace of any step."""

    steps: Trace
    ops: Callable[[int, Trace], Trace]


def variant(make: Make, spec: JobSpec, data: Any, honest: Honest, tamper: bool) -> CheatTraces:
    """The traces of a real training run by `make`; `tamper` then changes the final weights."""
    t = make(spec, data)
    hashes = [honest.steps[0]]  # the game takes h_0 = job.initialState as agreed
    for _ in range(STEPS):
        t.train_step()
        hashes.append(t.state_hash())
    if tamper:
        with torch.no_grad():
            t.params[min(t.params)].add_(1e-3)
        hashes[-1] = t.state_hash()
    steps = tuple(hashes)

    def ops(s: int, honest_ops: Trace) -> Trace:
        t = make(spec, data)
        while t.step < s - 1:
            t.train_step()
        mid = recorded_leaves(t, s)
        if len(mid) != len(honest_ops) - 2:  # a skipped step ran no operator: copy the records
            mid = list(honest_ops[1:-1])
        return (steps[s - 1], *mid, steps[s])

    return CheatTraces(steps, ops)


def perturbed(honest: Honest, step: int, op: int) -> CheatTraces:
    """Hash perturbation: h_step.. and r_op.. of step `step` replaced (r_N = the fake h_step)."""

    def bad(h: StateHash) -> StateHash:
        return StateHash(keccak(b"cheat" + bytes(h)))

    steps = tuple(h if i < step else bad(h) for i, h in enumerate(honest.steps))

    def ops(s: int, trace: Trace) -> Trace:
        if s != step:
            return (steps[s - 1], *trace[1:-1], steps[s])
        return tuple(h if j < op else bad(h) for j, h in enumerate(trace))

    return CheatTraces(steps, ops)


@dataclass(frozen=True)
class Cheat:
    """One way to cheat; `build` gives its traces, `real` says whether training produced them."""

    id: str
    real: bool
    step: int  # the first step whose committed hash differs from the honest one
    build: Callable[[JobSpec, Any, Honest], CheatTraces]


def _with_lr(spec: JobSpec, data: Any) -> Trainer:
    raw = spec.model_dump(mode="json")
    raw["training"]["optimizer"]["lr"] = float(spec.training.optimizer.lr) * 10
    return Trainer(spec_from_dict(raw), data)


def _real(make: Make, tamper: bool = False) -> Callable[[JobSpec, Any, Honest], CheatTraces]:
    return lambda spec, data, honest: variant(make, spec, data, honest, tamper)


CHEATS = [
    Cheat("wrong-gradient", True, 3, _real(lambda s, d: CheatTrainer(s, d, grad_step=3))),
    Cheat("wrong-lr", True, 1, _real(_with_lr)),
    Cheat("skipped-step", True, 2, _real(lambda s, d: CheatTrainer(s, d, skip_step=2))),
    Cheat("data-order", True, 1, _real(lambda s, d: CheatTrainer(s, d, order_seed=7))),
    Cheat("tampered-final", True, STEPS, _real(Trainer, tamper=True)),
    Cheat("wrong-init", True, 1, _real(lambda s, d: CheatTrainer(s, d, init_seed=7))),
    Cheat("one-op", False, 4, lambda spec, data, honest: perturbed(honest, step=4, op=37)),
]


def first_difference(a: Sequence[StateHash], b: Sequence[StateHash]) -> int:
    return next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)


# ------------------------------------------------------------------------------ running agents


def post(net: Devnet, spec: JobSpec, honest: Honest, data: Any) -> JobId:
    return net.actor("submitter").protocol.market.post_job(
        spec_hash=spec_hash(spec),
        spec_uri="file://digits-mlp.toml",
        steps=STEPS,
        graph_hash=graph_hash(spec, data),
        ops_per_step=ops_per_step(spec, data),
        initial_state=honest.steps[0],
        budget_wei=BUDGET,
    )


class Table:
    """Builds agents for one test: one InlineRunner, one state dir per name, credits unclaimed.

    The solver serves its artifacts (manifest, operator inputs) from a real blob service, and
    the referees recompute one operator from those inputs (`PeerRecompute`), replaying the job
    only when the inputs cannot be had or do not check out.
    """

    def __init__(
        self,
        net: Devnet,
        specs: MappingSpecSource,
        tmp: Path,
        store: LocalStore,
        server: BlobServer,
    ) -> None:
        self.net, self.specs, self.tmp, self.runner = net, specs, tmp, InlineRunner()
        self.p = net.actor("deployer").protocol
        self.store, self.server = store, server
        self.recomputes: list[PeerRecompute] = []

    def referee_paths(self) -> dict[str, int]:
        """How the referees answered: {"op-inputs": n, "replay": m}, summed."""
        return {k: sum(r.paths[k] for r in self.recomputes) for k in ("op-inputs", "replay")}

    def config(self, name: str) -> AgentConfig:
        assert self.net.deployment is not None
        return AgentConfig(
            cursor_path=self.tmp / name / "cursor.json",
            workdir=self.tmp / name / "work",
            start_block=self.net.deployment.block_number,
            min_credit=0,
        )

    def solver(self, cheat: CheatTraces | None = None) -> SolverAgent:
        hooks: dict[str, Any] = {}
        if cheat is not None:
            hooks = {"steps_hook": lambda _: cheat.steps, "ops_hook": cheat.ops}
        store = self.store
        return SolverAgent(
            self.net.actor("solver").protocol, self.specs, self.config("solver"),
            runner=self.runner, publish=ManifestPublisher(store, [self.server.endpoint]),
            op_inputs_store=store, **hooks,
        )  # fmt: skip

    def verifier(self, actor: str, state: str | None = None, **kw: Any) -> VerifierAgent:
        return VerifierAgent(
            self.net.actor(actor).protocol, self.specs, self.config(state or actor),
            runner=self.runner, **kw,
        )  # fmt: skip

    def referee(self, actor: str, recompute: PeerRecompute) -> RefereeAgent:
        return RefereeAgent(
            self.net.actor(actor).protocol, self.specs, self.config(actor),
            runner=self.runner, recompute=recompute,
        )  # fmt: skip

    def referees(self) -> list[RefereeAgent]:
        agents = []
        for n in ("referee", "referee2"):
            fallback = replay_recompute(self.specs, self.tmp / n)
            store = LocalStore(self.tmp / n / "store")
            recompute = PeerRecompute(
                self.specs, store, self.p.game.get_game, fallback, timeout=2.0
            )
            self.recomputes.append(recompute)
            agents.append(self.referee(n, recompute))
        return agents

    def game(self, game_id: GameId) -> Any:
        return self.p.game.get_game(game_id)

    def advance(self, seconds: int) -> None:
        self.net.node.increase_time(seconds)
        self.net.node.mine()


@pytest.fixture
def table(net: Devnet, specs: MappingSpecSource, tmp_path: Path) -> Iterator[Table]:
    store = LocalStore(tmp_path / "solver-store")
    with BlobServer(store) as server:
        yield Table(net, specs, tmp_path, store, server)


def run_until(
    agents: Sequence[BaseAgent],
    done: Callable[[], bool],
    limit: int = 60,
    log: list[Step] | None = None,
) -> int:
    """Tick every agent in turn until `done()`; fails after `limit` rounds."""
    for n in range(limit):
        if done():
            return n
        for a in agents:
            steps = a.tick()
            if log is not None:
                log.extend(steps)
    raise AssertionError(f"condition not reached after {limit} rounds of ticks")


def moves(table: Table, game_id: GameId) -> int:
    """Transactions that moved the game: each emitted a DisputeGame event indexed by its id."""
    assert table.net.deployment is not None
    logs = table.net.node.w3.eth.get_logs(
        {
            "address": table.p.game.address,
            "fromBlock": table.net.deployment.block_number,
            "toBlock": "latest",
            "topics": [None, "0x" + int(game_id).to_bytes(32, "big").hex()],
        }
    )
    return len({bytes(e["transactionHash"]) for e in logs})


def assert_bounded(table: Table, game_id: GameId, honest: Honest) -> None:
    """moves <= 2 * maxRounds(T, N, k) + MOVE_OVERHEAD and rounds <= maxRounds."""
    g = table.game(game_id)
    job = table.p.market.get_job(g.job_id)
    n_ops = g.n_ops or len(honest.ops[1]) - 1
    bound = table.p.game.max_rounds(STEPS, n_ops, job.params.bisectionArity)
    full = table.net.node.w3.eth.contract(address=table.p.game.address, abi=load_abi("DisputeGame"))
    overhead = int(full.functions.MOVE_OVERHEAD().call())
    assert g.rounds <= bound
    assert 0 < moves(table, game_id) <= 2 * bound + overhead


def resolved(table: Table, game_id: GameId) -> Callable[[], bool]:
    return lambda: table.game(game_id).status.is_resolved


def started(table: Table, job_id: JobId, name: str) -> Callable[[], bool]:
    me = table.net.actor(name).address
    return lambda: int(table.p.game.game_of(job_id, me)) != 0


def game_of(table: Table, job_id: JobId, name: str) -> GameId:
    return table.p.game.game_of(job_id, table.net.actor(name).address)


def game_count(table: Table) -> int:
    return table.p.game.game_count()


# ------------------------------------------------------------------------------ the tracer


def test_cheat_tracer_reproduces_the_honest_replay(
    spec: JobSpec, data: Any, honest: Honest
) -> None:
    """Control: a plain Trainer recorded step by step gives the honest replay's hashes, so every
    difference a variant shows comes from the variant itself."""
    traces = variant(Trainer, spec, data, honest, tamper=False)
    assert traces.steps == honest.steps
    for s in (1, STEPS):
        assert traces.ops(s, honest.ops[s]) == honest.ops[s]


# ------------------------------------------------------------------------------ cheats caught


@pytest.mark.parametrize("cheat", CHEATS, ids=[c.id for c in CHEATS])
def test_cheat_is_caught_and_the_verifier_wins_within_the_bound(
    cheat: Cheat, table: Table, spec: JobSpec, data: Any, honest: Honest
) -> None:
    """The cheating solver is challenged by a replaying verifier; bisection isolates the first
    wrong step, then the first wrong operator; the referees' replay decides for the verifier."""
    p = table.p
    traces = cheat.build(spec, data, honest)
    step = first_difference(traces.steps, honest.steps)
    assert step == cheat.step and traces.steps[0] == honest.steps[0]
    cheat_ops = traces.ops(step, honest.ops[step])
    assert len(cheat_ops) == len(honest.ops[step]) and cheat_ops[0] == honest.ops[step][0]
    job_id = post(table.net, spec, honest, data)
    me = table.net.actor("verifier1").address
    agents: list[BaseAgent] = [table.solver(traces), table.verifier("verifier1"), *table.referees()]
    credit_before = p.stakes.credit_of(me)

    run_until(agents, started(table, job_id, "verifier1"))
    game_id = game_of(table, job_id, "verifier1")
    run_until(agents, lambda: table.game(game_id).status == GameStatus.ADJUDICATING, 80)
    g = table.game(game_id)
    # Bisection isolates an operator whose input the two traces agree on and whose output
    # they do not (not necessarily the first difference: later leaves may agree again).
    assert g.step == step and g.hi == g.lo + 1
    assert cheat_ops[g.lo] == honest.ops[step][g.lo] and cheat_ops[g.hi] != honest.ops[step][g.hi]
    if cheat.id == "one-op":
        assert (g.lo, g.hi) == (36, 37)
    run_until(agents, resolved(table, game_id), 20)
    g = table.game(game_id)
    assert g.status == GameStatus.CHALLENGER_WON
    req = p.court.get_request(g.request_id)
    assert req.resolved and req.decision == honest.ops[step][g.hi] != req.claimed_output
    # Each referee recomputed the one operator from the solver's checked inputs, except when
    # the disputed leaf is the end state r_N (no operator: the step is replayed).
    paths = table.referee_paths()
    used, unused = ("op-inputs", "replay") if g.hi < g.n_ops else ("replay", "op-inputs")
    assert paths[used] >= 1 and paths[unused] == 0, paths
    job = p.market.get_job(job_id)
    assert job.status == JobStatus.FAILED and job.winning_challenger == me
    assert_bounded(table, game_id, honest)

    table.advance(past_reveal(table.net, job_id))
    run_until(agents, lambda: p.market.get_job(job_id).solver_settled)
    won = job.params.challengeBond + job.params.solverStake // 2
    assert p.stakes.credit_of(me) - credit_before == won


# ------------------------------------------------------------------------------ robustness


@pytest.fixture(scope="module")
def late_cheat(honest: Honest) -> CheatTraces:
    """A cheap cheat for the robustness tests: hash-perturbed from step 3 (op 20)."""
    return perturbed(honest, step=3, op=20)


def test_solver_that_stops_answering_loses_on_time(
    table: Table, spec: JobSpec, data: Any, honest: Honest, late_cheat: CheatTraces
) -> None:
    p = table.p
    job_id = post(table.net, spec, honest, data)
    solver, verifier = table.solver(late_cheat), table.verifier("verifier1")
    run_until([solver, verifier], started(table, job_id, "verifier1"))
    game_id = game_of(table, job_id, "verifier1")
    # The solver answers one round, then goes silent at its turn.
    run_until(
        [solver, verifier],
        lambda: table.game(game_id).rounds >= 1 and table.game(game_id).turn == Party.SOLVER,
    )
    before = moves(table, game_id)
    for _ in range(3):
        verifier.tick()  # nothing to do while the solver's clock runs
    assert table.game(game_id).status == GameStatus.STEP_BISECTION
    assert moves(table, game_id) == before

    table.advance(p.market.get_job(job_id).params.clockBudget + 1)
    run_until([verifier], resolved(table, game_id), 5)
    g = table.game(game_id)
    assert g.status == GameStatus.CHALLENGER_WON and int(g.request_id) == 0
    assert p.market.job_status(job_id) == JobStatus.FAILED
    assert moves(table, game_id) == before + 1  # the timeout claim
    assert_bounded(table, game_id, honest)


def test_lying_challenger_loses_its_bond(
    table: Table, spec: JobSpec, data: Any, honest: Honest
) -> None:
    """A challenger (driven through the bindings) disputes an honest result and then always
    disagrees with the first opening; the honest solver agent defends down to operator 1 of
    step 1 and the referees side with it. The job then finalizes."""
    p = table.p
    liar = table.net.actor("challenger").protocol
    job_id = post(table.net, spec, honest, data)
    solver = table.solver()
    agents: list[BaseAgent] = [solver, *table.referees()]
    run_until(agents, lambda: p.market.job_status(job_id) == JobStatus.SUBMITTED)
    job = p.market.get_job(job_id)
    solver_credit = p.stakes.credit_of(table.net.actor("solver").address)
    game_id = liar.game.challenge(job_id, job.final_state, job.params.challengeBond)

    for _ in range(80):
        g = table.game(game_id)
        if g.status.is_resolved:
            break
        if g.status in (GameStatus.STEP_BISECTION, GameStatus.OP_BISECTION) and (
            g.turn == Party.CHALLENGER
        ):
            gv = load_game(
                liar.game, liar.court, game_id, liar.market.sender.address,
                arity=job.params.bisectionArity, from_block=table.config("x").start_block,
            )  # fmt: skip
            assert gv.openings is not None
            send_move(liar.game, choose_at(g, gv.openings, 0))
        for a in agents:
            a.tick()
    g = table.game(game_id)
    assert g.status == GameStatus.SOLVER_WON
    assert (g.step, g.lo, g.hi) == (1, 0, 1)
    assert_bounded(table, game_id, honest)
    bond, share = job.params.challengeBond, job.params.slashWinnerShareBps
    earned = p.stakes.credit_of(table.net.actor("solver").address) - solver_credit
    assert earned == bond * share // 10_000
    assert p.stakes.credit_of(table.net.actor("challenger").address) == 0
    assert p.game.total_bonds() == 0

    table.advance(past_challenge(table.net, job_id))
    run_until(agents, lambda: p.market.job_status(job_id) == JobStatus.FINALIZED)


def test_verifier_killed_mid_dispute_restarts_from_its_cursor_and_wins(
    table: Table,
    spec: JobSpec,
    data: Any,
    honest: Honest,
    late_cheat: CheatTraces,
) -> None:
    """The verifier object is dropped mid-game, in phase 2 (its replay and op trace die with
    it; an in-process kill: `assay verifier run` as a SIGKILLed subprocess is left to the CLI
    tests, whose store/BlobServer setup would double this test's cost); a new
    one built from the same state dir resumes from the cursor, replays again and wins."""
    p = table.p
    job_id = post(table.net, spec, honest, data)
    solver, referees = table.solver(late_cheat), table.referees()
    verifier = table.verifier("verifier1")
    run_until([solver, verifier, *referees], started(table, job_id, "verifier1"))
    game_id = game_of(table, job_id, "verifier1")
    run_until(
        [solver, verifier, *referees],
        lambda: table.game(game_id).status == GameStatus.OP_BISECTION,
        40,
    )
    assert table.game(game_id).status.is_resolved is False
    cursor = verifier.monitor.cursor.block
    del verifier

    reborn = table.verifier("verifier1")
    assert reborn.monitor.cursor.block == cursor and job_id in reborn.monitor.cursor.jobs
    assert reborn.work == {}
    run_until([solver, reborn, *referees], resolved(table, game_id), 80)
    assert table.game(game_id).status == GameStatus.CHALLENGER_WON
    assert p.market.get_job(job_id).winning_challenger == table.net.actor("verifier1").address
    assert_bounded(table, game_id, honest)


def test_two_challengers_play_in_parallel_and_both_win(
    table: Table, spec: JobSpec, data: Any, honest: Honest, late_cheat: CheatTraces
) -> None:
    p = table.p
    job_id = post(table.net, spec, honest, data)
    agents: list[BaseAgent] = [
        table.solver(late_cheat),
        table.verifier("verifier1"),
        table.verifier("verifier2"),
        *table.referees(),
    ]
    run_until(
        agents,
        lambda: started(table, job_id, "verifier1")() and started(table, job_id, "verifier2")(),
    )
    games = [game_of(table, job_id, n) for n in ("verifier1", "verifier2")]
    assert games[0] != games[1]
    run_until(agents, lambda: all(resolved(table, g)() for g in games), 100)
    for g in games:
        assert table.game(g).status == GameStatus.CHALLENGER_WON
        assert_bounded(table, g, honest)
    job = p.market.get_job(job_id)
    assert job.status == JobStatus.FAILED and job.open_games == 0
    assert p.game.total_bonds() == 0
    for n in ("verifier1", "verifier2"):
        assert p.stakes.credit_of(table.net.actor(n).address) >= job.params.challengeBond


# Regression: both agents used to abandon a game once another challenger's win failed the job.
def test_second_challenger_still_wins_after_the_first_fails_the_job(
    table: Table, spec: JobSpec, data: Any, honest: Honest, late_cheat: CheatTraces
) -> None:
    """verifier2 comes online late: it challenges while verifier1's game is already in phase 2,
    so verifier1's win fails the job while verifier2's game is still being played. Games on a
    job are independent: verifier2 must still win its own (and get its bond back)."""
    p = table.p
    job_id = post(table.net, spec, honest, data)
    agents: list[BaseAgent] = [table.solver(late_cheat), table.verifier("verifier1")]
    agents += table.referees()
    run_until(agents, started(table, job_id, "verifier1"))
    first = game_of(table, job_id, "verifier1")
    run_until(agents, lambda: table.game(first).status == GameStatus.OP_BISECTION, 40)
    agents.append(table.verifier("verifier2"))
    run_until(agents, started(table, job_id, "verifier2"))
    second = game_of(table, job_id, "verifier2")
    run_until(agents, resolved(table, first), 60)
    assert p.market.job_status(job_id) == JobStatus.FAILED
    assert not table.game(second).status.is_resolved
    run_until(agents, resolved(table, second), 25)
    assert table.game(second).status == GameStatus.CHALLENGER_WON


def test_duplicate_verifier_instances_share_the_game_without_double_moves(
    table: Table, spec: JobSpec, data: Any, honest: Honest, late_cheat: CheatTraces
) -> None:
    """Two agent processes of the same verifier account (own state dirs) tick the same game.
    A move decided on a stale view and sent after its twin made it is counted ALREADY_DONE."""
    p = table.p
    job_id = post(table.net, spec, honest, data)
    solver, referees = table.solver(late_cheat), table.referees()
    a, b = table.verifier("verifier1", "a"), table.verifier("verifier1", "b")
    log: list[Step] = []
    run_until([solver, a, b, *referees], started(table, job_id, "verifier1"), log=log)
    game_id = game_of(table, job_id, "verifier1")
    raced: list[Outcome] = []
    for _ in range(80):
        g = table.game(game_id)
        if g.status.is_resolved:
            break
        for agent in (solver, *referees):
            log.extend(agent.tick())
        g = table.game(game_id)
        stale: list[Choose] = []
        if g.turn == Party.CHALLENGER and g.status == GameStatus.STEP_BISECTION and not raced:
            now = chain_now(table.net.node.w3)
            stale = [x for x in b.decide_all(now) if isinstance(x, Choose)]
        if stale:
            log.extend(a.tick())  # a makes the move b has just decided
            raced = [b.responder.execute(x) for x in stale]
        else:
            log.extend(a.tick())
            log.extend(b.tick())
    assert raced == [Outcome.ALREADY_DONE]
    assert table.game(game_id).status == GameStatus.CHALLENGER_WON
    assert all(s.outcome != Outcome.FAILED for s in log)
    assert game_count(table) == 1
    assert_bounded(table, game_id, honest)
    assert p.market.get_job(job_id).status == JobStatus.FAILED


def test_honest_job_with_honest_verifiers_is_never_disputed(
    table: Table, spec: JobSpec, data: Any, honest: Honest
) -> None:
    """Two assigned verifiers and a verify-all watcher replay and never challenge; the job
    finalizes, verifiers are released, and no game was ever started."""
    p = table.p
    games = game_count(table)
    job_id = post(table.net, spec, honest, data)
    watcher = table.verifier("challenger", verify_all=True)
    agents: list[BaseAgent] = [
        table.solver(),
        table.verifier("verifier1"),
        table.verifier("verifier2"),
        watcher,
    ]
    log: list[Step] = []

    def attested() -> bool:
        a = p.market.assignments(job_id)
        return bool(a) and all(x.attested for x in a)

    run_until(agents, attested, log=log)
    assert watcher.work[job_id].steps == honest.steps
    job = p.market.get_job(job_id)
    table.advance(past_challenge(table.net, job_id))
    run_until(agents, lambda: p.market.job_status(job_id) == JobStatus.FINALIZED, log=log)
    table.advance(job.params.revealWindow + 1)
    run_until(agents, lambda: p.market.get_job(job_id).verifiers_released, log=log)
    assert game_count(table) == games
    assert p.game.game_of(job_id, table.net.actor("challenger").address) == 0
    assert p.market.get_job(job_id).open_games == 0
    assert all(s.outcome != Outcome.FAILED for s in log)
