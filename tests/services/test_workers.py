"""Celery workers (services/workers) with the real Redis broker and real `assay worker` processes.

A train task on a worker gives the in-process state hashes; a worker SIGKILLed mid-task has its
task delivered again to the next worker, with the same hashes; duplicates compute once; a
SolverAgent whose runner is Celery trains a posted job on a worker and submits it (anvil).
Every test has its own Redis key prefix and queue (tests/services/workers_env.py); waits are on
conditions (a checkpoint file, a result), bounded, never bare sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.agents import tasks
from assay.agents.base import AgentConfig
from assay.agents.runner import InProcessRunner
from assay.agents.work import MappingSpecSource, Trace, step_op_trace, train_trace
from assay.chain.devnet import ACTORS, Devnet
from assay.cli.main import app
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.merkle import MerkleTree
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import JobId, JobStatus
from assay.repro.data import load_dataset
from assay.repro.graph import graph_hash, ops_per_step
from assay.store import LocalStore
from services.workers.app import make_app
from services.workers.process import WorkerProcess, wait_for
from services.workers.runner import CeleryHandle, CeleryRunner
from services.workers.settings import WorkerSettings
from solver.agent import SolverAgent
from tests.services.workers_env import Broker, redis_url

ROOT = Path(__file__).resolve().parents[2]


def digits(steps: int, interval: int) -> JobSpec:
    raw = load_spec(ROOT / "examples" / "digits-mlp.toml").model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = interval
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def spec() -> JobSpec:
    return digits(4, 1)


@pytest.fixture(scope="module")
def honest(spec: JobSpec, tmp_path_factory: pytest.TempPathFactory) -> Trace:
    return train_trace(spec, tmp_path_factory.mktemp("honest"))


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    b = Broker(redis_url())
    yield b
    b.cleanup()


@pytest.fixture(scope="module")
def worker(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One worker for the module, two slots (so duplicates can run at the same time)."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with WorkerProcess(broker.settings(), log, concurrency=2) as w:
        w.wait_ready()
        yield w


@pytest.fixture
def runner(broker: Broker, worker: WorkerProcess) -> Iterator[CeleryRunner]:
    r = broker.runner()
    yield r
    r.shutdown()


def finish(handle: CeleryHandle, timeout: float = 120.0) -> None:
    wait_for(handle.done, timeout, f"task {handle.name} {handle.id}", poll=0.05)


def computed(worker: WorkerProcess, workdir: Path) -> list[str]:
    """The task.* events the worker logged for `workdir`."""
    return re.findall(rf"(task\.\w+) .*workdir={re.escape(str(workdir))}\b", worker.output())


def test_train_task_on_a_worker_gives_the_in_process_state_hashes(
    runner: CeleryRunner, spec: JobSpec, honest: Trace, tmp_path: Path
) -> None:
    kwargs = tasks.task_args(LocalStore(tmp_path / "store"), spec, tmp_path / "work")
    handle = runner.submit_task("train", tasks.TRAIN, kwargs)
    finish(handle)
    assert handle.result() == honest
    local = InProcessRunner()
    inprocess = local.submit_task("train", tasks.TRAIN, kwargs)  # the bound result, read here
    assert local.wait(60) and inprocess.result() == honest
    local.shutdown()


def test_duplicate_train_tasks_compute_once(
    runner: CeleryRunner, worker: WorkerProcess, spec: JobSpec, honest: Trace, tmp_path: Path
) -> None:
    """Two submissions at once (the worker runs both): one trains, the other waits on the
    workdir's lock and returns the bound result; a third, later, returns it at once."""
    workdir = tmp_path / "work"
    kwargs = tasks.task_args(LocalStore(tmp_path / "store"), spec, workdir)
    first, second = (runner.submit_task(f"t{i}", tasks.TRAIN, kwargs) for i in range(2))
    finish(first)
    finish(second)
    assert first.result() == second.result() == honest
    assert sorted(computed(worker, workdir)) == ["task.cached", "task.computed"]
    inode = (workdir / "step_0.safetensors").stat().st_ino
    third = runner.submit_task("t3", tasks.TRAIN, kwargs)
    finish(third)
    assert third.result() == honest and (workdir / "step_0.safetensors").stat().st_ino == inode
    assert sorted(computed(worker, workdir)) == ["task.cached", "task.cached", "task.computed"]


def test_op_trace_and_recompute_run_on_the_worker(
    runner: CeleryRunner, spec: JobSpec, tmp_path: Path
) -> None:
    train_trace(spec, tmp_path / "local")
    expected = step_op_trace(spec, tmp_path / "local", 2)
    kwargs = tasks.task_args(LocalStore(tmp_path / "store"), spec, tmp_path / "referee")
    handle = runner.submit_task("r", tasks.RECOMPUTE, {**kwargs, "step": 2, "op_index": 3})
    finish(handle)
    assert handle.result() == expected[3]
    ops = runner.submit_task("o", tasks.OP_TRACE, {**kwargs, "step": 2})
    finish(ops)
    assert ops.result() == expected


