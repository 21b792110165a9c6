"""Benchmarks of the reproducible training runtime (assay.repro), run by `python -m bench.trees`.

Every number is a ratio against a baseline measured in the same process, with the two sides
interleaved (A B A B ...) and medians taken, so a shared or throttled machine moves both sides:

* steps/s of each zoo example under ReproMode vs the same Trainer with `reproducible=False`
  (same model, same batches, same optimizer formulas, plain torch kernels);
* `state_hash` throughput over a large float32 state vs `Tensor.clone()` of the same bytes (and
  vs bare sha256 over them, the floor any sha256 state hash pays);
* `trace_step` (op tracing, phase 2 of the dispute game) vs one untraced runtime step;
* where the time goes in the MLP step: a timed decomposition (native, + a pass-through Python
  dispatch mode, + ReproMode's checks with torch kernels, + the fixed-order kernels), a cProfile
  grouped by runtime component;
* fp.matmul by its torch code and by its compiled CPU kernel (assay.repro.native) vs torch.matmul
  at the zoo's shapes and 512x512x512, and a runtime step with the compiled kernels vs without.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import hashlib
import os
import pstats
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.utils._python_dispatch import TorchDispatchMode

from assay.protocol.spec import JobSpec, load_spec
from assay.repro import dispatch as repro_dispatch
from assay.repro import fp, native
from assay.repro.data import Dataset, load_dataset
from assay.repro.state import TrainState, state_hash
from assay.repro.tracer import Recorder, trace_step
from assay.repro.trainer import Trainer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ZOO = ("digits-mlp", "digits-cnn", "tiny-gpt")
# Steps timed per repetition and side: sized so each side runs ~0.1-0.4 s on one CPU core.
STEPS_PER_REP = {"digits-mlp": 25, "digits-cnn": 6, "tiny-gpt": 3}
GOAL_RATIOS = {"digits-mlp": 1.5, "digits-cnn": 2.0, "tiny-gpt": 2.0}
"""Runtime / native per step, one thread: the goals the runtime is built towards."""


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], object], device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def interleaved(
    sides: dict[str, Callable[[], object]], reps: int, device: torch.device
) -> dict[str, list[float]]:
    """Seconds of each side per repetition, run in turn (A B C A B C ...) after one warm-up."""
    for fn in sides.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(reps):
        for name, fn in sides.items():
            times[name].append(_timed(fn, device))
    return times


def _ratio(times: dict[str, list[float]], num: str, den: str) -> float:
    """Median of the per-repetition ratios num/den (each pair ran back to back)."""
    return statistics.median(a / b for a, b in zip(times[num], times[den], strict=True))


def example(name: str, device: torch.device, **training: Any) -> tuple[JobSpec, Dataset]:
    """An example spec (training fields overridden, e.g. steps=50) and its dataset."""
    spec = load_spec(EXAMPLES / f"{name}.toml")
    if training:
        spec = spec.model_copy(
            update={"training": spec.training.model_copy(update=training)}, deep=True
        )
    return spec, load_dataset(spec.data, int(spec.training.seed))


# --- steps/s per zoo model ------------------------------------------------------------------


def bench_models(device: torch.device, reps: int) -> list[dict[str, Any]]:
    """Runtime vs native steps/s for every zoo example; the runtime also hashes its state."""
    rows = []
    for name in ZOO:
        spec, data = example(name, device)
        k = STEPS_PER_REP[name]
        runtime = Trainer(spec, data, device=device, reproducible=True)
        native = Trainer(spec, data, device=device, reproducible=False)

        def steps(t: Trainer, k: int = k) -> None:
            for _ in range(k):
                t.train_step()

        times = interleaved(
            {
                "runtime": functools.partial(steps, runtime),
                "native": functools.partial(steps, native),
                "hash": runtime.state_hash,
            },
            reps,
            device,
        )
        runtime_s = statistics.median(times["runtime"]) / k
        native_s = statistics.median(times["native"]) / k
        hash_s = statistics.median(times["hash"])
        per_rep_with_hash = [
            (r / k + h) / (n / k)
            for r, n, h in zip(times["runtime"], times["native"], times["hash"], strict=True)
        ]
        rows.append(
            {
                "model": name,
                "steps_per_rep": k,
                "runtime_steps_per_s": 1 / runtime_s,
                "native_steps_per_s": 1 / native_s,
                "runtime_ms_per_step": runtime_s * 1e3,
                "native_ms_per_step": native_s * 1e3,
                "state_hash_ms": hash_s * 1e3,
                "ratio": _ratio(times, "runtime", "native"),
                "ratio_with_hash": statistics.median(per_rep_with_hash),
            }
        )
    return rows


# --- state hashing --------------------------------------------------------------------------


def big_state(megabytes: int, device: torch.device, tensors: int = 16) -> TrainState:
    """A state of `megabytes` MiB of float32: half parameters, half optimizer moments."""
    per = megabytes * (1 << 20) // 4 // tensors
    g = torch.Generator().manual_seed(0)
    made = [torch.randn(per, generator=g).to(device) for _ in range(tensors)]
    params = {f"layer{i}.weight": t for i, t in enumerate(made[: tensors // 2])}
    moments = {f"exp_avg/layer{i}.weight": t for i, t in enumerate(made[tensors // 2 :])}
    return TrainState(1, 0, 0, params, moments)


def bench_state_hash(device: torch.device, reps: int, megabytes: int = 64) -> dict[str, Any]:
    """MB/s of state_hash vs clone() and vs bare sha256 of the same bytes."""
    state = big_state(megabytes, device)
    tensors = list(state.tensors().values())
    host = [t.cpu().numpy() for t in tensors]

    def clone() -> None:
        for t in tensors:
            t.clone()

    def sha() -> None:
        for a in host:
            hashlib.sha256(a.data).digest()

    def to_host() -> None:
        for t in tensors:
            t.cpu()

    sides: dict[str, Callable[[], object]] = {
        "state_hash": lambda: state_hash(state),
        "clone": clone,
        "sha256": sha,
    }
    if device.type != "cpu":  # the hash reads host bytes: the device-to-host copy is a floor
        sides["to_host"] = to_host
    times = interleaved(sides, reps, device)
    mb = megabytes * (1 << 20) / 1e6
    out: dict[str, Any] = {"megabytes": megabytes}
    for side in sides:
        out[f"{side}_mb_s"] = mb / statistics.median(times[side])
        if side != "state_hash":
            out[f"ratio_vs_{side}"] = _ratio(times, "state_hash", side)
    return out


# --- tracing --------------------------------------------------------------------------------


class _PhaseCounter:
    """An OpRecorder that counts the operators of each phase (forward, backward, optimizer)."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.counts: dict[str, int] = {}

    def bind(self, name: str, tensor: Tensor) -> None:
        return None

    def record(self, func: Any, ctx: Any, args: Any, kwargs: Any, out: Any) -> None:
        phase = self.trainer.mode.phase
        self.counts[phase] = self.counts.get(phase, 0) + 1


