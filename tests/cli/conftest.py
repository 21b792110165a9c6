"""CLI test fixtures: consoles of a fixed width, and a staked devnet per test module.

rich sizes a console from the terminal it finds, and a pytest-xdist worker has none, so tables
would be cut to 80 columns on some workers and not others: every console's width is pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.chain.devnet import Devnet
from assay.cli import context, job, main, repro
from tests.conftest import reverted

WIDTH = 200


@pytest.fixture(autouse=True)
def _wide_consoles() -> Iterator[None]:
    consoles = [context.console, context.err_console, job.console, main.console, repro.console]
    saved = [c._width for c in consoles]
    for c in consoles:
        c.width = WIDTH
    yield
    for c, width in zip(consoles, saved, strict=True):
        c._width = width


@pytest.fixture(scope="module")
def devnet(contracts_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    """A staked devnet for the test module, its deployment written where the CLI reads it."""
    deployment = tmp_path_factory.mktemp("cli-devnet") / "deployment.json"
    with Devnet(deployment_file=deployment) as net:
        net.stake_defaults()
        yield net


@pytest.fixture
def net(devnet: Devnet) -> Iterator[Devnet]:
    """The module devnet, reverted after each test."""
    with reverted(devnet):
        yield devnet
