"""`assay solver run`, `assay verifier run`, `assay referee run`, `assay challenge JOB_ID`.

Long-running agent processes: each connects as one account (assay/cli/context.py), serves its
artifact store with a BlobServer, resolves job specs from their on-chain specURI
(StoreSpecSource) and ticks its agent every `--interval` seconds until SIGINT/SIGTERM,
`--once`, or `--until-idle N` consecutive ticks with nothing to do. Every action is printed on
stdout (`role tick N: Action job=… -> outcome`) and logged (`agent.step`).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.live import Live

from assay.agents.actions import describe
from assay.agents.base import AgentConfig, BaseAgent, Step
from assay.agents.manifest import ManifestChecker, ManifestPublisher
from assay.agents.preflight import (
    DEFAULT_MAX_FLOPS,
    Limits,
    default_limits,
    format_bytes,
    parse_flops,
    parse_size,
    preflight_policy,
)
from assay.agents.progress import TrainingProgress
from assay.agents.runner import InlineRunner, InProcessRunner, TaskRunner
from assay.agents.specsource import StoreSpecSource
from assay.agents.work import OpsHook, StepsHook
from assay.cli.chainjob import DEFAULT_STORE, StoreDir, status_name
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    Chain,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    amount_parser,
    connect,
    console,
    fail,
    reporting,
    stop_on_signals,
)
from assay.cli.units import format_wei
from assay.errors import AssayError
from assay.net.blobs import BlobServer
from assay.protocol.types import JobId, JobStatus
from assay.store import LocalStore

log = structlog.get_logger(__name__)

solver_app = typer.Typer(no_args_is_help=True, help="Run a solver agent (claim, train, defend).")
verifier_app = typer.Typer(
    no_args_is_help=True, help="Run a verifier agent (replay, attest or challenge, play games)."
)
referee_app = typer.Typer(
    no_args_is_help=True, help="Run a referee agent (recompute disputed operators, vote)."
)

DEFAULT_AGENTS_DIR = Path(".assay/agents")
DEFAULT_BIND = "tcp://127.0.0.1:*"

StateDir = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="cursor and checkpoints (default .assay/agents/<role>-<address>); reuse it to resume",
    ),
]
Interval = Annotated[float, typer.Option("--interval", min=0.0, help="seconds between ticks")]
Once = Annotated[bool, typer.Option("--once", help="run one tick and exit (scripts, cron)")]
UntilIdle = Annotated[
    int | None,
    typer.Option(
        "--until-idle",
        min=1,
        metavar="N",
        help="exit after N consecutive ticks with nothing to do and no local work running",
    ),
]
Inline = Annotated[
    bool,
    typer.Option(
        "--inline", help="train/replay inside the tick (blocks the loop; scripts and tests)"
    ),
]
Bind = Annotated[
    str,
    typer.Option(
        "--bind",
        help="the BlobServer's address (tcp://HOST:PORT, * = any port); advertised to peers "
        "unless $ASSAY_ADVERTISE names another (e.g. tcp://solver:7000 behind Docker)",
    ),
]
TaskRunnerKind = Annotated[
    str,
    typer.Option(
        "--runner",
        envvar="ASSAY_TASK_RUNNER",
        metavar="inprocess|celery",
        help="where training, replay and op traces run: inprocess (a thread of this process) "
        "or celery (`assay worker` processes via $ASSAY_BROKER_URL; they must see --state-dir "
        "at the same absolute path)",
    ),
]


def _credit_parser(text: str | int) -> int:
    if isinstance(text, int):  # the default
        return text
    return 0 if text.strip() == "0" else amount_parser(text)


MinCredit = Annotated[
    int,
    typer.Option(
        "--min-credit",
        parser=_credit_parser,
        metavar="AMOUNT",
        help="claim credit once it reaches this (0 = never claim)",
    ),
]
Confirmations = Annotated[
    int, typer.Option("--confirmations", min=0, help="blocks behind head treated as final")
]


def _size_option(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _flops_option(text: str) -> int:
    try:
        return parse_flops(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


MaxMemory = Annotated[
    int | None,
    typer.Option(
        "--max-memory",
        parser=_size_option,
        metavar="SIZE",
        help="skip jobs whose estimated memory exceeds this (2GiB, 512MB, bytes; "
        "default 25% of physical memory)",
    ),
]
MaxFlops = Annotated[
    int | None,
    typer.Option(
        "--max-flops",
        parser=_flops_option,
        metavar="FLOPS",
        help=f"skip jobs whose estimated total FLOPs exceed this (e.g. 1e13; "
        f"default {DEFAULT_MAX_FLOPS:.0e})",
    ),
]


# ------------------------------------------------------------------------------ the loop


def _fmt(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        text = "0x" + bytes(value).hex()
        return text if len(text) <= 18 else text[:10] + "…" + text[-6:]
    return str(int(value)) if isinstance(value, int) else str(value)


def format_step(role: str, tick: int, step: Step) -> str:
    """`solver tick 3: SubmitResult job=1 final_state=0x… -> sent`."""
    a = step.action
    fields = " ".join(
        f"{f.name.removesuffix('_id')}={_fmt(getattr(a, f.name))}" for f in dataclasses.fields(a)
    )
    outcome = step.outcome if isinstance(step.outcome, str) else step.outcome.value
    return f"{role} tick {tick}: {describe(a)} {fields} -> {outcome}"


def busy(agent: BaseAgent) -> bool:
    """Whether local work is running or finished but not yet collected by a tick."""
    if any(not h.done() for h in agent.scheduler.running.values()):
        return True
    if any(w.task is not None or w.op_tasks for w in agent.work.values()):
        return True
    return bool(getattr(agent, "recomputing", None))


def run_loop(
    agent: BaseAgent,
    stop: threading.Event,
    *,
    interval: float,
    once: bool = False,
    until_idle: int | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Tick until `stop`, once, or `until_idle` idle ticks; returns the exit code.

    A failing tick (node unreachable, an unexpected revert) is logged and retried next tick;
    with --once or --until-idle the command then exits 1.
    """
    idle, tick, failed = 0, 0, False
    while not stop.is_set():
        tick += 1
        try:
            steps = agent.tick()
            failed = False
        except Exception as exc:  # a long-running agent survives any one bad tick
            log.exception("agent.tick_failed", agent=agent.role, tick=tick, reason=str(exc))
            echo(f"{agent.role} tick {tick}: failed: {type(exc).__name__}: {exc}")
            steps, failed = [], True
        for step in steps:
            echo(format_step(agent.role, tick, step))
            log.info(
                "agent.step",
                agent=agent.role,
                tick=tick,
                action=describe(step.action),
                outcome=str(step.outcome),
            )
        if once:
            break
        if until_idle is not None:
            idle = idle + 1 if not steps and not busy(agent) else 0
            if idle >= until_idle:
                break
        stop.wait(interval)
    return 1 if failed and (once or until_idle is not None) else 0


