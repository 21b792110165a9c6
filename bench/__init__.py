"""`make bench`: the benchmarks, outside the installed package (the top of the layer diagram).

Each module is run from the repository root as `python -m bench.<name>`; see BENCHMARKS.md.
"""

from __future__ import annotations

from pathlib import Path

from assay.protocol.spec import JobSpec, load_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (examples/, contracts/)."""


def digits_mlp(steps: int) -> JobSpec:
    """The digits-MLP example shortened to `steps` steps, checkpointed four times."""
    raw = load_spec(ROOT / "examples" / "digits-mlp.toml").model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = max(1, steps // 4)
    return spec_from_dict(raw)
