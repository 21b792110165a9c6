from __future__ import annotations

import pytest
import structlog

from assay.logs import configure


@pytest.fixture(autouse=True)
def _restore_structlog() -> object:
    yield None
    structlog.reset_defaults()


def test_configure_filters_below_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure("WARNING")
    log = structlog.get_logger("t")
    log.info("hidden", job=1)
    log.warning("shown", job=2)
    err = capsys.readouterr().err
    assert "shown" in err and "job=2" in err
    assert "hidden" not in err


def test_configure_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure("loud")
