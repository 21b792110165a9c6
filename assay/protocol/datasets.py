"""The catalogue of data sources a job may name, and their shapes known before loading.

`sklearn:<name>` reads a dataset shipped inside scikit-learn (no download); `synthetic:<kind>` is
generated from the job seed; `artifact:0x<sha256>` is a user file fetched by hash. The loaders
live in assay.repro.data; this module only knows names, parameters and shapes, so the spec can
be validated and sized without touching any data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from assay.protocol.spec import DataSpec

Layout = Literal["flat", "image", "sequence"]
"""How examples reach the model: (N, F) features, (N, C, H, W) images or (N, T) token ids."""

PARAMS = ("n_samples", "n_features", "n_classes", "noise", "seq_len")
"""The source parameters of DataSpec; each source accepts a subset."""

CHAR_ALPHABET = "abcdefghijklmnopqrstuvwxyz .,!?\n"
"""Token i of synthetic:char_sequence is CHAR_ALPHABET[i]; 32 tokens."""


@dataclass(frozen=True)
class DatasetInfo:
    """Shapes and sizes of a dataset: what the model's input and output layers need."""

    layout: Layout
    """Natural layout: "sequence" for token streams, "flat" for feature rows."""
    n_features: int
    """Input features per example (C×H×W for images, seq_len for sequences)."""
    n_classes: int
    """Distinct labels, or the vocabulary size for token sequences."""
    n_rows: int | None
    """Examples before the split; None for artifacts until the file is read."""
    image_shape: tuple[int, int, int] | None = None
    """(C, H, W) when the rows are images that a cnn may consume."""


# Shapes of the scikit-learn bundled datasets (checked against the package by the tests).
SKLEARN: dict[str, DatasetInfo] = {
    "digits": DatasetInfo("flat", 64, 10, 1797, (1, 8, 8)),
    "iris": DatasetInfo("flat", 4, 3, 150),
    "wine": DatasetInfo("flat", 13, 3, 178),
    "breast_cancer": DatasetInfo("flat", 30, 2, 569),
}


@dataclass(frozen=True)
class _Kind:
    params: tuple[str, ...]
    defaults: dict[str, int | float] = field(default_factory=dict)
    required: tuple[str, ...] = ()


SYNTHETIC: dict[str, _Kind] = {
    "blobs": _Kind(
        ("n_samples", "n_features", "n_classes", "noise"),
        {"n_samples": 1000, "n_features": 2, "n_classes": 3, "noise": 1.0},
    ),
    "moons": _Kind(("n_samples", "noise"), {"n_samples": 1000, "noise": 0.1}),
    "spirals": _Kind(
        ("n_samples", "n_classes", "noise"), {"n_samples": 1000, "n_classes": 3, "noise": 0.1}
    ),
    "char_sequence": _Kind(("n_samples", "seq_len"), {"n_samples": 512, "seq_len": 32}),
}
_ARTIFACT = _Kind(("n_features", "n_classes"), required=("n_features", "n_classes"))
_ARTIFACT_RE = re.compile(r"artifact:0x([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Source:
    """A parsed `data.source` string."""

    family: Literal["sklearn", "synthetic", "artifact"]
    name: str
    """Dataset name, synthetic kind, or the artifact's lowercase sha256 hex (no 0x)."""
    kind: _Kind

    @property
    def text(self) -> str:
        """The canonical spelling (artifact hashes in lowercase)."""
        return (
            f"artifact:0x{self.name}" if self.family == "artifact" else f"{self.family}:{self.name}"
        )

    @property
    def params(self) -> tuple[str, ...]:
        return self.kind.params

    @property
    def forbidden_params(self) -> tuple[str, ...]:
        return tuple(p for p in PARAMS if p not in self.kind.params)

    @property
    def required_params(self) -> tuple[str, ...]:
        return self.kind.required

    @property
    def defaults(self) -> dict[str, int | float]:
        return dict(self.kind.defaults)

    @property
    def is_sequence(self) -> bool:
        return self.family == "synthetic" and self.name == "char_sequence"

    @property
    def sha256(self) -> bytes:
        """The artifact's content hash (artifact sources only)."""
        return bytes.fromhex(self.name)


def parse_source(text: str) -> Source:
    """Parse `data.source`; the ValueError says which spellings exist."""
    family, _, name = text.partition(":")
    if family == "sklearn" and name in SKLEARN:
        return Source("sklearn", name, _Kind(()))
    if family == "synthetic" and name in SYNTHETIC:
        return Source("synthetic", name, SYNTHETIC[name])
    match = _ARTIFACT_RE.fullmatch(text)
    if match:
        return Source("artifact", match.group(1).lower(), _ARTIFACT)
    raise ValueError(
        f'source "{text}" is unknown — use one of '
        + ", ".join([*(f"sklearn:{n}" for n in SKLEARN), *(f"synthetic:{k}" for k in SYNTHETIC)])
        + " or artifact:0x<sha256 of the file, 64 hex digits>"
    )


def dataset_info(data: DataSpec) -> DatasetInfo:
    """Shapes of a validated DataSpec, without loading it."""
    source = parse_source(data.source)
    if source.family == "sklearn":
        return SKLEARN[source.name]
    n_rows = data.n_samples
    if source.is_sequence:
        seq_len = data.seq_len or 0
        return DatasetInfo("sequence", seq_len, len(CHAR_ALPHABET), n_rows)
    n_features = {"moons": 2, "spirals": 2}.get(source.name, data.n_features)
    n_classes = {"moons": 2}.get(source.name, data.n_classes)
    assert n_features is not None and n_classes is not None  # filled by DataSpec validation
    if source.family == "artifact":
        n_rows = None
    return DatasetInfo("flat", n_features, n_classes, n_rows)
