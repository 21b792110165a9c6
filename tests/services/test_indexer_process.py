"""The indexer as a real `assay indexer run` process: SIGKILLed in the middle of a dispute, then
restarted, it resumes from its cursor and ends with exactly the rows of a clean single run. Plus
the CLI's status and its errors (no tracebacks). No fixed sleeps: waits poll with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from assay.chain.devnet import Devnet
from assay.cli.main import app
from services.db import make_engine
from services.db.models import IndexerCursor
from tests.services import journeys
from tests.services.indexer_db import assert_matches_chain, dump, indexer_on

pytestmark = pytest.mark.anvil

DEADLINE = 60.0


@pytest.fixture(scope="module")
def devnet(contracts_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    """One devnet for the module: every test indexes it into its own database."""
    with Devnet(deployment_file=tmp_path_factory.mktemp("devnet") / "deployment.json") as net:
        net.stake_defaults()
        yield net


def env(net: Devnet, url: str) -> dict[str, str]:
    """The child's environment: this devnet and database, nothing else of ASSAY_*."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    out.update(
        ASSAY_RPC_URL=net.node.url,
        ASSAY_DEPLOYMENT=str(net.deployment_file),
        ASSAY_DATABASE_URL=url,
        ASSAY_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return out


def start(net: Devnet, url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "assay.cli.main", "indexer", "run", *extra],
            cwd=log.parent, env=env(net, url), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for(cond: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not cond():
        if proc.poll() is not None:
            pytest.fail(f"the indexer exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.01)


def test_sigkilled_indexer_resumes_from_its_cursor(devnet: Devnet, tmp_path: Path) -> None:
    node = devnet.node
    journeys.paid_job(devnet)
    node.mine(40)
    dispute_from = node.w3.eth.block_number + 1
    journeys.disputed_job(devnet)
    dispute_to = node.w3.eth.block_number
    node.mine(80)
    head = node.w3.eth.block_number

    url = f"sqlite:///{tmp_path / 'killed.db'}"
    log = tmp_path / "indexer.log"
    proc = start(devnet, url, log, "--batch-blocks", "3", "--interval", "0.05")
    procs = [proc]
    engine = make_engine(url)

    def cursor() -> int:
        try:
            with Session(engine) as s:
                found = s.scalar(select(IndexerCursor.last_block))
                return -1 if found is None else int(found)
        except OperationalError:  # the child has not migrated the database yet
            return -1

    try:
        wait_for(lambda: cursor() >= dispute_from + 4, "the cursor to reach the dispute", proc, log)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=DEADLINE)
        killed_at = cursor()
        assert dispute_from + 4 <= killed_at < head, (killed_at, dispute_to, head)

        restarted = start(devnet, url, log, "--until-idle", "2", "--interval", "0.05")
        procs.append(restarted)
        assert restarted.wait(timeout=DEADLINE) == 0, log.read_text()[-3000:]
        assert cursor() == head
        assert "lag 0 blocks" in log.read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=DEADLINE)

    with indexer_on(devnet, f"sqlite:///{tmp_path / 'clean.db'}") as (clean, clean_engine):
        clean.run_until_caught_up()
        assert dump(engine) == dump(clean_engine)
    with Session(engine) as s:
        assert_matches_chain(devnet, s)
    engine.dispose()


# ------------------------------------------------------------------------------ the CLI


def test_status_reports_cursor_head_and_lag(devnet: Devnet, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    runner = CliRunner()
    ran = runner.invoke(
        app, ["indexer", "run", "--until-idle", "1", "--confirmations", "2"], env=env(devnet, url)
    )
    assert ran.exit_code == 0, ran.output
    head = devnet.node.w3.eth.block_number
    assert f"indexed up to block {head - 2}, head {head}, lag 2 blocks" in ran.output
    shown = runner.invoke(app, ["indexer", "status", "--json"], env=env(devnet, url))
    assert shown.exit_code == 0, shown.output
    assert '"lag": 2' in shown.output and f'"cursor_block": {head - 2}' in shown.output


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (["--database-url", "mysql://u@h/db"], {}, "Assay supports SQLite and PostgreSQL"),
        ([], {"ASSAY_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/x"}, "cannot connect"),
        (["--rpc-url", "http://127.0.0.1:1"], {}, "cannot reach a node at http://127.0.0.1:1"),
        (["--deployment", "missing.json"], {}, "no deployment file at missing.json"),
    ],
)
def test_run_errors_are_one_sentence_without_traceback(
    devnet: Devnet, tmp_path: Path, args: list[str], extra_env: dict[str, str], message: str
) -> None:
    environment = env(devnet, f"sqlite:///{tmp_path / 'assay.db'}") | extra_env
    result = CliRunner().invoke(app, ["indexer", "run", "--once", *args], env=environment)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
