"""Named local work: training, op traces and referee recomputes as functions of ids and paths.

A Celery worker cannot run a closure: it runs a task by name with JSON arguments ("pass ids,
not objects"). Every task here therefore takes only strings and ints:

- `spec_hash`: the job's keccak spec hash (`0x` + 64 hex). The spec itself is read from the
  artifact store at `store_root`, under the name `specs/0x<spec hash>` that `put_spec` binds
  when the agent submits the task.
- `store_root`, `workdir`: absolute paths. The store receives the result; `workdir` holds the
  job's checkpoints (`step_<n>.safetensors`). A task runs anywhere that sees both paths: the
  agent's own process, or a worker on the same host or on a shared volume mounted at the same
  path.

A task writes its result into the store as canonical JSON, binds it to a deterministic name
(`results/<kind>/<spec hash>/<sha256 of workdir>[/...]`) and returns the result's content hash;
`load_result` turns that hash back into the Python value the agents use (a `Trace`, a
`StateHash`). Tasks are idempotent: a bound result (with its checkpoints still in place) is
returned without recomputing, and an exclusive lock on the workdir makes a concurrent duplicate
(a redelivered message, two submissions) wait for the first and then return its result.
Training is deterministic and checkpoints are written atomically, so a task killed midway and
run again yields the same hashes.

`TASKS` is the registry by name; `call_task(name, kwargs)` runs one here and loads its result
(the in-process runners), services/workers registers the same functions with Celery.
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from assay.agents.datafiles import data_dir
from assay.agents.work import Trace, step_op_trace, train_trace
from assay.errors import AssayError
from assay.protocol.bisection import op_positions
from assay.protocol.canonical import canonical_bytes
from assay.protocol.canonical import spec_hash as keccak_spec_hash
from assay.protocol.spec import SpecError, spec_from_dict
from assay.protocol.types import StateHash
from assay.store import ContentHash, LocalStore
from assay.store.errors import StoreError

if TYPE_CHECKING:
    from assay.protocol.spec import JobSpec

log = structlog.get_logger(__name__)

ProgressFn = Callable[[int, int, float | None], None]

TRAIN = "assay.train"
OP_TRACE = "assay.op_trace"
RECOMPUTE = "assay.recompute"
PING = "assay.ping"

RESULT_VERSION = 1
LOCK_FILE = ".assay-task.lock"


class TaskError(AssayError):
    """A named task could not run or its result could not be read."""


class TaskInputError(TaskError):
    """The task's arguments do not describe work that can be done (retrying will not help)."""


# ------------------------------------------------------------------------------ arguments


def spec_name(spec_hash: str) -> str:
    """The store name a spec is bound to: `specs/0x<keccak spec hash>`."""
    return f"specs/{_spec_hex(spec_hash)}"


def put_spec(store: LocalStore, spec: JobSpec) -> str:
    """Put the spec's canonical bytes in the store, bind its name; returns its spec hash."""
    hex_hash = "0x" + bytes(keccak_spec_hash(spec)).hex()
    name = spec_name(hex_hash)
    if store.resolve_name(name) is None:
        store.bind_name(name, store.put_bytes(canonical_bytes(spec)))
    return hex_hash


def load_spec(store: LocalStore, spec_hash: str) -> JobSpec:
    """The JobSpec bound to `specs/<spec_hash>`, checked against that hash."""

    bound = store.resolve_name(spec_name(spec_hash))
    if bound is None:
        raise TaskInputError(
            f"spec {spec_hash} is not in the artifact store at {store.root}: the submitting "
            "agent puts it there (tasks.put_spec); check that this worker sees the agent's "
            "store at the same path"
        )
    try:
        spec = spec_from_dict(json.loads(store.get_bytes(bound)), origin=f"spec {spec_hash}")
    except (ValueError, SpecError, StoreError) as exc:
        raise TaskInputError(f"the stored spec {spec_hash} ({bound}) is unusable: {exc}") from None
    actual = "0x" + bytes(keccak_spec_hash(spec)).hex()
    if actual != _spec_hex(spec_hash):
        raise TaskInputError(f"the store binds spec {spec_hash} to a spec hashing to {actual}")
    return spec


def task_args(store: LocalStore, spec: JobSpec, workdir: Path) -> dict[str, Any]:
    """The common arguments of a job's tasks (spec put into `store`; absolute paths)."""
    return {
        "spec_hash": put_spec(store, spec),
        "store_root": str(store.root.absolute()),
        "workdir": str(workdir.absolute()),
    }


