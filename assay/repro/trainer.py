"""The reproducible training loop: every step's state hash, bit-identical on any device.

A story in four parts, torchtitan-style: `Trainer.__init__` builds the model (rng init), the
optimizer and the initial state; `run()` yields h_0 and then, for each step, draws the batch
(rng permutation per epoch), runs forward + cross-entropy + backward + clip + optimizer under
ReproMode, and yields the new state hash; `resume()` continues from a checkpoint; `evaluate()`
computes the job's metric, also under ReproMode. Determinism is switched on in one place
(`dispatch.configure_determinism`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils._python_dispatch import _disable_current_modes as _no_dispatch

from assay.protocol.canonical import spec_hash
from assay.protocol.types import StateHash
from assay.repro import rng
from assay.repro.dispatch import OpRecorder, ReproMode, configure_determinism
from assay.repro.errors import ReproducibilityError
from assay.repro.optim import build_optimizer, can_update_in_place, clip_grad_norm, learning_rate
from assay.repro.state import TrainState, load_checkpoint, save_checkpoint, state_hash
from assay.repro.zoo import build_model

EVAL_CHUNK = 1024
"""Test rows per evaluation forward pass; part of the metric's definition (sum order)."""


@dataclass(frozen=True)
class StepResult:
    """The outcome of one step: h_step, and the training loss (None for h_0)."""

    step: int
    loss: float | None
    state_hash: StateHash


