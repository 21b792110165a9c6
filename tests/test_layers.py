"""The layer contract (pyproject.toml [tool.importlinter], docs/architecture.md) fails the build.

`make lint` runs `lint-imports`; these tests run it on a copy of the packages: the copy as it is
passes, and the same copy with one upward import added (at module level, or hidden inside a
function) is rejected, naming the offending import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assay", "services", "solver", "verifier", "referee", "bench")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the Python packages and the project's import-linter configuration."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + "\n" + line + "\n")


def test_the_tree_as_it_is_keeps_every_contract(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layer_contract(tree: Path) -> None:
    # The protocol (the bottom layer) reaching up into the chain bindings.
    add_line(tree / "assay" / "protocol" / "types.py", "import assay.chain.bindings  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Assay layers BROKEN" in result.stdout
    assert "assay.protocol.types -> assay.chain.bindings" in result.stdout


def test_an_upward_import_hidden_in_a_function_is_rejected_too(tree: Path) -> None:
    # The agent framework importing a role inside a function is still an upward edge.
    add_line(
        tree / "assay" / "agents" / "work.py",
        "def _sneaky() -> None:\n    from solver.agent import SolverAgent  # noqa\n",
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "assay.agents.work -> solver.agent" in result.stdout


def test_siblings_of_one_layer_may_not_import_each_other(tree: Path) -> None:
    add_line(tree / "solver" / "decide.py", "import verifier.decide  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "solver.decide -> verifier.decide" in result.stdout


def test_pure_decision_code_may_not_import_web3(tree: Path) -> None:
    add_line(tree / "solver" / "decide.py", "import web3  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Pure decisions never import web3 BROKEN" in result.stdout