def _spec_hex(spec_hash: str) -> str:
    text = str(spec_hash).lower()
    if len(text) != 66 or not text.startswith("0x") or not _is_hex(text[2:]):
        raise TaskInputError(f"a spec hash is 0x + 64 hex digits, got {spec_hash!r}")
    return text


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _workdir(workdir: str) -> Path:
    path = Path(workdir)
    if not path.is_absolute():
        # A relative path means a different directory on every host and cwd.
        raise TaskInputError(f"workdir must be an absolute path, got {workdir!r}")
    return path


def _result_name(kind: str, spec_hash: str, workdir: Path, *parts: str) -> str:
    where = hashlib.sha256(str(workdir).encode()).hexdigest()
    return "/".join(("results", kind, _spec_hex(spec_hash), where, *parts))


@contextmanager
def _locked(workdir: Path) -> Iterator[None]:
    """An exclusive lock on the job's workdir (released by the kernel if the holder dies)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / LOCK_FILE, "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------------------ results


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def _hexes(hashes: Trace) -> list[str]:
    return ["0x" + bytes(h).hex() for h in hashes]


def _bind(store: LocalStore, name: str, doc: dict[str, Any]) -> str:
    content = store.put_bytes(_dump({"version": RESULT_VERSION, **doc}))
    store.bind_name(name, content)
    return str(content)


def _read(store_root: str, content: str, kind: str) -> dict[str, Any]:
    try:
        doc = json.loads(LocalStore(Path(store_root)).get_bytes(ContentHash(content)))
    except (ValueError, StoreError) as exc:
        raise TaskError(f"cannot read the {kind} result {content}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") != kind:
        raise TaskError(f"artifact {content} is not a {kind} result")
    return doc


def _trace(doc: dict[str, Any], key: str) -> Trace:
    return tuple(StateHash(str(h)) for h in doc[key])


def _cached(store: LocalStore, name: str) -> str | None:
    bound = store.resolve_name(name)
    return str(bound) if bound is not None and store.has(bound) else None


def _checkpoints_complete(spec: JobSpec, directory: Path) -> bool:
    """Whether every checkpoint training writes (step 0, every interval-th) is on disk."""
    interval, total = int(spec.checkpoint.interval), int(spec.training.steps)
    steps = [0, *range(interval, total + 1, interval)]
    return all((directory / f"step_{s}.safetensors").is_file() for s in steps)


# ------------------------------------------------------------------------------ the tasks


def train(spec_hash: str, store_root: str, workdir: str, progress: ProgressFn | None = None) -> str:
    """Train the job into `workdir` (checkpoints); the result is h_0..h_T (`load_result`)."""
    store, directory = LocalStore(Path(store_root)), _workdir(workdir)
    spec = load_spec(store, spec_hash)
    with _locked(directory):
        return _train_locked(store, spec, spec_hash, directory, progress)


def _train_locked(
    store: LocalStore,
    spec: JobSpec,
    spec_hash: str,
    directory: Path,
    progress: ProgressFn | None = None,
) -> str:
    name = _result_name("train", spec_hash, directory)
    done = _cached(store, name)
    if done is not None and _checkpoints_complete(spec, directory):
        log.info("task.cached", task=TRAIN, spec=spec_hash, workdir=str(directory), result=done)
        return done
    hashes = train_trace(
        spec,
        directory,
        progress=progress,
        artifact_dir=data_dir(spec, store, directory),
        metrics=True,
    )
    result = _bind(store, name, {"kind": "train", "spec_hash": spec_hash, "steps": _hexes(hashes)})
    log.info("task.computed", task=TRAIN, spec=spec_hash, workdir=str(directory), result=result)
    return result


def op_trace(spec_hash: str, store_root: str, workdir: str, step: int) -> str:
    """r_0..r_N of `step` (1-based), rebuilt from the workdir's nearest checkpoint."""
    store, directory = LocalStore(Path(store_root)), _workdir(workdir)
    spec = load_spec(store, spec_hash)
    with _locked(directory):
        return _op_trace_locked(store, spec, spec_hash, directory, int(step))


