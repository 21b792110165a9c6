"""Named tasks (assay/agents/tasks.py) run in-process: same values as the direct functions,
results bound in the store, idempotent, clear errors. Celery runs them in tests/services."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from assay.agents import tasks
from assay.agents.manifest import build_manifest, manifest_bytes
from assay.agents.progress import TrainingProgress
from assay.agents.runner import FinishOnDone, InlineRunner, InProcessRunner
from assay.agents.work import METRICS_FILE, JobWork, Trace, step_op_trace, train_trace
from assay.net.uri import make_uri
from assay.protocol.bisection import NO_SUCH_OPERATOR
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import StateHash
from assay.store import ContentHash, LocalStore

ROOT = Path(__file__).resolve().parents[2]
STEPS = 4


@pytest.fixture(scope="module")
def spec() -> JobSpec:
    raw = load_spec(ROOT / "examples" / "digits-mlp.toml").model_dump(mode="json")
    raw["training"]["steps"] = STEPS
    raw["checkpoint"]["interval"] = 2
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def honest(spec: JobSpec, tmp_path_factory: pytest.TempPathFactory) -> Trace:
    return train_trace(spec, tmp_path_factory.mktemp("honest"))


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def args(store: LocalStore, spec: JobSpec, workdir: Path) -> dict[str, Any]:
    return tasks.task_args(store, spec, workdir)


def task_events(logs: list[MutableMapping[str, Any]]) -> list[str]:
    return sorted(e["event"] for e in logs if e["event"].startswith("task."))


@pytest.fixture
def task_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every log event of the test, whatever level an earlier CLI test configured."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


def test_train_task_gives_the_train_trace_and_binds_its_result(
    spec: JobSpec, honest: Trace, store: LocalStore, tmp_path: Path
) -> None:
    kwargs = args(store, spec, tmp_path / "work")
    assert InlineRunner().submit_task("t", tasks.TRAIN, kwargs).result() == honest
    assert (tmp_path / "work" / "step_4.safetensors").is_file()
    bound = list((store.root / ".names" / "results" / "train").rglob("*"))
    assert [p.read_text() for p in bound if p.is_file()] == [tasks.run_task(tasks.TRAIN, kwargs)]


def test_train_task_writes_the_metrics_the_explorer_draws_without_changing_the_trace(
    spec: JobSpec, honest: Trace, store: LocalStore, tmp_path: Path
) -> None:
    # deferred: the explorer's reader lives in services (tests may import any layer)
    from services.api.service.metrics import TrainingMetrics, job_metrics

    work = tmp_path / "work"
    seen: list[float | None] = []
    trace = tasks.call_task(
        tasks.TRAIN, args(store, spec, work), lambda step, total, loss: seen.append(loss)
    )
    assert trace == honest  # evaluating after training changes no state hash
    metrics = json.loads((work / METRICS_FILE).read_text())
    assert metrics["loss"] == seen and len(seen) == STEPS
    assert metrics["metric"] == "accuracy" and 0.0 <= metrics["accuracy"] <= 1.0
    assert metrics["final_state_hash"] == "0x" + honest[-1].hex()

    job = JobWork(directory=work, spec=spec, steps=trace)
    manifest = build_manifest(3, job, store)
    assert store.get_bytes(ContentHash(manifest["metrics"])) == (work / METRICS_FILE).read_bytes()
    uri = make_uri(store.put_bytes(manifest_bytes(manifest)), ["tcp://127.0.0.1:7000"])
    shown = job_metrics(store, uri)
    assert isinstance(shown, TrainingMetrics), shown
    assert (shown.losses, shown.metric_name) == (seen, "accuracy")
    assert shown.metric_value == metrics["accuracy"]

    (work / METRICS_FILE).unlink()  # an older work dir: the manifest names no metrics
    assert "metrics" not in build_manifest(3, job, store)


def test_a_failing_evaluation_still_gives_the_trace_and_the_loss_curve(
    spec: JobSpec, honest: Trace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.repro.trainer import Trainer  # deferred: torch, only where a test trains

    def broken(self: Trainer) -> float:
        raise RuntimeError("out of memory on the test split")

    monkeypatch.setattr(Trainer, "evaluate", broken)  # fault injection: the rest is real
    assert train_trace(spec, tmp_path, metrics=True) == honest
    metrics = json.loads((tmp_path / METRICS_FILE).read_text())
    assert len(metrics["loss"]) == STEPS and metrics["metric"] == "accuracy"
    assert "accuracy" not in metrics


def test_train_task_twice_computes_once(
    spec: JobSpec, store: LocalStore, tmp_path: Path, task_logs: list[MutableMapping[str, Any]]
) -> None:
    kwargs = args(store, spec, tmp_path / "work")
    first = tasks.run_task(tasks.TRAIN, kwargs)
    checkpoint = tmp_path / "work" / "step_0.safetensors"
    inode = checkpoint.stat().st_ino
    assert tasks.run_task(tasks.TRAIN, kwargs) == first
    assert checkpoint.stat().st_ino == inode  # not rewritten: nothing was retrained
    assert task_events(task_logs) == ["task.cached", "task.computed"]


def test_train_task_retrains_when_a_checkpoint_is_gone(
    spec: JobSpec,
    honest: Trace,
    store: LocalStore,
    tmp_path: Path,
    task_logs: list[MutableMapping[str, Any]],
) -> None:
    kwargs = args(store, spec, tmp_path / "work")
    tasks.run_task(tasks.TRAIN, kwargs)
    (tmp_path / "work" / "step_2.safetensors").unlink()
    assert tasks.call_task(tasks.TRAIN, kwargs) == honest
    assert task_events(task_logs) == ["task.computed", "task.computed"]
    assert (tmp_path / "work" / "step_2.safetensors").is_file()


def test_concurrent_duplicates_wait_for_the_first_and_compute_once(
    spec: JobSpec,
    honest: Trace,
    store: LocalStore,
    tmp_path: Path,
    task_logs: list[MutableMapping[str, Any]],
) -> None:
    kwargs = args(store, spec, tmp_path / "work")
    runner = InProcessRunner(workers=2)
    handles = [runner.submit_task(f"t{i}", tasks.TRAIN, kwargs) for i in range(2)]
    assert runner.wait(120)
    runner.shutdown()
    assert [h.result() for h in handles] == [honest, honest]
    assert task_events(task_logs) == ["task.cached", "task.computed"]


def test_op_trace_and_recompute_tasks_match_the_direct_replay(
    spec: JobSpec, store: LocalStore, tmp_path: Path
) -> None:
    train_trace(spec, tmp_path / "direct")
    expected = step_op_trace(spec, tmp_path / "direct", 3)
    kwargs = args(store, spec, tmp_path / "work")
    tasks.run_task(tasks.TRAIN, kwargs)
    assert tasks.call_task(tasks.OP_TRACE, {**kwargs, "step": 3}) == expected
    # The referee's recompute trains a fresh workdir by itself.
    fresh = args(store, spec, tmp_path / "referee")
    leaf = tasks.call_task(tasks.RECOMPUTE, {**fresh, "step": 3, "op_index": 5})
    assert leaf == expected[5]
    # Every position of a game whose N differs from the spec's: N is the end state h_s, a position
    # past the step's last operator has no output (the referee's answer there beats any leaf).
    n = len(expected) - 1

    def at(j: int, n_ops: int) -> Any:
        return tasks.call_task(tasks.RECOMPUTE, {**fresh, "step": 3, "op_index": j, "n_ops": n_ops})

    assert at(n + 2, n + 2) == expected[n]
    assert at(n, n + 2) == StateHash(NO_SUCH_OPERATOR)
    assert at(2, 2) == expected[n] and at(1, 2) == expected[1]


def test_in_process_runner_reports_progress_and_clears_it_when_done(
    spec: JobSpec, honest: Trace, store: LocalStore, tmp_path: Path
) -> None:
    progress, seen = TrainingProgress(log_steps=False), []
    report = progress.reporter("train", 7)

    def record(step: int, total: int, loss: float | None) -> None:
        seen.append((step, total))
        report(step, total, loss)

    runner = InProcessRunner()
    kwargs = args(store, spec, tmp_path / "work")
    finished = threading.Event()
    handle = FinishOnDone(runner.submit_task("t", tasks.TRAIN, kwargs, record), finished.set)
    assert runner.wait(120) and handle.done() and finished.is_set()
    assert handle.result() == honest
    assert seen == [(s, STEPS) for s in range(1, STEPS + 1)] and progress.running() == []
    runner.shutdown()


@pytest.mark.parametrize(
    ("name", "change", "match"),
    [
        (tasks.TRAIN, {"spec_hash": "0x" + "ab" * 32}, "not in the artifact store"),
        (tasks.TRAIN, {"spec_hash": "0x12"}, "0x \\+ 64 hex digits"),
        (tasks.TRAIN, {"workdir": "relative/work"}, "absolute path"),
        (tasks.TRAIN, {"extra": 1}, "bad arguments for assay.train"),
        (tasks.OP_TRACE, {"step": 2}, "no checkpoint .* train the job first"),
        (tasks.OP_TRACE, {"step": STEPS + 1}, "outside 1..4"),
        ("assay.nope", {}, "unknown task 'assay.nope'"),
    ],
)
def test_tasks_refuse_work_they_cannot_do_with_a_sentence(
    spec: JobSpec,
    store: LocalStore,
    tmp_path: Path,
    name: str,
    change: dict[str, Any],
    match: str,
) -> None:
    kwargs = {**args(store, spec, tmp_path / "work"), **change}
    with pytest.raises(tasks.TaskInputError, match=match):
        tasks.run_task(name, kwargs)


def test_ping_round_trips_its_value() -> None:
    assert InlineRunner().submit_task("p", tasks.PING, {"value": "hi"}).result() == "hi"
