"""RefereeSettings ($ASSAY_REFEREE_*): the shared agent options under the referee's prefix."""

from __future__ import annotations

import pytest

from referee.settings import RefereeSettings


def test_the_referee_reads_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_REFEREE_INTERVAL", "0.3")
    monkeypatch.setenv("ASSAY_VERIFIER_INTERVAL", "9")
    monkeypatch.setenv("ASSAY_REFEREE_CONFIRMATIONS", "2")
    s = RefereeSettings.load()
    assert (s.role, s.interval, s.confirmations) == ("referee", 0.3, 2)
    assert s.devnet_only_set() == []
