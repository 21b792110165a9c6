"""ReproMode routes every operator to a reproducible kernel or refuses it by name and layer."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from assay.repro import fp
from assay.repro.dispatch import ReproMode, is_supported, repro
from assay.repro.errors import ReproducibilityError, UnsupportedOperatorError
from assay.repro.kernels import KERNELS, supported_operators
from assay.repro.zoo import MLP, SmallCNN, TinyGPT, materialize


class _Ops:
    def __init__(self) -> None:
        self.ops: list[str] = []

    def bind(self, name: str, tensor: torch.Tensor) -> None:
        pass

    def record(self, func: object, ctx: object, args: object, kwargs: object, out: object) -> None:
        self.ops.append(str(func))


@pytest.mark.parametrize(
    ("factory", "x", "y"),
    [
        (lambda: MLP(64, [16], 10, "tanh", 0.2), torch.ones(4, 64), torch.arange(4)),
        (lambda: SmallCNN(1, 8, 8, [3], 10, 0.2), torch.ones(4, 64), torch.arange(4)),
        (
            lambda: TinyGPT(12, 8, 2, 1, 5, 0.2),
            torch.ones(2, 5, dtype=torch.long),
            torch.zeros(2, 5, dtype=torch.long),
        ),
    ],
)
def test_zoo_forward_and_backward_run_only_supported_ops(factory, x, y) -> None:  # type: ignore[no-untyped-def]
    model = materialize(factory, seed=0)
    rec = _Ops()
    with repro(model, recorder=rec):
        out = model(x)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        torch.autograd.grad(loss, list(model.parameters()))
    assert rec.ops
    assert any(op in {str(k) for k in KERNELS} for op in rec.ops)


def test_mm_runs_the_fixed_order_kernel() -> None:
    a = torch.linspace(-3, 3, 35).reshape(5, 7) ** 3
    b = torch.linspace(1, 2, 21).reshape(7, 3)
    with ReproMode():
        got = a @ b
    assert torch.equal(got, fp.matmul(a, b))


def test_add_with_alpha_is_a_product_then_a_sum() -> None:
    a, b = torch.tensor([1.1, 2.2, 3.3]), torch.tensor([1e-8, 7.7, 0.1])
    with ReproMode():
        got = torch.add(a, b, alpha=3.0)
    assert torch.equal(got, a + b * 3.0)


def test_division_by_a_scalar_is_a_true_division() -> None:
    x = torch.linspace(0.1, 9, 50)
    with ReproMode():
        got = x / 3.0
    assert torch.equal(got, x / torch.full_like(x, 3.0))


def test_unsupported_operator_names_op_and_layer() -> None:
    class Cum(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cumsum(x, dim=1)

    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(Cum()))
    with pytest.raises(UnsupportedOperatorError) as info, repro(model):
        model(torch.ones(2, 4))
    message = str(info.value)
    assert "aten.cumsum" in message and "'1.0'" in message
    assert "supported ops" in message
    assert info.value.op.startswith("aten.cumsum") and info.value.layer == "1.0"


def test_torch_rng_ops_are_refused() -> None:
    with pytest.raises(UnsupportedOperatorError, match="bernoulli"), ReproMode():
        torch.bernoulli(torch.full((3,), 0.5))


def test_float64_is_refused() -> None:
    with pytest.raises(ReproducibilityError, match="float32"), ReproMode():
        torch.ones(3, dtype=torch.float64) * 2


def test_a_float64_tensor_inside_a_list_argument_is_refused() -> None:
    a, b = torch.ones(3), torch.ones(3, dtype=torch.float64)
    with pytest.raises(ReproducibilityError, match=r"aten\.cat.*float64"), ReproMode():
        torch.cat([a, b])


def test_a_float16_dtype_argument_is_refused() -> None:
    x = torch.ones(3)
    with pytest.raises(ReproducibilityError, match=r"torch\.float16; use float32"), ReproMode():
        x.to(torch.float16)


def test_erf_gelu_is_refused() -> None:
    with pytest.raises(ReproducibilityError, match="tanh"), ReproMode():
        F.gelu(torch.ones(3))


def test_dropout_mask_comes_from_the_counter_rng_not_torch() -> None:
    model = materialize(lambda: MLP(8, [64], 2, "relu", 0.5), seed=0)
    x = torch.ones(16, 8)

    def forward(step: int, torch_seed: int) -> torch.Tensor:
        torch.manual_seed(torch_seed)
        with repro(model, seed=5) as mode:
            mode.start_step(step)
            return model(x)

    assert torch.equal(forward(1, 0), forward(1, 123))
    assert not torch.equal(forward(1, 0), forward(2, 0))


def test_relu_of_negative_zero_is_positive_zero() -> None:
    with ReproMode():
        out = torch.relu(torch.tensor([-0.0, -1.0, 2.0]))
    assert out.tolist() == [0.0, 0.0, 2.0] and not torch.signbit(out[0])


def test_supported_operator_list() -> None:
    ops = supported_operators()
    assert "aten.convolution_backward.default" in ops and "aten.view.*" in ops
    assert is_supported(torch.ops.aten.mm.default)
    assert not is_supported(torch.ops.aten.cumsum.default)