ADVERTISE_ENV = "ASSAY_ADVERTISE"


def advertised(server: BlobServer) -> str:
    """The endpoint peers are told to use: $ASSAY_ADVERTISE if set, else the bound one."""
    from assay.net.uri import validate_peer

    override = os.environ.get(ADVERTISE_ENV, "").strip()
    if not override:
        return server.endpoint
    try:
        return validate_peer(override)
    except AssayError as exc:
        fail(f"${ADVERTISE_ENV}: {exc}", "set it to tcp://HOST:PORT that peers can reach")


@dataclasses.dataclass
class AgentProcess:
    """What one agent process holds: chain, store, blob server, spec source, runner."""

    role: str
    chain: Chain
    state_dir: Path
    store: LocalStore
    server: BlobServer
    specs: StoreSpecSource
    runner: TaskRunner
    config: AgentConfig
    progress: TrainingProgress


def make_runner(kind: str, inline: bool) -> TaskRunner:
    """The TaskRunner `--runner` and `--inline` ask for; fails with a sentence if it cannot be.

    Celery is checked at once: the broker and result backend must answer (else exit 1), and a
    warning is printed if no worker consumes the queue yet (tasks then wait for one).
    """
    kind = kind.strip().lower()
    if kind not in ("inprocess", "celery"):
        fail(
            f"--runner must be inprocess or celery, got {kind!r}",
            "pass --runner inprocess|celery, or set $ASSAY_TASK_RUNNER to one of them",
        )
    if kind == "inprocess":
        return InlineRunner() if inline else InProcessRunner()
    if inline:
        fail("--inline runs the work inside the tick: it cannot be combined with --runner celery")
    from services.workers.errors import WorkerError
    from services.workers.runner import CeleryRunner

    try:
        runner = CeleryRunner()
        runner.check()
    except WorkerError as exc:
        fail(str(exc), "or run the agent with --runner inprocess; `assay worker --help` for setup")
    workers = runner.workers()
    console.print(
        f"tasks go to Celery queue {runner.queue!r}: "
        + (f"{len(workers)} worker(s) listening" if workers else "no worker listening yet "
           "(tasks wait until `assay worker` runs)"),
        markup=False,
    )  # fmt: skip
    return runner