def _op_trace_locked(
    store: LocalStore, spec: JobSpec, spec_hash: str, directory: Path, step: int
) -> str:
    if not 1 <= step <= int(spec.training.steps):
        raise TaskInputError(f"step {step} is outside 1..{int(spec.training.steps)}")
    name = _result_name("op-trace", spec_hash, directory, f"step-{step}")
    done = _cached(store, name)
    if done is not None:
        return done
    try:
        leaves = step_op_trace(spec, directory, step, data_dir(spec, store, directory))
    except FileNotFoundError as exc:
        raise TaskInputError(f"{exc}: train the job first (assay.train, same workdir)") from None
    doc = {"kind": "op-trace", "spec_hash": spec_hash, "step": step, "leaves": _hexes(leaves)}
    result = _bind(store, name, doc)
    log.info("task.computed", task=OP_TRACE, spec=spec_hash, step=step, result=result)
    return result


def recompute(
    spec_hash: str, store_root: str, workdir: str, step: int, op_index: int, n_ops: int = 0
) -> str:
    """The referee's replay: r_j (j = `op_index`) of `step`, training the job first if needed.

    `n_ops` is the game's N (the job's opsPerStep); position N is the end state h_s whatever N the
    spec gives, and a position past the step's last operator has no output (`op_positions`).
    0 takes N from the spec's own op trace."""
    store, directory = LocalStore(Path(store_root)), _workdir(workdir)
    spec = load_spec(store, spec_hash)
    step, op_index = int(step), int(op_index)
    name = _result_name("recompute", spec_hash, directory, f"step-{step}-op-{op_index}-of-{n_ops}")
    with _locked(directory):
        done = _cached(store, name)
        if done is not None:
            return done
        if not (directory / "step_0.safetensors").is_file():
            _train_locked(store, spec, spec_hash, directory)
        ops = _read(str(store.root), _op_trace_locked(store, spec, spec_hash, directory, step),
                    "op-trace")  # fmt: skip
        leaves = _trace(ops, "leaves")
        n = int(n_ops) or len(leaves) - 1
        if not 0 <= op_index <= n:
            raise TaskInputError(f"op {op_index} is outside the game's positions 0..{n}")
        output = StateHash(op_positions(leaves, n)[op_index])
        doc = {"kind": "recompute", "spec_hash": spec_hash, "step": step, "op_index": op_index,
               "n_ops": n, "output": output.to_hex()}  # fmt: skip
        return _bind(store, name, doc)


def ping(value: str = "pong") -> str:
    """Returns `value`: the round trip of a task that does nothing (benchmarks, health)."""
    return value


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class TaskDef:
    """A named task: `run(**kwargs)` returns a JSON value, `load(kwargs, value)` the result.

    `progress`: whether `run` takes a `progress` callback (honoured by in-process runners only).
    """

    name: str
    run: Callable[..., str]
    load: Callable[[Mapping[str, Any], str], Any]
    progress: bool = False


TASKS: dict[str, TaskDef] = {
    TRAIN: TaskDef(
        TRAIN, train, lambda kw, v: _trace(_read(kw["store_root"], v, "train"), "steps"), True
    ),
    OP_TRACE: TaskDef(
        OP_TRACE, op_trace, lambda kw, v: _trace(_read(kw["store_root"], v, "op-trace"), "leaves")
    ),
    RECOMPUTE: TaskDef(
        RECOMPUTE,
        recompute,
        lambda kw, v: StateHash(str(_read(kw["store_root"], v, "recompute")["output"])),
    ),
    PING: TaskDef(PING, ping, lambda kw, v: v),
}


def task_def(name: str, kwargs: Mapping[str, Any]) -> TaskDef:
    """The registered task `name`, with `kwargs` checked against its parameters."""
    d = TASKS.get(name)
    if d is None:
        raise TaskInputError(f"unknown task {name!r}; the tasks are {', '.join(sorted(TASKS))}")
    try:
        inspect.signature(d.run).bind(**kwargs)
    except TypeError as exc:
        raise TaskInputError(f"bad arguments for {name}: {exc}") from None
    return d


def run_task(name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None) -> str:
    """Run task `name` here; returns its JSON value (a result's content hash)."""
    d = task_def(name, kwargs)
    if d.progress and progress is not None:
        return d.run(**kwargs, progress=progress)
    return d.run(**kwargs)


def load_result(name: str, kwargs: Mapping[str, Any], value: str) -> Any:
    """The Python value of a finished task (reads its result artifact from the store)."""
    return task_def(name, kwargs).load(kwargs, value)


def call_task(name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None) -> Any:
    """Run task `name` here and load its result: what the in-process runners do."""
    return load_result(name, kwargs, run_task(name, kwargs, progress))