def test_a_failing_task_reraises_its_error_on_the_agent_side(
    runner: CeleryRunner, spec: JobSpec, tmp_path: Path
) -> None:
    kwargs = tasks.task_args(LocalStore(tmp_path / "store"), spec, tmp_path / "work")
    handle = runner.submit_task("o", tasks.OP_TRACE, {**kwargs, "step": 1})  # never trained
    finish(handle)
    with pytest.raises(tasks.TaskInputError, match="train the job first"):
        handle.result()


def test_closures_run_locally_beside_named_tasks(runner: CeleryRunner) -> None:
    handle = runner.submit("closure", lambda: 7)
    assert runner.wait(10) and handle.result() == 7
    with pytest.raises(tasks.TaskInputError, match="unknown task"):
        runner.submit_task("x", "assay.nope", {})  # refused before it reaches a worker


def test_the_app_acks_late_speaks_json_and_retries_io_errors_with_backoff() -> None:
    settings = WorkerSettings(visibility_timeout=8, task_max_retries=5, broker_prefix="p:")
    app = make_app(settings)
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.broker_transport_options["visibility_timeout"] == 8
    assert conf.broker_transport_options["unacked_restore_interval"] == 2
    assert conf.broker_transport_options["global_keyprefix"] == "p:"
    assert conf.result_backend_transport_options["global_keyprefix"] == "p:"
    for name in (tasks.TRAIN, tasks.OP_TRACE, tasks.RECOMPUTE):
        task = app.tasks[name]
        assert task.autoretry_for == (OSError,) and task.max_retries == 5
        assert task.retry_backoff is True


def test_a_worker_killed_mid_task_has_its_task_redelivered_with_the_same_hashes(
    tmp_path: Path,
) -> None:
    """SIGKILL the worker (and its pool) once training has written a checkpoint: the task was
    never acknowledged, so the next worker gets it after the visibility timeout and trains
    again from scratch; the same handle then yields the in-process hashes."""
    spec = digits(60, 5)
    expected = train_trace(spec, tmp_path / "inprocess")
    b = Broker(redis_url(), visibility_timeout=6.0)
    runner = b.runner()
    store, workdir = LocalStore(tmp_path / "store"), tmp_path / "work"
    kwargs = tasks.task_args(store, spec, workdir)
    first = WorkerProcess(b.settings(), tmp_path / "first.log")
    second: WorkerProcess | None = None
    try:
        handle = runner.submit_task("train", tasks.TRAIN, kwargs)
        wait_for((workdir / "step_5.safetensors").exists, 120, "the first checkpoint")
        first.kill()
        assert not handle.done() and not (workdir / f"step_{60}.safetensors").exists()
        second = WorkerProcess(b.settings(), tmp_path / "second.log")
        finish(handle, 180)
        assert handle.result() == expected
        assert f"assay.train[{handle.id}]" in second.output()
        assert "task.computed" in second.output()
    finally:
        first.kill()
        if second is not None:
            second.stop()
        runner.shutdown()
        b.cleanup()


# ------------------------------------------------------------------------------ agents


@pytest.fixture(scope="module")
def devnet_module(
    contracts_built: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Devnet]:
    """anvil + the protocol deployed (deployment file for the CLI), every actor staked."""
    with Devnet(deployment_file=tmp_path_factory.mktemp("devnet") / "deployment.json") as net:
        net.stake_defaults()
        yield net


@pytest.fixture
def devnet(devnet_module: Devnet) -> Iterator[Devnet]:
    """The module's devnet, reverted after the test (tests/e2e/conftest.py's `net`)."""
    snap = devnet_module.node.snapshot()
    try:
        yield devnet_module
    finally:
        devnet_module.node.revert(snap)
        for name in ACTORS:
            devnet_module.actor(name).sender.resync_nonce()


def post(devnet: Devnet, spec: JobSpec, honest: Trace, spec_uri: str) -> JobId:
    data = load_dataset(spec.data, int(spec.training.seed))
    return devnet.actor("submitter").protocol.market.post_job(
        spec_hash=spec_hash(spec), spec_uri=spec_uri, steps=int(spec.training.steps),
        graph_hash=graph_hash(spec, data), ops_per_step=ops_per_step(spec, data),
        initial_state=honest[0], budget_wei=10**17,
    )  # fmt: skip


def assert_submitted_honestly(devnet: Devnet, job_id: JobId, honest: Trace) -> None:
    job = devnet.actor("submitter").protocol.market.get_job(job_id)
    assert job.status == JobStatus.SUBMITTED
    assert job.final_state == honest[-1] and job.trace_root == MerkleTree(honest).root


