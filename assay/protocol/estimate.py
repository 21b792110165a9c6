"""Analytic size and cost of a job, from the architecture and the dataset's shapes alone.

FLOPs count the matrix products only (a multiply-add is 2 FLOPs); elementwise ops, norms and
softmax are ignored, so the figures are lower bounds good to a small factor.

- forward FLOPs per example: mlp Σ 2·a·b over consecutive layer widths; cnn Σ 2·9·c_in·c_out·H·W
  plus 2·(c_last·H·W)·classes; tiny_gpt T·(L·(24·d² + 4·T·d) + 2·d·V) per sequence of T tokens.
- flops_per_step = 3 × forward × batch_size (backward ≈ 2 × forward).
- total_flops = flops_per_step × steps.
- memory_bytes (float32) = 4 × (parameters + gradients + optimizer state + activations + data),
  optimizer state = 2P for adamw, P for sgd with momentum, 0 otherwise; activations are the
  layer outputs kept for backward, per example: mlp 2·Σhidden + in + classes; cnn
  2·Σc·H·W + C·H·W + classes; tiny_gpt T·(L·(16·d + 2·heads·T) + 2·d + V).
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.protocol.spec import AdamWSpec, CnnSpec, JobSpec, MlpSpec, SgdSpec

_FLOAT32 = 4


@dataclass(frozen=True)
class Estimate:
    """What a solver needs to know before claiming a job."""

    parameters: int
    """Trainable parameters."""
    flops_per_step: int
    """Matmul FLOPs of one forward + backward step over a batch."""
    total_flops: int
    """flops_per_step × steps."""
    memory_bytes: int
    """Parameters, gradients, optimizer state, one batch of activations and the dataset."""


def parameter_count(spec: JobSpec) -> int:
    """Trainable parameters of the job's model on the job's data."""
    return spec.model.parameter_count(spec.data.info)


def _activations_per_example(spec: JobSpec) -> int:
    info, model = spec.data.info, spec.model
    if isinstance(model, MlpSpec):
        return 2 * sum(model.hidden) + info.n_features + info.n_classes
    if isinstance(model, CnnSpec):
        _, h, w = info.image_shape or (1, 1, 1)
        return 2 * sum(model.channels) * h * w + info.n_features + info.n_classes
    d, t = model.d_model, model.seq_len
    return t * (model.n_layers * (16 * d + 2 * model.n_heads * t) + 2 * d + model.vocab_size)


def _optimizer_state(spec: JobSpec, parameters: int) -> int:
    opt = spec.training.optimizer
    if isinstance(opt, AdamWSpec):
        return 2 * parameters
    assert isinstance(opt, SgdSpec)
    return parameters if opt.momentum > 0 else 0


def estimate(spec: JobSpec) -> Estimate:
    """Parameters, FLOPs and memory by the formulas in the module docstring."""
    info = spec.data.info
    parameters = parameter_count(spec)
    flops_per_step = 3 * spec.model.forward_flops(info) * spec.training.batch_size
    data_values = (info.n_rows or 0) * (info.n_features + 1)
    values = (
        2 * parameters
        + _optimizer_state(spec, parameters)
        + _activations_per_example(spec) * spec.training.batch_size
        + data_values
    )
    return Estimate(
        parameters=parameters,
        flops_per_step=flops_per_step,
        total_flops=flops_per_step * spec.training.steps,
        memory_bytes=_FLOAT32 * values,
    )
