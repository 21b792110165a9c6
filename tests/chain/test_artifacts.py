"""Artifacts load by name; missing ones tell the user to build."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.chain.artifacts import iter_abis, load_abi, load_artifact
from assay.chain.errors import ArtifactError


def test_interface_has_abi_but_no_bytecode(contracts_built: Path) -> None:
    art = load_artifact("IJobMarket")
    assert not art.deployable
    assert any(e.get("name") == "postJob" for e in art.abi)


def test_harness_is_deployable(contracts_built: Path) -> None:
    assert load_artifact("MerkleHarness").deployable
    assert load_abi("MerkleHarness")


def test_missing_artifact_says_make_build(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="make build"):
        load_artifact("JobMarket", tmp_path)
    with pytest.raises(ArtifactError, match="make build"):
        list(iter_abis(tmp_path / "absent"))


def test_env_var_overrides_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_CONTRACTS_OUT", str(tmp_path))
    with pytest.raises(ArtifactError, match=str(tmp_path)):
        load_artifact("IJobMarket")
