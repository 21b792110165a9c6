"""§4 and §6.10, §7: the digits CNN (conv 3×3 → ReLU per layer, flatten, linear) and SGD."""

from __future__ import annotations

import math

import numpy as np

from tests.repro.spec_numpy.core import (
    F32,
    cross_entropy_grad,
    mm,
    relu,
    threshold_backward,
    tree_sum,
    tree_sum_axes,
    uniform_range,
)


def init_cnn(seed: int, channels: list[int], hw: int, classes: int) -> dict[str, np.ndarray]:
    """§4.1–4.2: features.{2l}.weight/bias, head.weight/bias, uniform in ±1/sqrt(fan_in)."""
    shapes: list[tuple[str, tuple[int, ...], int]] = []
    for layer, (c_in, c_out) in enumerate(zip([1, *channels], channels, strict=False)):
        fan = c_in * 9
        shapes += [(f"features.{2 * layer}.weight", (c_out, c_in, 3, 3), fan),
                   (f"features.{2 * layer}.bias", (c_out,), fan)]  # fmt: skip
    fan = channels[-1] * hw * hw
    shapes += [("head.weight", (classes, fan), fan), ("head.bias", (classes,), fan)]
    params = {}
    for name, shape, fan_in in shapes:
        bound = 1.0 / math.sqrt(fan_in)
        draw = uniform_range(math.prod(shape), -bound, bound, seed, f"init/{name}")
        params[name] = draw.reshape(shape)
    return params


def im2col(x: np.ndarray) -> np.ndarray:
    """§6.10: pad 1 with +0, columns (c, ki, kj), positions l = oh·W + ow: (N, C·9, H·W)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=2)
    return cols.reshape(n, c * 9, h * w)


def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """§6.10: matmul(W.reshape(Cout, K), cols[n]) + bias[o]."""
    n, _, h, wd = x.shape
    out = mm(w.reshape(w.shape[0], -1), im2col(x)) + b[None, :, None]
    return out.reshape(n, w.shape[0], h, wd)


def conv_backward(
    g: np.ndarray, x: np.ndarray, w: np.ndarray, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """§6.10: dW over (n, l) with n outer, db over axes 3, 2, 0, dx by col2im in (ki, kj) order."""
    n, c, h, wd = x.shape
    cout = w.shape[0]
    gl = g.reshape(n, cout, h * wd)
    cols = im2col(x)
    g_rows = gl.transpose(1, 0, 2).reshape(cout, -1)
    dw = mm(g_rows, cols.transpose(0, 2, 1).reshape(n * h * wd, -1)).reshape(w.shape)
    db = tree_sum_axes(g, (0, 2, 3))
    dx = None
    if need_dx:
        dcols = mm(w.reshape(cout, -1).T, gl).reshape(n, c, 3, 3, h, wd)
        dxp = np.zeros((n, c, h + 2, wd + 2), dtype=F32)
        for i in range(3):
            for j in range(3):
                dxp[:, :, i : i + h, j : j + wd] = (
                    dxp[:, :, i : i + h, j : j + wd] + dcols[:, :, i, j]
                )
        dx = dxp[:, :, 1 : 1 + h, 1 : 1 + wd]
    return dx, dw, db


def cnn_grads(
    p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, layers: int
) -> tuple[np.float32, dict[str, np.ndarray]]:
    """§7.1, the CNN graph: forward, cross-entropy (mean), backward."""
    acts = [x]
    for layer in range(layers):
        acts.append(
            relu(conv(acts[-1], p[f"features.{2 * layer}.weight"], p[f"features.{2 * layer}.bias"]))
        )
    flat = acts[-1].reshape(len(x), -1)
    logits = mm(flat, p["head.weight"].T) + p["head.bias"]
    loss, d_lo = cross_entropy_grad(logits, y)
    grads = {"head.weight": mm(d_lo.T, flat), "head.bias": tree_sum(d_lo)}
    d = mm(d_lo, p["head.weight"]).reshape(acts[-1].shape)
    for layer in reversed(range(layers)):
        d = threshold_backward(d, acts[layer + 1])
        w = p[f"features.{2 * layer}.weight"]
        dx, grads[f"features.{2 * layer}.weight"], grads[f"features.{2 * layer}.bias"] = (
            conv_backward(d, acts[layer], w, need_dx=layer > 0)
        )
        if dx is not None:
            d = dx
    return loss, grads


def sgd_momentum(
    p: np.ndarray, g: np.ndarray, buf: np.ndarray, lr: np.float32, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """§7.2 SGD, dampening 0, no decay, no Nesterov: (new p, new momentum slot)."""
    buf = buf * F32(momentum) + g
    return p - buf * lr, buf