@pytest.mark.anvil
def test_solver_with_the_celery_runner_trains_on_a_worker_and_submits(
    devnet: Devnet,
    runner: CeleryRunner,
    worker: WorkerProcess,
    spec: JobSpec,
    honest: Trace,
    tmp_path: Path,
) -> None:
    assert devnet.deployment is not None
    job_id = post(devnet, spec, honest, "file://digits-mlp.toml")
    config = AgentConfig(
        cursor_path=tmp_path / "cursor.json",
        workdir=tmp_path / "work",
        start_block=devnet.deployment.block_number,
        min_credit=0,
    )
    solver = SolverAgent(
        devnet.actor("solver").protocol,
        MappingSpecSource({spec_hash(spec): spec}),
        config,
        runner=runner,
    )
    market = devnet.actor("submitter").protocol.market

    def submitted() -> bool:
        solver.tick()
        return market.job_status(job_id) == JobStatus.SUBMITTED

    wait_for(submitted, 180, f"job {int(job_id)} to be submitted", poll=0.1)
    assert_submitted_honestly(devnet, job_id, honest)
    assert solver.work[int(job_id)].task is None  # collected
    workdir = (tmp_path / "work" / f"job_{int(job_id)}").absolute()
    assert computed(worker, workdir) == ["task.computed"]  # trained on the worker


@pytest.mark.anvil
def test_solver_run_with_runner_celery_trains_on_the_worker(
    devnet: Devnet,
    broker: Broker,
    worker: WorkerProcess,
    spec: JobSpec,
    honest: Trace,
    tmp_path: Path,
) -> None:
    """`assay solver run --runner celery`: the CLI path, with the spec resolved from its URI."""
    store = LocalStore(tmp_path / "store")
    job_id = post(devnet, spec, honest, make_uri(store.put_bytes(canonical_bytes(spec))))
    settings = broker.settings()
    env = {
        "ASSAY_RPC_URL": devnet.node.url,
        "ASSAY_DEPLOYMENT": str(devnet.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_BROKER_URL": settings.broker_url,
        "ASSAY_TASK_QUEUE": settings.task_queue,
        "ASSAY_BROKER_PREFIX": settings.broker_prefix,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(
        app,
        ["solver", "run", "--runner", "celery", "--dev-account", "solver",
         "--state-dir", str(tmp_path / "state"), "--store", str(store.root),
         "--until-idle", "2", "--interval", "0.2"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "tasks go to Celery queue" in result.output and "1 worker(s) listening" in result.output
    assert f"SubmitResult job={int(job_id)}" in result.output
    assert_submitted_honestly(devnet, job_id, honest)
    workdir = (tmp_path / "state" / "work" / f"job_{int(job_id)}").absolute()
    assert computed(worker, workdir) == ["task.computed"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--runner", "celery"], {"ASSAY_BROKER_URL": "redis://:pw@127.0.0.1:1/0"},
         "cannot reach the Celery broker at redis://:***@127.0.0.1:1/0"),
        (["--runner", "celery", "--inline"], {}, "cannot be combined with --runner celery"),
        ([], {"ASSAY_TASK_RUNNER": "cellery"}, "--runner must be inprocess or celery"),
        (["--runner", "celery"], {"ASSAY_VISIBILITY_TIMEOUT": "0"},
         "ASSAY_VISIBILITY_TIMEOUT: Input should be greater than 0"),
    ],
    ids=["broker-down", "inline", "unknown-runner", "bad-setting"],
)  # fmt: skip
def test_agents_refuse_an_unusable_celery_runner_before_connecting(
    args: list[str], env: dict[str, str], message: str
) -> None:
    for role in ("solver", "verifier", "referee"):
        result = CliRunner().invoke(app, [role, "run", *args], env={**env, "COLUMNS": "200"})
        assert result.exit_code == 1 and message in result.output, result.output
        assert "pw" not in result.output and "Traceback" not in result.output


def test_worker_refuses_an_unreachable_broker_and_bad_settings() -> None:
    env = {"ASSAY_BROKER_URL": "redis://127.0.0.1:1/0", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["worker"], env=env)
    assert result.exit_code == 1 and "cannot reach the Celery broker" in result.output
    result = CliRunner().invoke(app, ["worker"], env={**env, "ASSAY_BROKER_URL": "http://x"})
    assert result.exit_code == 1 and "ASSAY_BROKER_URL" in result.output
    assert "is not a Redis URL" in result.output
    help_text = CliRunner().invoke(app, ["worker", "--help"], env={"COLUMNS": "200"}).output
    assert "Examples:" in help_text and "--concurrency" in help_text and "--queues" in help_text
