"""The protocol's size limits on a job: what any solver must be able to train and replay.

Each is stated in docs/job-spec.md; a job outside them is rejected by `assay job validate`.
"""

from __future__ import annotations

from typing import Final

MAX_PARAMETERS: Final = 5_000_000
"""Trainable parameters of the model (weights + biases + embeddings)."""
MAX_TOTAL_FLOPS: Final = 10**15
"""Estimated training FLOPs of the whole job (see assay.protocol.estimate)."""
MAX_STEPS: Final = 100_000
MAX_BATCH_SIZE: Final = 1024
MAX_SEQ_LEN: Final = 512
MAX_DATASET_ROWS: Final = 1_000_000
MAX_ARTIFACT_BYTES: Final = 100 * 1024 * 1024
MAX_FEATURES: Final = 65_536
MAX_CLASSES: Final = 1_000

MAX_WIDTH: Final = 4_096
"""Widest MLP hidden layer, CNN channel count or GPT d_model."""
MAX_LAYERS: Final = 16
"""Most MLP hidden layers, CNN conv layers or GPT blocks."""
MAX_HEADS: Final = 16
MAX_VOCAB: Final = 4_096
MAX_SEED: Final = 2**64 - 1
MAX_LR: Final = 10.0
