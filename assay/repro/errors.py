"""Errors of the reproducible runtime; each message says what to change in the model or job."""

from __future__ import annotations

from assay.errors import AssayError


class ReproducibilityError(AssayError):
    """A computation cannot be run under the determinism contract (docs/runtime.md)."""


class UnsupportedOperatorError(ReproducibilityError):
    """The model called an aten operator that has no reproducible implementation."""

    def __init__(self, op: str, layer: str, detail: str = "") -> None:
        self.op = op
        self.layer = layer
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"operator {op} called from layer {layer!r} has no reproducible implementation{extra}; "
            "the model must be built from supported ops only "
            "(see assay.repro.kernels.supported_operators())"
        )


class CheckpointFormatError(ReproducibilityError):
    """A checkpoint file is not a safetensors file written by Assay."""
