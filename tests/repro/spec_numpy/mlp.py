"""§7.1 and Appendix A.1: one AdamW step of the digits MLP, every operator record with its value."""

from __future__ import annotations

import itertools
import math

import numpy as np

from tests.repro.spec_numpy.core import (
    F32,
    cross_entropy_grad,
    log_softmax,
    mm,
    relu,
    sqrt,
    threshold_backward,
    tree_sum,
    uniform,
    uniform_range,
)
from tests.repro.spec_numpy.records import Ref, StepRecords, Torch

P = (
    Ref("param/net.0.weight"),
    Ref("param/net.0.bias"),
    Ref("param/net.3.weight"),
    Ref("param/net.3.bias"),
)


def mlp_step_records(
    params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, step: int, seed: int
) -> tuple[StepRecords, dict[str, np.ndarray]]:
    """Records 1–33 (forward, backward) and 17 AdamW records per parameter, from zero moments
    at step 1 (weight decay 0.01); returns them and the new state tensors."""
    rec = StepRecords(seed, step)
    w1, b1, w3, b3 = (params[n] for n in ("net.0.weight", "net.0.bias", "net.3.weight",
                                          "net.3.bias"))  # fmt: skip
    n = len(y)
    with np.errstate(all="ignore"):
        z = mm(x, w1.T) + b1
        h = relu(z)
        lo = mm(h, w3.T) + b3
        lp = log_softmax(lo)
        loss, d_lo = cross_entropy_grad(lo, y)
        total = tree_sum(np.ones(n, dtype=F32))
        d_lp = np.zeros_like(lp)
        d_lp[np.arange(n), y] = -(F32(1.0) * (F32(1.0) / total))
        d_h = mm(d_lo, w3)
        dw3, db3 = mm(d_lo.T, h), tree_sum(d_lo)
        d_z = threshold_backward(d_h, h)
        dw1, db1 = mm(d_z.T, x), tree_sum(d_z)
    r1 = rec.add("t.default", [P[0]], w1.T)
    r2 = rec.add("addmm.default", [P[1], Ref("batch/x"), r1], z)
    r3 = rec.add("relu.default", [r2], h)
    r4 = rec.add("detach.default", [r3], h)
    r5 = rec.add("t.default", [P[2]], w3.T)
    r6 = rec.add("addmm.default", [P[3], r3, r5], lo)
    r7 = rec.add("view.default", [r6, [-1, 10]], lo)
    r8 = rec.add("view.default", [Ref("batch/y"), [-1]], y)
    r9 = rec.add("_log_softmax.default", [r7, 1, False], lp)
    r10 = rec.add("detach.default", [r9], lp)
    r11 = rec.add("nll_loss_forward.default", [r9, r8, None, 1, -100],
                  (np.array(loss, dtype=F32), np.array(total, dtype=F32)))  # fmt: skip
    one = np.array(1.0, dtype=F32)
    keep = {"memory_format": Torch("torch", "torch.preserve_format"), "pin_memory": False}
    r12 = rec.add("ones_like.default", [Ref(f"{r11}.0")], one, keep)
    r13 = rec.add("detach.default", [r12], one)
    r14 = rec.add("nll_loss_backward.default", [r13, r9, r8, None, 1, -100, Ref(f"{r11}.1")], d_lp)
    r15 = rec.add("detach.default", [r10], lp)
    r16 = rec.add("_log_softmax_backward_data.default",
                  [r14, r15, 1, Torch("dtype", "torch.float32")], d_lo)  # fmt: skip
    r17 = rec.add("view.default", [r16, [n, 10]], d_lo)
    r18 = rec.add("t.default", [r5], w3)
    r19 = rec.add("mm.default", [r17, r18], d_h)
    r20 = rec.add("t.default", [r17], d_lo.T)
    r21 = rec.add("mm.default", [r20, r3], dw3)
    r22 = rec.add("t.default", [r21], dw3.T)
    r23 = rec.add("sum.dim_IntList", [r17, [0], True], db3[None])
    r24 = rec.add("view.default", [r23, [10]], db3)
    r25 = rec.add("t.default", [r22], dw3)
    r26 = rec.add("detach.default", [r4], h)
    r27 = rec.add("threshold_backward.default", [r19, r26, 0], d_z)
    r28 = rec.add("t.default", [r27], d_z.T)
    r29 = rec.add("mm.default", [r28, Ref("batch/x")], dw1)
    r30 = rec.add("t.default", [r29], dw1.T)
    r31 = rec.add("sum.dim_IntList", [r27, [0], True], db1[None])
    r32 = rec.add("view.default", [r31, [128]], db1)
    r33 = rec.add("t.default", [r30], dw1)
    grads = {"net.0.bias": (r32, db1), "net.0.weight": (r33, dw1), "net.3.bias": (r24, db3),
             "net.3.weight": (r25, dw3)}  # fmt: skip
    b1_, b2_ = F32(0.9), F32(0.999)
    one_b1, one_b2 = F32(F32(1.0) - b1_), F32(F32(1.0) - b2_)
    decay = F32(F32(1.0) - F32(F32(lr) * F32(0.01)))
    bc1 = F32(F32(1.0) - b1_)  # pow_f32(beta1, 1)
    bc2_sqrt = np.sqrt(F32(F32(1.0) - b2_))
    step_size, eps = F32(F32(lr) / bc1), F32(1e-8)
    new: dict[str, np.ndarray] = {}
    for name in sorted(params):
        g_ref, g = grads[name]
        p, m0 = params[name], np.zeros_like(params[name])
        p_ref, m_ref, v_ref = (Ref(f"{kind}/{name}") for kind in
                               ("param", "optim/exp_avg", "optim/exp_avg_sq"))  # fmt: skip
        pd = p * decay
        k1 = rec.add("mul.Tensor", [p_ref, float(decay)], pd)
        k2 = rec.add("mul.Tensor", [m_ref, float(b1_)], m0 * b1_)
        k3 = rec.add("mul.Tensor", [g_ref, float(one_b1)], g * one_b1)
        m = m0 * b1_ + g * one_b1
        k4 = rec.add("add.Tensor", [k2, k3], m)
        k5 = rec.add("mul.Tensor", [v_ref, float(b2_)], m0 * b2_)
        k6 = rec.add("mul.Tensor", [g_ref, g_ref], g * g)
        k7 = rec.add("mul.Tensor", [k6, float(one_b2)], (g * g) * one_b2)
        v = m0 * b2_ + (g * g) * one_b2
        k8 = rec.add("add.Tensor", [k5, k7], v)
        k9 = rec.add("sqrt.default", [k8], sqrt(v))
        k10 = rec.add("div.Tensor", [k9, float(bc2_sqrt)], sqrt(v) / bc2_sqrt)
        denom = sqrt(v) / bc2_sqrt + eps
        k11 = rec.add("add.Tensor", [k10, float(eps)], denom)
        k12 = rec.add("div.Tensor", [k4, k11], m / denom)
        k13 = rec.add("mul.Tensor", [k12, float(step_size)], (m / denom) * step_size)
        p_new = pd - (m / denom) * step_size
        k14 = rec.add("sub.Tensor", [k1, k13], p_new)
        rec.add("copy_.default", [p_ref, k14], p_new)
        rec.add("copy_.default", [m_ref, k4], m)
        rec.add("copy_.default", [v_ref, k8], v)
        new[f"param/{name}"], new[f"optim/exp_avg/{name}"] = p_new, m
        new[f"optim/exp_avg_sq/{name}"] = v
    return rec, new


