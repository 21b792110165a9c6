"""§4 and §6, §7.1: TinyGPT (pre-LN blocks, causal attention, GELU MLP, untied head), one step."""

from __future__ import annotations

import math

import numpy as np

from tests.repro.spec_numpy.core import (
    F32,
    cross_entropy_grad,
    gelu,
    gelu_backward,
    layer_norm,
    layer_norm_backward,
    mm,
    normal,
    softmax,
    softmax_backward,
    tree_sum,
    uniform_range,
)


def gpt_shapes(v: int, d: int, layers: int, t: int) -> list[tuple[str, tuple[int, ...], str]]:
    """§4.1: (name, shape, owner) in module order; owner is emb, ln or a Linear's fan-in."""
    out = [("wte.weight", (v, d), "emb"), ("wpe.weight", (t, d), "emb")]
    block = [("ln_1.weight", (d,), "ln"), ("ln_1.bias", (d,), "ln"),
             ("attn.c_attn.weight", (3 * d, d), str(d)), ("attn.c_attn.bias", (3 * d,), str(d)),
             ("attn.c_proj.weight", (d, d), str(d)), ("attn.c_proj.bias", (d,), str(d)),
             ("ln_2.weight", (d,), "ln"), ("ln_2.bias", (d,), "ln"),
             ("mlp.0.weight", (4 * d, d), str(d)), ("mlp.0.bias", (4 * d,), str(d)),
             ("mlp.2.weight", (d, 4 * d), str(4 * d)),
             ("mlp.2.bias", (d,), str(4 * d))]  # fmt: skip
    for layer in range(layers):
        out += [(f"blocks.{layer}.{name}", shape, owner) for name, shape, owner in block]
    head = [
        ("ln_f.weight", (d,), "ln"),
        ("ln_f.bias", (d,), "ln"),
        ("lm_head.weight", (v, d), str(d)),
    ]
    return [*out, *head]


def init_gpt(seed: int, v: int, d: int, layers: int, t: int) -> dict[str, np.ndarray]:
    """§4.2: Embedding normal × 0.02, LayerNorm 1 / +0, Linear uniform in ±1/sqrt(fan_in)."""
    params = {}
    for name, shape, owner in gpt_shapes(v, d, layers, t):
        n = math.prod(shape)
        if owner == "emb":
            value = normal(n, seed, f"init/{name}") * F32(0.02)
        elif owner == "ln":
            value = np.full(n, F32(1.0 if name.endswith("weight") else 0.0), dtype=F32)
        else:
            bound = 1.0 / math.sqrt(int(owner))
            value = uniform_range(n, -bound, bound, seed, f"init/{name}")
        params[name] = value.reshape(shape)
    return params


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """§6.2 addmm (or mm without bias) on the rows of x, any leading shape."""
    out = mm(x.reshape(-1, x.shape[-1]), w.T)
    out = out if b is None else out + b
    return out.reshape(*x.shape[:-1], w.shape[0])


