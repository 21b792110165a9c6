"""SGD and AdamW as explicit float32 elementwise operations, plus lr schedules and clipping.

Every update is a fixed sequence of single IEEE operations on float32 tensors (no foreach,
fused, addcmul or lerp kernels), run under ReproMode so that even these go through the
reproducible kernels. Scalars (lr, bias corrections, schedule factors) are computed with numpy
float32 scalar arithmetic — each operation correctly rounded — so they are the same on every
host. cos() of the cosine schedule is a fixed float32 polynomial, not libm (whose last bit
differs between platforms).

Moments start at zero and every step runs the same operations (static graph): SGD momentum
therefore starts from buf = momentum * 0 + g, which equals torch's buf = g.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from assay.repro import fp

f32 = np.float32


def _f(x: Any) -> float:
    return float(f32(x))


def pow_f32(base: float, n: int) -> float:
    """base**n by binary exponentiation in float32 (a fixed sequence of rounded products)."""
    result, b = f32(1.0), f32(base)
    while n > 0:
        if n & 1:
            result = f32(result * b)
        b = f32(b * b)
        n >>= 1
    return float(result)


# cos(y) = sum (-1)^k y^2k / (2k)!, k = 0..8, for y in [0, pi/2]: truncation error < 1e-12.
_COS_COEFFS = [f32((-1) ** k / float(np.prod(np.arange(1, 2 * k + 1, dtype=np.float64))))
               for k in range(8, -1, -1)]  # fmt: skip
_PI = f32(np.pi)


def cos_pi(p: float) -> float:
    """cos(pi * p) for p in [0, 1] in float32: symmetry about 1/2, then a Horner polynomial."""
    q = f32(min(max(f32(p), f32(0.0)), f32(1.0)))
    sign = f32(1.0)
    if q > f32(0.5):
        q, sign = f32(f32(1.0) - q), f32(-1.0)
    y = f32(_PI * q)
    y2 = f32(y * y)
    acc = f32(0.0)
    for c in _COS_COEFFS:
        acc = f32(f32(acc * y2) + c)
    return float(f32(sign * acc))


def learning_rate(schedule: Any, lr: float, index: int, total: int) -> float:
    """The float32 lr of update `index` (0-based) out of `total` for a spec schedule."""
    base = f32(lr)
    name = getattr(schedule, "name", "constant")
    warmup = int(getattr(schedule, "warmup_steps", 0))
    if name in ("warmup", "cosine") and index < warmup:
        return float(f32(base * f32(f32(index + 1) / f32(warmup))))
    if name == "cosine":
        low = f32(schedule.min_lr)
        progress = f32(f32(index - warmup) / f32(max(1, total - 1 - warmup)))
        half = f32(f32(f32(1.0) + f32(cos_pi(float(progress)))) * f32(0.5))
        return float(f32(low + f32(f32(base - low) * half)))
    return float(base)


def clip_grad_norm(grads: list[Tensor], max_norm: float) -> list[Tensor]:
    """g * min(1, max_norm / (norm + 1e-6)), norm = sqrt(tree_sum of per-tensor tree_sums of g²).

    Always multiplies (also when no clipping is needed) so that the graph is static.
    """
    # Under ReproMode each .sum() is one aten.sum (fp.tree_sum over the flattened tensor).
    squares = torch.stack([(g * g).sum() for g in grads])
    norm = torch.sqrt(squares.sum())
    coef = torch.full_like(norm, _f(max_norm)) / (norm + _f(1e-6))
    coef = torch.minimum(coef, torch.ones_like(coef))
    return [g * coef for g in grads]


@dataclass(frozen=True)
class SGD:
    """torch.optim.SGD semantics: coupled weight decay, momentum (dampening 0), nesterov."""

    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0

    def slots(self) -> tuple[str, ...]:
        """Names of the per-parameter state tensors."""
        return ("momentum",) if self.momentum else ()

    def update(
        self, p: Tensor, g: Tensor, slots: dict[str, Tensor], lr: float, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """One step for one parameter: (new parameter, new slots); `step` counts from 1."""
        if self.weight_decay:
            g = g + p * _f(self.weight_decay)
        new: dict[str, Tensor] = {}
        if self.momentum:
            buf = slots["momentum"] * _f(self.momentum) + g
            new["momentum"] = buf
            g = g + buf * _f(self.momentum) if self.nesterov else buf
        return p - g * _f(lr), new

    def update_(self, p: Tensor, g: Tensor, slots: dict[str, Tensor], lr: float, step: int) -> bool:
        """`update` in place by the compiled kernel, if it can take these tensors (else False)."""
        buf = slots.get("momentum")
        ops = fp.compiled_for(p, g, *slots.values())
        if ops is None or not _in_place_ok(p, *slots.values()):
            return False
        ops.sgd_(p, g, buf, _f(self.weight_decay), _f(self.momentum), self.nesterov, _f(lr))
        return True


def _in_place_ok(p: Tensor, *state: Tensor) -> bool:
    return all(t.is_contiguous() and t.shape == p.shape for t in (p, *state))


def can_update_in_place(p: Tensor, g: Tensor, slots: dict[str, Tensor]) -> bool:
    """Whether an optimizer's `update_` would take these tensors now."""
    return fp.compiled_for(p, g, *slots.values()) is not None and _in_place_ok(p, *slots.values())