def mlp_dropout_grads(
    params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, p: float, seed: int, step: int
) -> dict[str, np.ndarray]:
    """§6.9, §7.1: the one-hidden-layer MLP with dropout p after the ReLU (purpose dropout/0)."""
    w1, b1, w3, b3 = (params[n] for n in ("net.0.weight", "net.0.bias", "net.3.weight",
                                          "net.3.bias"))  # fmt: skip
    keep = uniform(len(y) * w1.shape[0], seed, "dropout/0", step) < F32(1.0 - p)
    mask = keep.reshape(len(y), w1.shape[0]).astype(F32)
    scale = F32(1.0 / (1.0 - p))
    h = relu(mm(x, w1.T) + b1)
    hd = (h * mask) * scale
    _, d_lo = cross_entropy_grad(mm(hd, w3.T) + b3, y)
    d_h = (mm(d_lo, w3) * mask) * scale
    d_z = threshold_backward(d_h, h)
    return {"net.3.weight": mm(d_lo.T, hd), "net.3.bias": tree_sum(d_lo),
            "net.0.weight": mm(d_z.T, x), "net.0.bias": tree_sum(d_z)}  # fmt: skip


def clip(grads: dict[str, np.ndarray], max_norm: float) -> dict[str, np.ndarray]:
    """§7.4 over the gradients in sorted name order; always multiplies."""
    names = sorted(grads)
    squares = np.array([tree_sum((grads[n] * grads[n]).reshape(-1)) for n in names], dtype=F32)
    norm = sqrt(tree_sum(squares))
    coef = np.minimum(F32(max_norm) / (norm + F32(1e-6)), F32(1.0))
    return {n: grads[n] * coef for n in names}


def init_mlp(seed: int, widths: list[int]) -> dict[str, np.ndarray]:
    """§4.1–4.2: net.{3i}.weight and .bias, uniform in ±1/sqrt(fan_in), for each layer i."""
    params = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        bound = 1.0 / math.sqrt(n_in)
        for part, shape in (("weight", (n_out, n_in)), ("bias", (n_out,))):
            name = f"net.{3 * i}.{part}"
            draw = uniform_range(math.prod(shape), -bound, bound, seed, f"init/{name}")
            params[name] = draw.reshape(shape)
    return params