class Trainer:
    """Train a JobSpec on a Dataset reproducibly.

    Args:
        spec: the job (assay.protocol.spec.JobSpec).
        dataset: its data (assay.repro.data.Dataset).
        device: "cpu" or "cuda"; hashes do not depend on it.
        checkpoint_dir: where `run()` writes step_<n>.safetensors every checkpoint.interval.
        reproducible: False runs plain torch (benchmark baseline only; hashes then vary).
    """

    def __init__(
        self,
        spec: Any,
        dataset: Any,
        device: str | torch.device = "cpu",
        checkpoint_dir: Path | None = None,
        reproducible: bool = True,
    ) -> None:
        configure_determinism()
        self.spec, self.device = spec, torch.device(device)
        self.seed = int(spec.training.seed)
        self.batch_size = int(spec.training.batch_size)
        self.total_steps = int(spec.training.steps)
        self.checkpoint_dir, self.reproducible = checkpoint_dir, reproducible
        self.x_train = dataset.x_train.to(self.device)
        self.y_train = dataset.y_train.to(self.device)
        self.x_test, self.y_test = dataset.x_test.to(self.device), dataset.y_test.to(self.device)
        self.n_train = int(self.y_train.shape[0])
        if self.batch_size > self.n_train:
            raise ReproducibilityError(
                f"batch_size {self.batch_size} exceeds the {self.n_train} training rows; lower it"
            )
        self.model = build_model(spec.model, dataset.info, self.seed, self.device)
        self.optimizer = build_optimizer(spec.training.optimizer)
        self.mode = ReproMode(seed=self.seed)
        self._hooks = self.mode.track(self.model)
        self.params: dict[str, Tensor] = dict(self.model.named_parameters())
        self.moments = {
            f"{slot}/{name}": torch.zeros_like(p)
            for name, p in self.params.items()
            for slot in self.optimizer.slots()
        }
        self.step = 0
        self._epoch_order: tuple[int, Tensor] | None = None
        self._spec_hash = "0x" + spec_hash(spec).hex()

    # --- state -----------------------------------------------------------------------------

    @property
    def state(self) -> TrainState:
        """The current training state (live tensors, not copies)."""
        cursor = self.step * self.batch_size
        return TrainState(self.step, self.seed, cursor, self.params, self.moments, self._spec_hash)

    def state_hash(self) -> StateHash:
        """h_step of the current state."""
        return state_hash(self.state)

    def resume(self, checkpoint: str | Path | TrainState) -> None:
        """Continue from a checkpoint (path or state); later steps match an unbroken run."""
        st = checkpoint if isinstance(checkpoint, TrainState) else load_checkpoint(checkpoint)
        if st.seed != self.seed or set(st.params) != set(self.params):
            raise ReproducibilityError("the checkpoint belongs to another job; use its own spec")
        if set(st.moments) != set(self.moments):
            raise ReproducibilityError("the checkpoint's optimizer state does not match the spec")
        with torch.no_grad():
            for name, t in st.params.items():
                self.params[name].copy_(t)
            for name, t in st.moments.items():
                self.moments[name].copy_(t)
        self.step = st.step

    # --- training --------------------------------------------------------------------------

    def batch(self, step: int) -> tuple[Tensor, Tensor]:
        """The batch of `step` (1-based): epoch e is rng.permutation keyed by step=e, no tail."""
        per_epoch = self.n_train // self.batch_size
        epoch, index = divmod(step - 1, per_epoch)
        if self._epoch_order is None or self._epoch_order[0] != epoch:
            # One permutation per epoch, drawn once: recomputing it every step cost ~1 ms.
            order = rng.permutation(self.n_train, seed=self.seed, purpose="data/order", step=epoch)
            self._epoch_order = (epoch, order.to(self.device))
        order = self._epoch_order[1]
        rows = order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x_train.index_select(0, rows), self.y_train.index_select(0, rows)

    def train_step(self, recorder: OpRecorder | None = None) -> float:
        """Advance one step; returns the training loss. `recorder` receives every operator."""
        step = self.step + 1
        x, y = self.batch(step)
        names = sorted(self.params)
        mode = self.mode if self.reproducible else None
        if recorder is not None:
            for name, t in self.state.tensors().items():
                recorder.bind(name, t)
            recorder.bind("batch/x", x)
            recorder.bind("batch/y", y)
        if mode is not None:
            mode.recorder = recorder
            mode.start_step(step)
        lr = learning_rate(self.spec.training.schedule, self.spec.training.optimizer.lr,
                           step - 1, self.total_steps)  # fmt: skip
        self.model.train()
        with mode if mode is not None else _null():
            loss = self._loss(x, y)
            if mode is not None:
                mode.phase = "backward"
            grads = list(torch.autograd.grad(loss, [self.params[n] for n in names]))
            if mode is not None:
                mode.phase = "optimizer"
            with torch.no_grad():
                if self.spec.training.grad_clip is not None:
                    grads = clip_grad_norm(grads, float(self.spec.training.grad_clip))
                if recorder is not None or not self._update_in_place(names, grads, lr, step):
                    for name, g in zip(names, grads, strict=True):
                        self._update(name, g, lr, step)
        if mode is not None:
            mode.recorder = None
        self.step = step
        return float(loss.detach())

    def _loss(self, x: Tensor, y: Tensor) -> Tensor:
        logits = self.model(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def _update_in_place(self, names: list[str], grads: list[Tensor], lr: float, step: int) -> bool:
        """Every parameter's update by the compiled in-place kernel, when all can take it.

        Outside ReproMode (the kernel is one opaque op, not the update's aten ops) but the same
        operation sequence, so the state is bit-identical; a traced step keeps the op-by-op form,
        whose records are what a dispute bisects. Either every parameter is updated here or none.
        """
        if not self.reproducible:
            return False
        slots = [{s: self.moments[f"{s}/{n}"] for s in self.optimizer.slots()} for n in names]
        with _no_dispatch():
            if not all(
                can_update_in_place(self.params[n], g, sl)
                for n, g, sl in zip(names, grads, slots, strict=True)
            ):
                return False
            for name, g, sl in zip(names, grads, slots, strict=True):
                if not self.optimizer.update_(self.params[name], g, sl, lr, step):
                    raise ReproducibilityError(f"the compiled update refused parameter {name!r}")
        return True

    def _update(self, name: str, g: Tensor, lr: float, step: int) -> None:
        slots = {s: self.moments[f"{s}/{name}"] for s in self.optimizer.slots()}
        new_p, new_slots = self.optimizer.update(self.params[name], g, slots, lr, step)
        self.params[name].copy_(new_p)
        for s, t in new_slots.items():
            self.moments[f"{s}/{name}"].copy_(t)

    def run(self) -> Iterator[StepResult]:
        """Yield the current state's hash (h_0 on a fresh run), then every step's to the end."""
        yield StepResult(self.step, None, self.state_hash())
        interval = int(self.spec.checkpoint.interval)
        while self.step < self.total_steps:
            loss = self.train_step()
            if self.checkpoint_dir is not None and self.step % interval == 0:
                self.save(self.checkpoint_dir / f"step_{self.step}.safetensors")
            yield StepResult(self.step, loss, self.state_hash())

    def save(self, path: Path) -> None:
        """Checkpoint the current state as safetensors, atomically.

        Written beside its name, then renamed: a run killed mid-write (a worker SIGKILLed,
        then retried) never leaves a truncated `step_<n>.safetensors` for a reader to load.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            save_checkpoint(tmp, self.state)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    # --- evaluation ------------------------------------------------------------------------

    def evaluate(self) -> float:
        """The job's metric on the test split: accuracy, mean loss, or perplexity = exp(loss)."""
        metric = str(self.spec.evaluation.metric)
        self.model.eval()
        correct, total_loss, count = 0, None, 0
        mode = self.mode if self.reproducible else None
        if mode is not None:
            mode.phase = "evaluate"
        with mode if mode is not None else _null(), torch.no_grad():
            for start in range(0, int(self.y_test.shape[0]), EVAL_CHUNK):
                x = self.x_test[start : start + EVAL_CHUNK]
                y = self.y_test[start : start + EVAL_CHUNK].reshape(-1)
                logits = self.model(x)
                logits = logits.reshape(-1, logits.shape[-1])
                if metric == "accuracy":
                    correct += int((logits.max(dim=1).indices == y).sum())
                else:
                    part = F.cross_entropy(logits, y, reduction="sum")
                    total_loss = part if total_loss is None else total_loss + part
                count += int(y.shape[0])
            if metric == "accuracy":
                return correct / count
            assert total_loss is not None
            mean = total_loss / float(count)
            return float(torch.exp(mean) if metric == "perplexity" else mean)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
