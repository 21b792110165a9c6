"""The model zoo: small nanoGPT-style modules built only from operators ReproMode supports.

Parameters are created on the meta device and initialised from the counter-based RNG
(`init_parameters`), never from torch's global generator:

* Linear / Conv2d weight and bias: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) — the bound of
  PyTorch's default kaiming-uniform init;
* Embedding: normal(0, 0.02) (GPT-2 / nanoGPT);
* LayerNorm: weight 1, bias 0.

Each parameter's stream is keyed by (seed, "init/<parameter name>").
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from assay.repro import rng

ACTIVATIONS = ("relu", "gelu", "tanh")


class Dropout(nn.Module):
    """Dropout through aten.native_dropout on every device, whose mask ReproMode draws from rng.

    (nn.Dropout takes a bernoulli_ path on CPU, which uses torch's global generator.)
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        out: Tensor = torch.ops.aten.native_dropout(x, self.p, True)[0]
        return out


def activation(name: str) -> nn.Module:
    """The module of an activation name: relu, gelu (tanh form) or tanh."""
    if name == "relu":
        return nn.ReLU()
    if name == "gelu":
        return nn.GELU(approximate="tanh")
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")


class MLP(nn.Module):
    """Linear → activation → dropout per hidden layer, then a linear to the classes."""

    def __init__(
        self,
        in_features: int,
        hidden: list[int],
        out_features: int,
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), _activation(activation), Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # type: ignore[no-any-return]  # (B, in) -> (B, out)


_activation = activation


class SmallCNN(nn.Module):
    """Conv 3x3 (stride 1, padding 1) → ReLU per entry, then flatten → dropout → linear."""

    def __init__(
        self,
        in_channels: int,
        height: int,
        width: int,
        channels: list[int],
        n_classes: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = in_channels
        for c in channels:
            layers += [nn.Conv2d(c_in, c, kernel_size=3, padding=1), nn.ReLU()]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.in_shape = (in_channels, height, width)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(c_in * height * width, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = x.reshape(x.shape[0], *self.in_shape)  # (B, C*H*W) or (B, C, H, W) -> (B, C, H, W)
        x = self.features(x)  # (B, C_last, H, W)
        return self.head(self.drop(x.reshape(x.shape[0], -1)))  # type: ignore[no-any-return]


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention written out (no fused SDPA kernel)."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.c_attn = nn.Linear(d_model, 3 * d_model)
        self.c_proj = nn.Linear(d_model, d_model)
        self.attn_drop = Dropout(dropout)
        self.resid_drop = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        b, t, d = x.shape
        hd = d // self.n_heads
        qkv = self.c_attn(x)  # (B, T, 3D)
        q, k, v = (
            qkv[..., i * d : (i + 1) * d].reshape(b, t, self.n_heads, hd).transpose(1, 2)
            for i in range(3)
        )  # each (B, H, T, hd)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))  # (B, H, T, T)
        pos = torch.arange(t, device=x.device)
        future = pos.unsqueeze(0) > pos.unsqueeze(1)  # (T, T), True above the diagonal
        att = self.attn_drop(torch.softmax(att.masked_fill(future, float("-inf")), dim=-1))
        y = (att @ v).transpose(1, 2).reshape(b, t, d)  # (B, T, D)
        return self.resid_drop(self.c_proj(y))  # type: ignore[no-any-return]


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads, dropout)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model),
            nn.GELU(approximate="tanh"),
            nn.Linear(4 * d_model, d_model),
            Dropout(dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))  # type: ignore[no-any-return]


class TinyGPT(nn.Module):
    """nanoGPT: token + position embeddings, pre-LN blocks, final LN, UNTIED bias-free head."""

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        n_heads: int,
        n_layers: int,
        seq_len: int,
        dropout: float,
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model = {d_model} is not a multiple of n_heads = {n_heads}")
        self.seq_len = seq_len
        self.wte = nn.Embedding(vocab_size, d_model)
        self.wpe = nn.Embedding(seq_len, d_model)
        self.drop = Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, dropout) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)

    def forward(self, idx: Tensor) -> Tensor:
        t = idx.shape[1]  # idx: (B, T) int64
        pos = torch.arange(t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, D)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))  # type: ignore[no-any-return]  # (B, T, V)


def init_parameters(model: nn.Module, seed: int) -> None:
    """Fill every parameter from rng, keyed by (seed, "init/<name>") (see module docstring)."""
    owners = {f"{m}.{p}" if m else p: mod for m, mod in model.named_modules() for p, _ in
              mod.named_parameters(recurse=False)}  # fmt: skip
    with torch.no_grad():
        for name, param in model.named_parameters():
            module, purpose = owners[name], f"init/{name}"
            shape, device = tuple(param.shape), param.device
            if isinstance(module, nn.Embedding):
                value = rng.normal(shape, seed=seed, purpose=purpose, device=device) * 0.02
            elif isinstance(module, nn.LayerNorm):
                value = torch.ones(shape) if name.endswith("weight") else torch.zeros(shape)
            elif isinstance(module, nn.Linear | nn.Conv2d):
                fan_in = module.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                value = rng.uniform_range(
                    shape, -bound, bound, seed=seed, purpose=purpose, device=device
                )
            else:
                raise ValueError(f"no initialisation rule for {name} ({type(module).__name__})")
            param.copy_(value)


def materialize(factory: Any, seed: int, device: str | torch.device = "cpu") -> nn.Module:
    """Build `factory()` on the meta device (no torch RNG), then allocate and init from rng."""
    with torch.device("meta"):
        model: nn.Module = factory()
    model = model.to_empty(device=device)
    init_parameters(model, seed)
    return model


def build_model(
    model_spec: Any, info: Any, seed: int, device: str | torch.device = "cpu"
) -> nn.Module:
    """The zoo module of a JobSpec `model` section for a dataset of shape `info`."""
    arch = model_spec.arch
    if arch == "mlp":
        return materialize(
            lambda: MLP(info.n_features, list(model_spec.hidden), info.n_classes,
                        model_spec.activation, model_spec.dropout), seed, device)  # fmt: skip
    if arch == "cnn":
        c, h, w = info.image_shape
        return materialize(
            lambda: SmallCNN(c, h, w, list(model_spec.channels), info.n_classes,
                             model_spec.dropout), seed, device)  # fmt: skip
    if arch == "tiny_gpt":
        s = model_spec
        return materialize(
            lambda: TinyGPT(s.vocab_size, s.d_model, s.n_heads, s.n_layers, s.seq_len,
                            s.dropout), seed, device)  # fmt: skip
    raise ValueError(f"unknown model arch {arch!r}; the zoo has mlp, cnn and tiny_gpt")