def linear_backward(
    d: np.ndarray, x: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§7.1: dx = mm(d, W), dW = mm(dᵀ, x), db = tree over rows."""
    d2, x2 = d.reshape(-1, d.shape[-1]), x.reshape(-1, x.shape[-1])
    return mm(d2, w).reshape(x.shape), mm(d2.T, x2), tree_sum(d2)


def onehot_grad(d: np.ndarray, idx: np.ndarray, num: int) -> np.ndarray:
    """§6.10 embedding backward: matmul(onehot (num, tokens), G (tokens, D))."""
    onehot = (np.arange(num)[:, None] == idx.reshape(-1)[None, :]).astype(F32)
    return mm(onehot, d.reshape(-1, d.shape[-1]))


def heads(x: np.ndarray, h: int) -> np.ndarray:
    b, t, d = x.shape
    return x.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)


def unheads(x: np.ndarray) -> np.ndarray:
    b, h, t, hd = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * hd)


def gpt_grads(
    p: dict[str, np.ndarray], idx: np.ndarray, y: np.ndarray, layers: int, n_heads: int
) -> tuple[np.float32, dict[str, np.ndarray]]:
    """§7.1, the TinyGPT graph: forward, cross-entropy (mean over all tokens), backward."""
    b, t = idx.shape
    d = p["wte.weight"].shape[1]
    scale = F32(1.0 / math.sqrt(d // n_heads))
    future = np.arange(t)[None, :] > np.arange(t)[:, None]
    x = p["wte.weight"][idx] + p["wpe.weight"][np.arange(t)]
    saved = []
    for layer in range(layers):
        q = {k: p[f"blocks.{layer}.{k}"] for k in ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
             "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight",
             "ln_2.bias", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias")}  # fmt: skip
        s: dict[str, np.ndarray] = {"x0": x}
        s["a"], s["mu1"], s["r1"] = layer_norm(x, q["ln_1.weight"], q["ln_1.bias"])
        qkv = linear(s["a"], q["attn.c_attn.weight"], q["attn.c_attn.bias"])
        s["q"], s["k"], s["v"] = (heads(qkv[..., i * d : (i + 1) * d], n_heads) for i in range(3))
        scores = np.where(future, F32(-np.inf), mm(s["q"], s["k"].swapaxes(-1, -2)) * scale)
        s["att"] = softmax(scores)
        s["y"] = unheads(mm(s["att"], s["v"]))
        s["x1"] = x + linear(s["y"], q["attn.c_proj.weight"], q["attn.c_proj.bias"])
        s["c"], s["mu2"], s["r2"] = layer_norm(s["x1"], q["ln_2.weight"], q["ln_2.bias"])
        s["pre"] = linear(s["c"], q["mlp.0.weight"], q["mlp.0.bias"])
        s["g"] = gelu(s["pre"])
        x = s["x1"] + linear(s["g"], q["mlp.2.weight"], q["mlp.2.bias"])
        saved.append((q, s))
    f, muf, rf = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    loss, d_lo = cross_entropy_grad(linear(f, p["lm_head.weight"], None).reshape(b * t, -1),
                                    y.reshape(-1))  # fmt: skip
    grads: dict[str, np.ndarray] = {}
    d_f, grads["lm_head.weight"], _ = linear_backward(
        d_lo.reshape(b, t, -1), f, p["lm_head.weight"]
    )
    dx, grads["ln_f.weight"], grads["ln_f.bias"] = layer_norm_backward(
        d_f, x, muf, rf, p["ln_f.weight"]
    )
    for layer in reversed(range(layers)):
        q, s = saved[layer]
        n = f"blocks.{layer}."
        d_g, grads[n + "mlp.2.weight"], grads[n + "mlp.2.bias"] = linear_backward(
            dx, s["g"], q["mlp.2.weight"]
        )
        d_pre = gelu_backward(d_g, s["pre"])
        d_c, grads[n + "mlp.0.weight"], grads[n + "mlp.0.bias"] = linear_backward(
            d_pre, s["c"], q["mlp.0.weight"]
        )
        d_ln2, grads[n + "ln_2.weight"], grads[n + "ln_2.bias"] = layer_norm_backward(
            d_c, s["x1"], s["mu2"], s["r2"], q["ln_2.weight"])  # fmt: skip
        dx = dx + d_ln2
        d_y, grads[n + "attn.c_proj.weight"], grads[n + "attn.c_proj.bias"] = linear_backward(
            dx, s["y"], q["attn.c_proj.weight"])  # fmt: skip
        d_yh = heads(d_y, n_heads)
        d_att = mm(d_yh, s["v"].swapaxes(-1, -2))
        d_v = mm(s["att"].swapaxes(-1, -2), d_yh)
        d_s = np.where(future, F32(0.0), softmax_backward(d_att, s["att"])) * scale
        d_q = mm(d_s, s["k"])
        d_k = mm(s["q"].swapaxes(-1, -2), d_s).swapaxes(-1, -2)
        parts = []
        for i, part in ((2, d_v), (1, d_k), (0, d_q)):  # autograd's order: v, k, q
            full = np.zeros((b, t, 3 * d), dtype=F32)
            full[..., i * d : (i + 1) * d] = unheads(part)
            parts.append(full)
        d_qkv = (parts[0] + parts[1]) + parts[2]
        d_a, grads[n + "attn.c_attn.weight"], grads[n + "attn.c_attn.bias"] = linear_backward(
            d_qkv, s["a"], q["attn.c_attn.weight"])  # fmt: skip
        d_ln1, grads[n + "ln_1.weight"], grads[n + "ln_1.bias"] = layer_norm_backward(
            d_a, s["x0"], s["mu1"], s["r1"], q["ln_1.weight"])  # fmt: skip
        dx = dx + d_ln1
    grads["wpe.weight"] = onehot_grad(tree_sum(dx, 0), np.arange(t), t)
    grads["wte.weight"] = onehot_grad(dx, idx, p["wte.weight"].shape[0])
    return loss, grads


def adamw(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    lr: np.float32,
    step: int,
    wd: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§7.2 AdamW: (new p, exp_avg, exp_avg_sq)."""

    def pow_f32(base: float, n: int) -> np.float32:
        result, bb = F32(1.0), F32(base)
        while n > 0:
            if n % 2:
                result = F32(result * bb)
            bb, n = F32(bb * bb), n // 2
        return result

    b1, b2 = F32(beta1), F32(beta2)
    decay = F32(1.0) - F32(lr * F32(wd))
    bc1 = F32(1.0) - pow_f32(beta1, step)
    bc2_sqrt = np.sqrt(F32(F32(1.0) - pow_f32(beta2, step)))
    step_size = F32(lr / bc1)
    p = p * decay
    m = m * b1 + g * F32(F32(1.0) - b1)
    v = v * b2 + (g * g) * F32(F32(1.0) - b2)
    denom = np.sqrt(v) / bc2_sqrt + F32(eps)
    return p - (m / denom) * step_size, m, v