def bench_trace(device: torch.device, reps: int, name: str = "digits-mlp") -> dict[str, Any]:
    """trace_step of one step (fresh trainer, resume, hashes, recording) vs an untraced step."""
    spec, data = example(name, device)
    base = Trainer(spec, data, device=device)
    for _ in range(3):
        base.train_step()
    start = TrainState(base.step, base.seed, base.step * base.batch_size,
                       {k: v.detach().clone() for k, v in base.params.items()},
                       {k: v.detach().clone() for k, v in base.moments.items()})  # fmt: skip
    plain = Trainer(spec, data, device=device)
    recorded = Trainer(spec, data, device=device)
    records: list[int] = []
    phases = _PhaseCounter(plain)
    plain.train_step(phases)

    def traced() -> None:
        records.append(len(trace_step(spec, data, start, start.step + 1, str(device)).records))

    times = interleaved(
        {
            "untraced": plain.train_step,
            "recorder": lambda: recorded.train_step(Recorder()),
            "trace_step": traced,
        },
        reps,
        device,
    )
    return {
        "model": name,
        "ops_per_step": records[-1],
        "ops_by_phase": phases.counts,
        "untraced_ms": statistics.median(times["untraced"]) * 1e3,
        "recorder_ms": statistics.median(times["recorder"]) * 1e3,
        "trace_step_ms": statistics.median(times["trace_step"]) * 1e3,
        "recorder_ratio": _ratio(times, "recorder", "untraced"),
        "trace_step_ratio": _ratio(times, "trace_step", "untraced"),
    }