@contextmanager
def agent_process(
    role: str,
    opts: ChainOptions,
    *,
    state_dir: Path | None,
    store: Path,
    bind: str,
    inline: bool,
    min_credit: int,
    confirmations: int,
    task_runner: str = "inprocess",
) -> Iterator[AgentProcess]:
    """Connect, open the store, start the BlobServer; close everything on exit."""
    runner = make_runner(task_runner, inline)
    chain = connect(opts)
    directory = state_dir or DEFAULT_AGENTS_DIR / f"{role}-{chain.address.lower()}"
    directory.mkdir(parents=True, exist_ok=True)
    local = LocalStore(store)
    config = AgentConfig(
        cursor_path=directory / "cursor.json",
        workdir=directory / "work",
        start_block=chain.deployment.block_number,
        confirmations=confirmations,
        min_credit=min_credit,
    )
    server = BlobServer(local, bind)
    try:
        # On a terminal the Live display shows progress; elsewhere train.progress is logged.
        progress = TrainingProgress(log_steps=not console.is_terminal)
        proc = AgentProcess(
            role, chain, directory, local, server, StoreSpecSource(local), runner, config, progress
        )
        console.print(
            f"{role} agent for {chain.address}: state {directory}, store {store}, "
            f"serving artifacts on {server.endpoint} (advertised as {advertised(server)})",
            soft_wrap=True,
            markup=False,
        )
        log.info(
            "agent.started",
            agent=role,
            account=chain.address,
            state_dir=str(directory),
            endpoint=server.endpoint,
        )
        yield proc
    finally:
        server.close()
        shutdown = getattr(runner, "shutdown", None)
        if shutdown is not None:
            shutdown()
        log.info("agent.stopped", agent=role, account=chain.address)


def _run(
    proc: AgentProcess,
    make: Callable[[AgentProcess], BaseAgent],
    *,
    interval: float,
    once: bool,
    until_idle: int | None,
) -> int:
    agent = make(proc)
    live: AbstractContextManager[Any] = (
        Live(proc.progress, console=console, refresh_per_second=4, transient=True)
        if console.is_terminal
        else nullcontext()
    )
    with stop_on_signals() as stop, live:
        code = run_loop(
            agent,
            stop,
            interval=interval,
            once=once,
            until_idle=until_idle,
            echo=lambda line: console.print(line, soft_wrap=True, markup=False),
        )
        reason = "signal" if stop.is_set() else "once" if once else "idle"
    console.print(f"{proc.role} agent stopped ({reason})")
    return code


def _referee_recompute(proc: AgentProcess) -> Any:
    """One operator from peers' checked inputs, falling back to a replay (referee.peer)."""
    from referee.peer import PeerRecompute
    from referee.recompute import replay_recompute

    fallback = replay_recompute(proc.specs, proc.state_dir / "referee")
    return PeerRecompute(proc.specs, proc.store, proc.chain.protocol.game.get_game, fallback)


def _parse_cheat(text: str) -> tuple[int, int]:
    try:
        step, op = (int(x) for x in text.split(":"))
    except ValueError:
        raise typer.BadParameter("--cheat-from takes STEP:OP, e.g. 4:37") from None
    if step < 1 or op < 1:
        raise typer.BadParameter("--cheat-from: STEP and OP start at 1")
    return step, op


# ------------------------------------------------------------------------------ commands


