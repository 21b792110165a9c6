"""Finding and installing the Chromium the browser tests drive: `make setup`'s `browser` step
(real make and shell; `id` and `apt-get` are stand-ins on a PATH of their own, since a test
cannot change who it runs as or install packages) and the launch errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from tests.browser.chromium import BrowserUnavailable, find_chromium, launch

ROOT = Path(__file__).resolve().parents[2]


def stand_in(bin_dir: Path, name: str, script: str) -> None:
    """An executable `name` in `bin_dir` running the shell `script`."""
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def make_browser(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    """`make -s browser` with only `bin_dir` on PATH (no chromium there unless put there)."""
    env = {**os.environ, "PATH": str(bin_dir)}
    return subprocess.run(
        ["/usr/bin/make", "-s", "--no-print-directory", "browser"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_setup_says_how_to_install_chromium_when_it_cannot(tmp_path: Path) -> None:
    stand_in(tmp_path, "id", "echo 1000")  # not root
    result = make_browser(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "make setup: no chromium on PATH, so the browser tests will skip; install it "
        "(Debian/Ubuntu: apt-get install chromium)"
    ]


def test_setup_installs_chromium_with_apt_get_as_root(tmp_path: Path) -> None:
    calls = tmp_path / "apt-calls"
    stand_in(tmp_path, "id", "echo 0")
    stand_in(tmp_path, "apt-get", f'echo "$*" >> {calls}')
    result = make_browser(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "make setup: installing chromium with apt-get (for the browser tests)"
    ]
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]


def test_setup_reports_a_failed_apt_get_and_goes_on(tmp_path: Path) -> None:
    stand_in(tmp_path, "id", "echo 0")
    stand_in(tmp_path, "apt-get", "exit 100")
    result = make_browser(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("(apt-get install failed)")


def test_setup_leaves_an_installed_chromium_alone(tmp_path: Path) -> None:
    stand_in(tmp_path, "chromium", "exit 0")
    stand_in(tmp_path, "apt-get", "echo apt-get must not run; exit 1")
    result = make_browser(tmp_path)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_the_chromium_on_path_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(tmp_path, "chromium-browser", "exit 0")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == str(tmp_path / "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BrowserUnavailable, match="no Chromium on PATH") as raised:
        find_chromium()
    assert "apt-get install -y chromium" in (raised.value.hint or "")


def test_a_chromium_that_does_not_start_is_reported(tmp_path: Path, playwright: Playwright) -> None:
    stand_in(tmp_path, "chromium", "echo not a browser >&2; exit 1")
    with pytest.raises(BrowserUnavailable, match="did not start"):
        launch(playwright, str(tmp_path / "chromium"))
