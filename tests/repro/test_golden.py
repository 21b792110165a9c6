"""Golden state hashes: the three examples train to the same h_0..h_T as when they were recorded.

`tests/repro/golden/<example>.txt` holds every state hash of a full run of `examples/<example>.toml`
(`assay repro run`), recorded before any runtime change that must not change them (a faster
kernel, another sqrt, a compiled extension). A job's receipt must not depend on which runtime
computed it, so any difference here is a protocol change, not a refactor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.agents.work import train_trace
from assay.protocol.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("example", ["digits-mlp", "digits-cnn", "tiny-gpt"])
def test_example_trains_to_its_golden_state_hashes(example: str, tmp_path: Path) -> None:
    want = GOLDEN.joinpath(f"{example}.txt").read_text().split()
    got = [
        "0x" + bytes(h).hex()
        for h in train_trace(load_spec(ROOT / "examples" / f"{example}.toml"), tmp_path)
    ]
    assert len(got) == len(want)
    first = next((i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b), None)
    assert first is None, f"h_{first} differs: {got[first]} != golden {want[first]}"