@solver_app.command("run")
def solver_run(
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    interval: Interval = 2.0,
    once: Once = False,
    until_idle: UntilIdle = None,
    inline: Inline = False,
    task_runner: TaskRunnerKind = "inprocess",
    bind: Bind = DEFAULT_BIND,
    min_credit: MinCredit = 1,
    confirmations: Confirmations = 0,
    max_memory: MaxMemory = None,
    max_flops: MaxFlops = None,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
    cheat_from: Annotated[
        str | None,
        typer.Option(
            "--cheat-from",
            hidden=True,
            metavar="STEP:OP",
            help="DEVNET DEMO ONLY: commit a wrong trace from training step STEP, operator OP",
        ),
    ] = None,
) -> None:
    """Claim open jobs whose spec resolves, train them, submit, defend the results in games.

    Example: assay solver run --dev-account solver --interval 2
    """
    from solver.agent import SolverAgent
    from solver.cheats import cheat_hooks

    hooks: tuple[StepsHook | None, OpsHook | None] = (None, None)
    if cheat_from is not None:
        if dev_account is None:
            fail("--cheat-from is a devnet demo option: it needs --dev-account")
        hooks = cheat_hooks(*_parse_cheat(cheat_from))
    defaults = default_limits()
    limits = Limits(
        max_memory=max_memory if max_memory is not None else defaults.max_memory,
        max_flops=max_flops if max_flops is not None else defaults.max_flops,
    )

    def make(p: AgentProcess) -> BaseAgent:
        publish = ManifestPublisher(p.store, [advertised(p.server)])
        mem = "no limit" if limits.max_memory is None else format_bytes(limits.max_memory)
        flops = "no limit" if limits.max_flops is None else f"{limits.max_flops:.3g}"
        console.print(f"solver limits: memory {mem}, flops {flops}", markup=False)
        return SolverAgent(
            p.chain.protocol, p.specs, p.config, runner=p.runner, publish=publish,
            op_inputs_store=p.store, steps_hook=hooks[0], ops_hook=hooks[1], progress=p.progress,
            policy=preflight_policy(p.specs, limits),
        )  # fmt: skip

    with reporting():
        opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
        with agent_process(
            "solver", opts, state_dir=state_dir, store=store, bind=bind, inline=inline,
            min_credit=min_credit, confirmations=confirmations, task_runner=task_runner,
        ) as proc:  # fmt: skip
            code = _run(proc, make, interval=interval, once=once, until_idle=until_idle)
    raise typer.Exit(code)


@verifier_app.command("run")
def verifier_run(
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    interval: Interval = 2.0,
    once: Once = False,
    until_idle: UntilIdle = None,
    inline: Inline = False,
    task_runner: TaskRunnerKind = "inprocess",
    bind: Bind = DEFAULT_BIND,
    min_credit: MinCredit = 1,
    confirmations: Confirmations = 0,
    verify_all: Annotated[
        bool,
        typer.Option("--verify-all", help="replay every submitted job, not only assigned ones"),
    ] = False,
    referee: Annotated[
        bool, typer.Option("--referee", help="also serve on adjudication committees")
    ] = False,
    replay: Annotated[
        str,
        typer.Option(
            "--replay",
            help="full: replay every step; sampled: check --segments random checkpoint-aligned "
            "segments against the solver's manifest, full replay on any mismatch",
        ),
    ] = "full",
    segments: Annotated[
        int, typer.Option("--segments", min=1, help="segments checked by --replay sampled")
    ] = 4,
    replay_seed: Annotated[
        int | None,
        typer.Option(
            "--replay-seed", help="secret seed choosing the segments (default: random per run)"
        ),
    ] = None,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
    lazy: Annotated[
        bool,
        typer.Option(
            "--lazy",
            hidden=True,
            help="DEVNET DEMO ONLY: attest every assigned job without replaying it (a lazy "
            "verifier, slashed by honeypots)",
        ),
    ] = False,
) -> None:
    """Replay submitted results, attest or challenge, and play the games you open.

    Example: assay verifier run --dev-account verifier1 --interval 2
    """
    from verifier.agent import VerifierAgent
    from verifier.sampling import ReplayPolicy

    if replay not in ("full", "sampled"):
        fail(f"--replay must be full or sampled, got {replay!r}")
    if lazy and dev_account is None:
        fail("--lazy is a devnet demo option: it needs --dev-account")
    if lazy and replay != "full":
        fail("--lazy replays nothing: drop --replay sampled")
    seed = replay_seed if replay_seed is not None else secrets.randbits(128)
    policy = ReplayPolicy.sampled(segments, seed) if replay == "sampled" else ReplayPolicy.full()

    def make(p: AgentProcess) -> BaseAgent:
        recompute = _referee_recompute(p) if referee else None
        return VerifierAgent(
            p.chain.protocol, p.specs, p.config, runner=p.runner, verify_all=verify_all,
            recompute=recompute, inspect=ManifestChecker(p.store), progress=p.progress,
            policy=policy, store=p.store, lazy=lazy,
        )  # fmt: skip

    with reporting():
        opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
        with agent_process(
            "verifier", opts, state_dir=state_dir, store=store, bind=bind, inline=inline,
            min_credit=min_credit, confirmations=confirmations, task_runner=task_runner,
        ) as proc:  # fmt: skip
            code = _run(proc, make, interval=interval, once=once, until_idle=until_idle)
    raise typer.Exit(code)


