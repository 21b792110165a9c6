"""`make demo` runs `python -m assay.demo`: the whole lifecycle must complete on a fresh devnet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.anvil
def test_demo_walks_the_whole_lifecycle(contracts_built: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assay.demo"],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, COLUMNS="160"),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in ("posted", "claimed", "result submitted", "attested", "finalized", "withdrew"):
        assert step in out, f"demo output lacks {step!r}:\n{out}"
    assert "lifecycle complete" in out