@dataclass(frozen=True)
class AdamW:
    """torch.optim.AdamW semantics (decoupled decay, bias-corrected), op by op."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.01

    def slots(self) -> tuple[str, ...]:
        """Names of the per-parameter state tensors."""
        return ("exp_avg", "exp_avg_sq")

    def update(
        self, p: Tensor, g: Tensor, slots: dict[str, Tensor], lr: float, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """One step for one parameter: (new parameter, new slots); `step` counts from 1."""
        s = self.scalars(lr, step)
        p = p * s.decay
        m = slots["exp_avg"] * s.b1 + g * s.one_minus_b1
        v = slots["exp_avg_sq"] * s.b2 + (g * g) * s.one_minus_b2
        denom = torch.sqrt(v) / s.bc2_sqrt + s.eps
        return p - (m / denom) * s.step_size, {"exp_avg": m, "exp_avg_sq": v}

    def update_(self, p: Tensor, g: Tensor, slots: dict[str, Tensor], lr: float, step: int) -> bool:
        """`update` in place by the compiled kernel, if it can take these tensors (else False)."""
        m, v = slots["exp_avg"], slots["exp_avg_sq"]
        ops = fp.compiled_for(p, g, m, v)
        if ops is None or not _in_place_ok(p, m, v):
            return False
        ops.adamw_(p, g, m, v, *self.scalars(lr, step))
        return True

    def scalars(self, lr: float, step: int) -> AdamWScalars:
        """The update's float32 scalars for this lr and step (numpy float32 arithmetic)."""
        b1, b2 = f32(self.beta1), f32(self.beta2)
        decay = f32(f32(1.0) - f32(f32(lr) * f32(self.weight_decay)))
        bc1 = f32(f32(1.0) - f32(pow_f32(self.beta1, step)))
        bc2_sqrt = np.sqrt(f32(f32(1.0) - f32(pow_f32(self.beta2, step))))
        step_size = f32(f32(lr) / bc1)
        return AdamWScalars(*(float(v) for v in (decay, b1, f32(1.0) - b1, b2, f32(1.0) - b2,
                                                 bc2_sqrt, f32(self.eps), step_size)))  # fmt: skip


class AdamWScalars(NamedTuple):
    """AdamW's per-step scalars, each a float32 value held exactly in a Python float."""

    decay: float
    b1: float
    one_minus_b1: float
    b2: float
    one_minus_b2: float
    bc2_sqrt: float
    eps: float
    step_size: float


Optimizer = SGD | AdamW


def build_optimizer(optimizer_spec: Any) -> Optimizer:
    """The optimizer of a JobSpec `training.optimizer` section."""
    if optimizer_spec.name == "sgd":
        s = optimizer_spec
        return SGD(float(s.momentum), bool(s.nesterov), float(s.weight_decay))
    if optimizer_spec.name == "adamw":
        a = optimizer_spec
        return AdamW(float(a.beta1), float(a.beta2), float(a.eps), float(a.weight_decay))
    raise ValueError(f"unknown optimizer {optimizer_spec.name!r}; choose sgd or adamw")
