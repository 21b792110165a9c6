"""End-to-end fixtures: one deployed, staked devnet per session, reverted after every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.chain.devnet import Devnet
from tests.conftest import reverted


@pytest.fixture(scope="session")
def devnet_session(contracts_built: Path) -> Iterator[Devnet]:
    """anvil + the protocol deployed once, every role-holding actor staked (`stake_defaults`)."""
    with Devnet() as net:
        net.stake_defaults()
        yield net


@pytest.fixture
def net(devnet_session: Devnet) -> Iterator[Devnet]:
    """The session devnet, snapshotted before the test and reverted after it.

    A revert rolls every account's nonce back, so each cached sender forgets its local nonce.
    """
    with reverted(devnet_session):
        yield devnet_session
