"""CPU and CUDA agree bit for bit: every zoo example's state hashes, and the fp kernels' outputs.

Needs a CUDA device (`-m gpu`; tools/gpu_check.sh runs exactly these tests plus the runtime
benchmark on a GPU machine); skipped everywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from torch import Tensor

from assay.protocol.spec import JobSpec, load_spec
from assay.repro import fp
from assay.repro.data import Dataset, load_dataset
from assay.repro.trainer import Trainer

# cuBLAS needs this under torch.use_deterministic_algorithms (ReproMode itself never calls it).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason="needs a CUDA device (torch.cuda.is_available() is False); "
        "run tools/gpu_check.sh on a GPU machine",
    ),
]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEVICE = "cuda"
STEPS = 50
# Small batches keep 50 CPU steps of each example to a few seconds.
BATCH = {"digits-mlp": 16, "digits-cnn": 16, "tiny-gpt": 8}


def _example(name: str) -> tuple[JobSpec, Dataset]:
    spec = load_spec(EXAMPLES / f"{name}.toml")
    training = spec.training.model_copy(update={"steps": STEPS, "batch_size": BATCH[name]})
    spec = spec.model_copy(update={"training": training})
    return spec, load_dataset(spec.data, int(spec.training.seed))


@pytest.mark.parametrize("name", sorted(BATCH))
def test_cpu_and_cuda_state_hashes_are_identical_at_every_step(name: str) -> None:
    spec, data = _example(name)
    cpu = [r.state_hash for r in Trainer(spec, data, device="cpu").run()]
    gpu = [r.state_hash for r in Trainer(spec, data, device=DEVICE).run()]
    assert len(cpu) == STEPS + 1
    diverged = next((i for i, (a, b) in enumerate(zip(cpu, gpu, strict=True)) if a != b), None)
    assert diverged is None, f"{name}: CPU and {DEVICE} state hashes differ from step {diverged}"


def _bits(t: Tensor) -> Tensor:
    return t.detach().cpu().contiguous().view(torch.int32)


def _same_bits(fn: object, *inputs: Tensor) -> None:
    on_cpu = fn(*inputs)  # type: ignore[operator]
    on_gpu = fn(*(t.to(DEVICE) for t in inputs))  # type: ignore[operator]
    assert on_gpu.device.type == torch.device(DEVICE).type
    a, b = _bits(on_cpu), _bits(on_gpu)
    differ = int((a != b).sum())
    assert differ == 0, f"{differ} of {a.numel()} results differ in their bits"


_SPECIALS = torch.tensor(
    [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 88.72, 89.0, -87.3, -103.9, -104.5,
     1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, 1.0, -1.0, 0.55, -0.55, 9.01, -9.02],
)  # fmt: skip


def _random(n: int = 1 << 16, seed: int = 0) -> dict[str, Tensor]:
    g = torch.Generator().manual_seed(seed)
    # Uniform bit patterns over positive finite float32: every binade, denormals included.
    positive = torch.randint(0, 0x7F800000, (n,), generator=g, dtype=torch.int32)
    return {
        "wide": torch.cat([torch.randn(n, generator=g) * 40, _SPECIALS]),
        "moderate": torch.cat([torch.randn(n, generator=g) * 4, _SPECIALS]),
        "positive": torch.cat([positive.view(torch.float32), _SPECIALS]),
    }


@pytest.mark.parametrize(
    ("kernel", "domain"),
    [
        (fp.exp, "wide"),
        (fp.log, "positive"),
        (fp.log, "moderate"),
        (fp.tanh, "moderate"),
        (fp.sigmoid, "wide"),
        (fp.gelu, "moderate"),
    ],
    ids=["exp", "log-positive", "log-signed", "tanh", "sigmoid", "gelu"],
)
def test_transcendentals_give_identical_bits(kernel: object, domain: str) -> None:
    _same_bits(kernel, _random()[domain])


def _spread(shape: tuple[int, ...], seed: int) -> Tensor:
    """Normal values times 2^[-20, 20]: sums whose value depends on the order of additions."""
    g = torch.Generator().manual_seed(seed)
    scale = torch.pow(2.0, torch.randint(-20, 21, shape, generator=g).to(torch.float32))
    return torch.randn(shape, generator=g) * scale


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((37, 129), (129, 23)), ((64, 64), (64, 128)), ((3, 17, 65), (3, 65, 9)), ((5, 1), (1, 7))],
)
def test_matmul_gives_identical_bits(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> None:
    _same_bits(fp.matmul, _spread(a_shape, 1), _spread(b_shape, 2))


@pytest.mark.parametrize(("shape", "dim"), [((1001, 7), 0), ((7, 1001), 1), ((4, 33, 5), 1)])
def test_tree_sum_gives_identical_bits(shape: tuple[int, ...], dim: int) -> None:
    _same_bits(lambda x: fp.tree_sum(x, dim), _spread(shape, 3))


def test_softmax_family_gives_identical_bits() -> None:
    x = _spread((64, 129), 4)
    _same_bits(lambda t: fp.softmax(t, 1), x)
    _same_bits(lambda t: fp.log_softmax(t, 1), x)
