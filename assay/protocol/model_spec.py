"""The `[model]` section: the architectures of the model zoo, their sizes and costs.

The runtime's model zoo (assay.repro) must build exactly these layers; the parameter counts here
are checked against plain torch.nn references in tests/protocol/test_spec.py.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, model_validator

from assay.protocol import limits as L
from assay.protocol.datasets import DatasetInfo, Layout
from assay.protocol.spec_base import Fraction, SpecModel, Width, within
from assay.protocol.spec_errors import SpecError


class MlpSpec(SpecModel):
    """Linear → activation → dropout per hidden layer, then a final linear to the classes."""

    arch: Literal["mlp"]
    """Selects this architecture."""
    hidden: Annotated[list[Width], Field(max_length=L.MAX_LAYERS)]
    """Widths of the hidden layers, input side first; [] is logistic regression."""
    activation: Literal["relu", "gelu", "tanh"] = "relu"
    """Nonlinearity after each hidden linear layer."""
    dropout: Fraction = 0.0
    """Dropout probability after each hidden activation (training only)."""

    def parameter_count(self, info: DatasetInfo) -> int:
        """Weights + biases of every linear layer."""
        dims = [info.n_features, *self.hidden, info.n_classes]
        return sum(a * b + b for a, b in itertools.pairwise(dims))

    def forward_flops(self, info: DatasetInfo) -> int:
        """Matmul FLOPs of one sample's forward pass (a multiply-add counts 2)."""
        dims = [info.n_features, *self.hidden, info.n_classes]
        return sum(2 * a * b for a, b in itertools.pairwise(dims))


class CnnSpec(SpecModel):
    """Conv 3x3 (stride 1, padding 1, bias) → ReLU per entry, then flatten → dropout → linear."""

    arch: Literal["cnn"]
    """Selects this architecture."""
    channels: Annotated[list[Width], Field(min_length=1, max_length=L.MAX_LAYERS)]
    """Output channels of each conv layer, input side first; spatial size is kept."""
    dropout: Fraction = 0.0
    """Dropout probability before the final linear layer (training only)."""

    def parameter_count(self, info: DatasetInfo) -> int:
        """Conv kernels + biases, then the classifier over the flattened last feature map."""
        c_in, h, w = _image_shape(info)
        total = 0
        for c in self.channels:
            total += 9 * c_in * c + c
            c_in = c
        return total + c_in * h * w * info.n_classes + info.n_classes

    def forward_flops(self, info: DatasetInfo) -> int:
        """Conv and matmul FLOPs of one sample's forward pass."""
        c_in, h, w = _image_shape(info)
        total = 0
        for c in self.channels:
            total += 2 * 9 * c_in * c * h * w
            c_in = c
        return total + 2 * c_in * h * w * info.n_classes


class TinyGptSpec(SpecModel):
    """A nanoGPT-style decoder: token + position embeddings, pre-LayerNorm blocks
    (causal multi-head attention, MLP 4x with GELU), final LayerNorm, untied bias-free head."""

    arch: Literal["tiny_gpt"]
    """Selects this architecture."""
    d_model: Width
    """Embedding width; a multiple of n_heads."""
    n_heads: Annotated[int, within(1, L.MAX_HEADS)]
    """Attention heads per block."""
    n_layers: Annotated[int, within(1, L.MAX_LAYERS)]
    """Transformer blocks."""
    seq_len: Annotated[int, within(1, L.MAX_SEQ_LEN)]
    """Context length in tokens (also the size of the position embedding)."""
    vocab_size: Annotated[int, within(2, L.MAX_VOCAB)]
    """Token ids are 0..vocab_size-1; at least the dataset's vocabulary."""
    dropout: Fraction = 0.0
    """Dropout probability on embeddings, attention output and MLP output (training only)."""

    @model_validator(mode="after")
    def _heads_divide_width(self) -> TinyGptSpec:
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model = {self.d_model} is not a multiple of n_heads = {self.n_heads}"
                " — change one of them"
            )
        return self

    def parameter_count(self, info: DatasetInfo) -> int:
        """Embeddings, 12d²+13d per block, the final LayerNorm and the d×V head."""
        d, v = self.d_model, self.vocab_size
        block = 12 * d * d + 13 * d
        return v * d + self.seq_len * d + self.n_layers * block + 2 * d + d * v

    def forward_flops(self, info: DatasetInfo) -> int:
        """Matmul FLOPs of one sequence's forward pass (attention counted unmasked)."""
        d, t = self.d_model, self.seq_len
        per_token = self.n_layers * (2 * 12 * d * d + 4 * t * d) + 2 * d * self.vocab_size
        return t * per_token


ModelSpec = Annotated[MlpSpec | CnnSpec | TinyGptSpec, Field(discriminator="arch")]

LAYOUT_OF_ARCH: dict[str, Layout] = {"mlp": "flat", "cnn": "image", "tiny_gpt": "sequence"}


def _image_shape(info: DatasetInfo) -> tuple[int, int, int]:
    if info.image_shape is None:
        raise SpecError("a cnn needs image data (sklearn:digits) — pick an image source")
    return info.image_shape
