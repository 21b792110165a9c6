"""Fixtures of the reproducible runtime's tests."""

from __future__ import annotations

from typing import Any

import pytest

from assay.repro import native


@pytest.fixture(scope="module")
def ops() -> Any:
    """The loaded ops, building them first if `make setup` has not (a failed build fails here:
    `make setup` needs a compiler, so every test machine has the kernels)."""
    loaded = native.load()
    if loaded is None:
        native.build()
        loaded = native.load()
    assert loaded is not None, "built the extension, but load() refuses it"
    return loaded


@pytest.fixture
def native_on(ops: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled kernels in use (ASSAY_NATIVE unset) for the test."""
    monkeypatch.delenv(native.ENV_SWITCH, raising=False)