@referee_app.command("run")
def referee_run(
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    interval: Interval = 2.0,
    once: Once = False,
    until_idle: UntilIdle = None,
    inline: Inline = False,
    task_runner: TaskRunnerKind = "inprocess",
    bind: Bind = DEFAULT_BIND,
    min_credit: MinCredit = 1,
    confirmations: Confirmations = 0,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Serve on adjudication committees: recompute the disputed operator by replay and vote.

    Example: assay referee run --dev-account referee
    """
    from verifier.agent import VerifierAgent

    def make(p: AgentProcess) -> BaseAgent:
        return VerifierAgent(
            p.chain.protocol, p.specs, p.config, runner=p.runner, verify=False,
            recompute=_referee_recompute(p),
        )  # fmt: skip

    with reporting():
        opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
        with agent_process(
            "referee", opts, state_dir=state_dir, store=store, bind=bind, inline=inline,
            min_credit=min_credit, confirmations=confirmations, task_runner=task_runner,
        ) as proc:  # fmt: skip
            code = _run(proc, make, interval=interval, once=once, until_idle=until_idle)
    raise typer.Exit(code)


def _refuse_second_game(chain: Chain, job_id: JobId) -> None:
    """Fail if this account already plays an unresolved game on the job (one per challenger)."""
    game = chain.protocol.game.game_of(job_id, chain.address)
    if int(game) != 0 and not chain.protocol.game.get_game(game).status.is_resolved:
        fail(
            f"{chain.address} already plays game {int(game)} on job {int(job_id)}",
            f"`assay dispute show {int(game)}` shows it; play it with "
            "`assay verifier run --verify-all` as this account",
        )


def challenge(
    job_id: Annotated[int, typer.Argument(help="the job whose result to check")],
    force: Annotated[
        bool, typer.Option("--force", help="open a game even if the replay matches (bonded)")
    ] = False,
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Replay a submitted job locally; open a dispute game if its result is wrong.

    The game is then played by `assay verifier run --verify-all` as the same account.

    Example: assay challenge 3 --dev-account challenger
    """
    from assay.agents.work import train_trace
    from assay.protocol.merkle import MerkleTree

    with reporting():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        market = chain.protocol.market
        job = market.get_job(JobId(job_id))
        if job.status != JobStatus.SUBMITTED:
            fail(
                f"job {job_id} is {status_name(job.status)}; only a Submitted result can be "
                "challenged",
                f"`assay job status {job_id}` shows where it stands",
            )
        _refuse_second_game(chain, job.job_id)
        specs = StoreSpecSource(LocalStore(store))
        spec = specs.resolve(job.spec_hash, job.spec_uri)
        directory = state_dir or DEFAULT_AGENTS_DIR / f"challenge-{chain.address.lower()}"
        with console.status(f"replaying job {job_id} ({int(spec.training.steps)} steps)…"):
            steps = train_trace(spec, directory / f"job_{job_id}")
        root = MerkleTree(steps).root
        matches = steps[-1] == job.final_state and root == job.trace_root
        if matches:
            console.print(f"job {job_id}: the replay matches the submitted result (h_T, root)")
        else:
            console.print(
                f"job {job_id}: the replay DIFFERS from the submitted result "
                f"(replay h_T {_fmt(steps[-1])}, submitted {_fmt(job.final_state)})",
                markup=False,
            )
        if matches and not force:
            raise typer.Exit(0)
        bond = int(job.params.challengeBond)
        balance = int(chain.w3.eth.get_balance(chain.address))
        if balance < bond:
            fail(
                f"{chain.address} holds {format_wei(balance)}, less than the challenge bond of "
                f"{format_wei(bond)} (plus gas)",
                "fund the account with at least the bond, then run the same command again",
            )
        # Sent directly, not through the agents' Responder: that one counts GameAlreadyOpen as
        # done and logs other reverts, where this command must show the decoded error and a hint.
        game = chain.protocol.game.challenge(job.job_id, job.final_state, bond)
    console.print(
        f"game {int(game)} opened against job {job_id} with a bond of {bond} wei; "
        "play it with `assay verifier run --verify-all` as this account"
    )