# --- where the MLP step's time goes ---------------------------------------------------------


class _PassMode(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """A dispatch mode that runs every operator as torch would: the cost of the Python hop."""

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        return func(*args, **(kwargs or {}))


@contextmanager
def _torch_kernels() -> Iterator[None]:
    """ReproMode with every operator run by torch itself (its checks kept, kernels swapped)."""
    saved = getattr(repro_dispatch, "run_kernel")  # noqa: B009 - not re-exported

    def passthrough(func: Any, ctx: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return func(*args, **kwargs)

    setattr(repro_dispatch, "run_kernel", passthrough)  # noqa: B010 - not re-exported
    try:
        yield
    finally:
        setattr(repro_dispatch, "run_kernel", saved)  # noqa: B010


def bench_mlp_decomposition(device: torch.device, reps: int) -> dict[str, Any]:
    """The MLP step timed four ways, interleaved; each level adds one source of cost."""
    spec, data = example("digits-mlp", device)
    k = STEPS_PER_REP["digits-mlp"]
    trainers = {
        "native": Trainer(spec, data, device=device, reproducible=False),
        "python_dispatch": Trainer(spec, data, device=device, reproducible=False),
        "repro_checks": Trainer(spec, data, device=device, reproducible=True),
        "runtime": Trainer(spec, data, device=device, reproducible=True),
    }

    def run(level: str) -> None:
        t = trainers[level]
        if level == "python_dispatch":
            with _PassMode():  # type: ignore[no-untyped-call]
                for _ in range(k):
                    t.train_step()
        elif level == "repro_checks":
            with _torch_kernels():
                for _ in range(k):
                    t.train_step()
        else:
            for _ in range(k):
                t.train_step()

    sides: dict[str, Callable[[], object]] = {
        level: functools.partial(run, level) for level in trainers
    }
    times = interleaved(sides, reps, device)
    return {
        level: {
            "ms_per_step": statistics.median(times[level]) / k * 1e3,
            "ratio": _ratio(times, level, "native"),
        }
        for level in trainers
    }


def _repeat(fn: Callable[[Tensor, Tensor], Tensor], a: Tensor, b: Tensor, n: int = 20) -> None:
    for _ in range(n):
        fn(a, b)


@contextmanager
def _torch_path() -> Iterator[None]:
    """fp's torch code instead of its compiled CPU kernels (ASSAY_NATIVE=0, read at each call)."""
    saved = os.environ.get(native.ENV_SWITCH)
    os.environ[native.ENV_SWITCH] = "0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ[native.ENV_SWITCH]
        else:
            os.environ[native.ENV_SWITCH] = saved


def _torch_path_matmul(a: Tensor, b: Tensor) -> Tensor:
    with _torch_path():
        return fp.matmul(a, b)


# (a shape, b shape): the zoo's matmuls (MLP; CNN im2col and head; GPT projections, attention)
# and one square size.
MATMUL_SHAPES: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((64, 64), (64, 128)),
    ((64, 128), (128, 10)),
    ((128, 64), (64, 64)),
    ((16, 72), (64, 72, 64)),
    ((16, 4096), (4096, 72)),
    ((64, 1024), (1024, 10)),
    ((512, 32), (32, 96)),
    ((32, 32, 16), (32, 16, 32)),
    ((32, 512), (512, 128)),
    ((512, 512), (512, 512)),
)


def bench_matmul(device: torch.device, reps: int) -> list[dict[str, Any]]:
    """fp.matmul (products rounded to f32, pairwise tree over K), by its torch code and by the
    compiled CPU kernel (when built), vs torch.matmul, at the zoo's shapes and 512x512x512."""
    g = torch.Generator().manual_seed(1)
    compiled = device.type == "cpu" and native.load() is not None
    rows = []
    for a_shape, b_shape in MATMUL_SHAPES:
        a = torch.randn(a_shape, generator=g).to(device)
        b = torch.randn(b_shape, generator=g).to(device)
        n = 2 if a.numel() * b.shape[-1] > 1 << 24 else 20  # calls per rep
        sides: dict[str, Callable[[], object]] = {
            "torch_path": functools.partial(_repeat, _torch_path_matmul, a, b, n),
            "torch": functools.partial(_repeat, torch.matmul, a, b, n),
        }
        if compiled:
            sides["compiled"] = functools.partial(_repeat, fp.matmul, a, b, n)
        times = interleaved(sides, reps, device)
        row = {
            "shape": f"{'x'.join(map(str, a_shape))} @ {'x'.join(map(str, b_shape))}",
            "torch_path_us": statistics.median(times["torch_path"]) / n * 1e6,
            "torch_us": statistics.median(times["torch"]) / n * 1e6,
            "ratio": _ratio(times, "torch_path", "torch"),
        }
        if compiled:
            row["compiled_us"] = statistics.median(times["compiled"]) / n * 1e6
            row["compiled_ratio"] = _ratio(times, "compiled", "torch")
        rows.append(row)
    return rows


def bench_compiled_steps(device: torch.device, reps: int) -> list[dict[str, Any]]:
    """One runtime training step with fp's compiled CPU kernels vs its torch code (CPU only)."""
    if device.type != "cpu" or native.load() is None:
        return []
    rows = []
    for name in ("digits-mlp", "digits-cnn"):
        spec, data = example(name, device)
        k = STEPS_PER_REP[name]
        trainers = {side: Trainer(spec, data, device=device) for side in ("compiled", "torch")}

        def run(trainer: Trainer, torch_path: bool, k: int = k) -> None:
            with _torch_path() if torch_path else contextlib.nullcontext():
                for _ in range(k):
                    trainer.train_step()

        runs: dict[str, Callable[[], object]] = {
            side: functools.partial(run, t, side == "torch") for side, t in trainers.items()
        }
        times = interleaved(runs, reps, device)
        rows.append(
            {
                "model": name,
                "compiled_ms": statistics.median(times["compiled"]) / k * 1e3,
                "torch_path_ms": statistics.median(times["torch"]) / k * 1e3,
                "speedup": _ratio(times, "torch", "compiled"),
            }
        )
    return rows


# cProfile groups: (label, function name, file suffix); cumulative time of the named function.
_GROUPS = (
    ("whole step + state hash", "_profiled", "bench/repro.py"),
    ("  forward (model + loss)", "_loss", "repro/trainer.py"),
    ("  backward (autograd.grad)", "grad", "autograd/__init__.py"),
    ("  optimizer update", "_update", "repro/trainer.py"),
    ("  batch draw (rng.permutation)", "permutation", "repro/rng.py"),
    ("  state_hash (sha256 + Merkle)", "state_hash", "repro/state.py"),
    ("every op through ReproMode", "__torch_dispatch__", "repro/dispatch.py"),
    ("  its checks (_check_float32)", "_check_float32", "repro/dispatch.py"),
    ("  kernels + passthrough ops", "run_kernel", "repro/kernels.py"),
    ("    matmul (mm/addmm -> fp.matmul)", "matmul", "repro/fp.py"),
    ("    tree_sum (all pairwise sums)", "tree_sum", "repro/fp.py"),
    ("    exp", "exp", "repro/fp.py"),
    ("    log", "log", "repro/fp.py"),
    ("    nll_loss fwd/bwd", "nll_loss_forward", "repro/kernels_nn.py"),
)


def _profiled(trainer: Trainer, steps: int) -> None:
    for _ in range(steps):
        trainer.train_step()
        trainer.state_hash()


def profile_mlp(device: torch.device, steps: int = 20, top: int = 15) -> dict[str, Any]:
    """cProfile of MLP runtime steps (each followed by its state hash), grouped and top-N."""
    spec, data = example("digits-mlp", device)
    trainer = Trainer(spec, data, device=device)
    _profiled(trainer, 2)
    prof = cProfile.Profile()
    prof.runcall(_profiled, trainer, steps)
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = next(v[3] for k, v in stats.items() if k[2] == "_profiled")
    dispatch_calls = sum(
        v[1] for k, v in stats.items() if k[2] == "__torch_dispatch__" and "repro" in k[0]
    )
    groups = []
    for label, func, suffix in _GROUPS:
        hits = [v for k, v in stats.items() if k[2] == func and k[0].endswith(suffix)]
        cum = sum(v[3] for v in hits)
        calls = sum(v[1] for v in hits)
        groups.append({"what": label, "calls_per_step": calls / steps,
                       "ms_per_step": cum / steps * 1e3, "share": cum / total})  # fmt: skip
    ours = [
        (k, v) for k, v in stats.items() if "/assay/repro/" in k[0].replace("\\", "/") and v[3] > 0
    ]
    ours.sort(key=lambda kv: kv[1][3], reverse=True)
    entries = [
        {
            "function": f"{Path(k[0]).name}:{k[1]}({k[2]})",
            "calls_per_step": v[1] / steps,
            "cum_ms_per_step": v[3] / steps * 1e3,
            "own_ms_per_step": v[2] / steps * 1e3,
        }
        for k, v in ours[:top]
    ]
    return {
        "steps": steps,
        "ms_per_step_under_profiler": total / steps * 1e3,
        "aten_ops_per_step": dispatch_calls / steps,
        "groups": groups,
        "top": entries,
    }


# --- entry ----------------------------------------------------------------------------------


def run_all(device: str = "cpu", reps: int = 7, threads: int = 1) -> dict[str, Any]:
    """Every runtime benchmark; `threads` > 0 pins torch's intra-op threads (CPU noise)."""
    dev = torch.device(device)
    # The native baseline's cuBLAS calls need this under torch.use_deterministic_algorithms.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if threads > 0:
        torch.set_num_threads(threads)
    out: dict[str, Any] = {
        "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "reps": reps,
    }
    out["models"] = bench_models(dev, reps)
    out["state_hash"] = bench_state_hash(dev, reps)
    out["trace"] = bench_trace(dev, reps)
    out["mlp_decomposition"] = bench_mlp_decomposition(dev, reps)
    out["matmul"] = bench_matmul(dev, reps)
    out["compiled_steps"] = bench_compiled_steps(dev, reps)
    out["profile"] = profile_mlp(dev)
    return out


def _line(cells: list[str], widths: list[int]) -> str:
    first = cells[0].ljust(widths[0])
    return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    head = _line(headers, widths)
    body = ["  " + _line(r, widths) for r in rows]
    return "\n".join(["  " + head, "  " + "-" * len(head), *body])


def _matmul_report(r: dict[str, Any]) -> list[str]:
    compiled = any("compiled_us" in m for m in r["matmul"])
    out = [
        f"fp.matmul (torch code{', compiled CPU kernel' if compiled else ''}) vs torch.matmul:",
        _table(
            ["shape", "torch path us", "ratio"]
            + (["compiled us", "ratio"] if compiled else [])
            + ["torch us"],
            [
                [m["shape"], f"{m['torch_path_us']:.0f}", f"{m['ratio']:.1f}x"]
                + ([f"{m['compiled_us']:.0f}", f"{m['compiled_ratio']:.1f}x"] if compiled else [])
                + [f"{m['torch_us']:.0f}"]
                for m in r["matmul"]
            ],
        ),
        "",
    ]
    if r.get("compiled_steps"):
        out += [
            "Runtime training step, fp's compiled CPU kernels vs its torch code:",
            _table(
                ["model", "compiled ms", "torch path ms", "speedup"],
                [
                    [
                        s["model"],
                        f"{s['compiled_ms']:.1f}",
                        f"{s['torch_path_ms']:.1f}",
                        f"{s['speedup']:.2f}x",
                    ]
                    for s in r["compiled_steps"]
                ],
            ),
            "",
        ]
    return out


def report(r: dict[str, Any]) -> str:
    """The results as readable tables."""
    out = [
        f"Reproducible runtime on {r['device_name']} ({r['device']}), torch {r['torch']}, "
        f"{r['torch_threads']} intra-op thread(s); medians of {r['reps']} interleaved reps.",
        "",
        "Training steps/s, runtime (ReproMode) vs native torch (Trainer(reproducible=False)):",
    ]
    rows = [
        [
            m["model"],
            f"{m['native_steps_per_s']:.1f}",
            f"{m['runtime_steps_per_s']:.1f}",
            f"{m['state_hash_ms']:.2f}",
            f"{m['ratio']:.2f}x",
            f"{m['ratio_with_hash']:.2f}x",
        ]
        for m in r["models"]
    ]
    headers = ["model", "native/s", "runtime/s", "hash ms", "ratio", "ratio+hash"]
    out += [_table(headers, rows)]
    for m in r["models"]:
        goal = GOAL_RATIOS.get(m["model"])
        if goal is not None:
            verdict = "meets" if m["ratio"] <= goal else "misses"
            out.append(f"  {m['model']} {verdict} the <= {goal}x goal ({m['ratio']:.2f}x).")
    out.append("")
    s = r["state_hash"]
    out += [
        f"State hashing, {s['megabytes']} MiB of float32 in 16 tensors:",
        _table(
            ["", "MB/s", "state_hash time ratio"],
            [
                ["state_hash", f"{s['state_hash_mb_s']:.0f}", "1.00x"],
                ["Tensor.clone()", f"{s['clone_mb_s']:.0f}", f"{s['ratio_vs_clone']:.2f}x"],
                ["bare sha256", f"{s['sha256_mb_s']:.0f}", f"{s['ratio_vs_sha256']:.2f}x"],
                *(
                    [["Tensor.cpu()", f"{s['to_host_mb_s']:.0f}", f"{s['ratio_vs_to_host']:.2f}x"]]
                    if "to_host_mb_s" in s
                    else []
                ),
            ],
        ),
        "",
    ]
    t = r["trace"]
    phases = ", ".join(f"{n} {k}" for k, n in t["ops_by_phase"].items())
    untraced_ops = sum(t["ops_by_phase"].values())
    out += [
        f"Op tracing, one {t['model']} step ({t['ops_per_step']} operators recorded; "
        f"the untraced step dispatches {untraced_ops}: {phases}):",
        _table(
            ["", "ms", "ratio"],
            [
                ["untraced runtime step", f"{t['untraced_ms']:.1f}", "1.00x"],
                ["step with a Recorder", f"{t['recorder_ms']:.1f}", f"{t['recorder_ratio']:.2f}x"],
                [
                    "trace_step (whole)",
                    f"{t['trace_step_ms']:.1f}",
                    f"{t['trace_step_ratio']:.2f}x",
                ],
            ],
        ),
        "",
        "digits-mlp step decomposition (each level adds one cost):",
    ]
    labels = {
        "native": "native torch",
        "python_dispatch": "+ pass-through Python dispatch mode",
        "repro_checks": "+ ReproMode checks, torch kernels",
        "runtime": "+ fixed-order kernels (runtime)",
    }
    d = r["mlp_decomposition"]
    out += [
        _table(
            ["level", "ms/step", "ratio"],
            [[labels[k], f"{v['ms_per_step']:.2f}", f"{v['ratio']:.2f}x"] for k, v in d.items()],
        ),
        "",
    ]
    out += _matmul_report(r)
    p = r["profile"]
    out += [
        f"cProfile of {p['steps']} digits-mlp runtime steps + state hashes "
        f"({p['ms_per_step_under_profiler']:.1f} ms/step under the profiler, "
        f"{p['aten_ops_per_step']:.0f} aten ops/step):",
        _table(
            ["component (cumulative)", "calls/step", "ms/step", "share"],
            [
                [
                    g["what"],
                    f"{g['calls_per_step']:.0f}" if g["calls_per_step"] >= 1 else "-",
                    f"{g['ms_per_step']:.2f}",
                    f"{g['share'] * 100:.0f}%",
                ]
                for g in p["groups"]
            ],
        ),
        "",
        "Top runtime functions by cumulative time:",
        _table(
            ["function", "calls/step", "cum ms", "own ms"],
            [
                [
                    e["function"],
                    f"{e['calls_per_step']:.0f}",
                    f"{e['cum_ms_per_step']:.2f}",
                    f"{e['own_ms_per_step']:.2f}",
                ]
                for e in p["top"]
            ],
        ),
    ]
    return "\n".join(out)
