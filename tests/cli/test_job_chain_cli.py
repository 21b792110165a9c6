"""`assay job submit|status|watch|result|cancel` against a real devnet (one per module)."""

from __future__ import annotations

import io
import re
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from assay.chain.devnet import Devnet
from assay.cli import jobwatch
from assay.cli.main import app
from assay.net.telemetry import ProgressEvent, TelemetryPublisher, job_topic
from assay.net.uri import make_uri, parse_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.spec import load_spec
from assay.protocol.types import JobId, JobStatus, StateHash
from assay.store import LocalStore
from tests.conftest import reverted

pytestmark = pytest.mark.anvil

ETH = 10**18
runner = CliRunner()
JOB_FILE = Path(__file__).resolve().parents[2] / "examples" / "digits-mlp.toml"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def assay(net: Devnet, store: Path, *args: str) -> Result:
    """Run `assay ARGS` against the devnet with no key in the environment."""
    env = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_STORE": str(store),
        "ASSAY_PRIVATE_KEY": None,
        "COLUMNS": "200",
    }
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def submitted(devnet: Devnet, store: Path) -> tuple[JobId, str]:
    """The example job posted once through the CLI (before any per-test snapshot)."""
    result = assay(
        devnet, store, "job", "submit", str(JOB_FILE), "--budget", "0.5ether",
        "--dev-account", "submitter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    match = re.search(r"job (\d+) posted", result.output)
    assert match, result.output
    return JobId(int(match.group(1))), result.output


@pytest.fixture
def net(devnet: Devnet, submitted: tuple[JobId, str]) -> Iterator[Devnet]:
    """The module devnet with the job posted, reverted after each test."""
    with reverted(devnet):
        yield devnet


def field(output: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}:\s+(.+)$", output, re.MULTILINE)
    assert match, f"no {label!r} in:\n{output}"
    return match.group(1).strip()


def test_submit_posts_the_spec_commitments(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, output = submitted
    validated = assay(net, store, "job", "validate", str(JOB_FILE)).output
    assert field(output, "spec hash") == field(validated, "spec hash")
    assert field(output, "graph hash") == field(validated, "graph hash")
    job = net.actor("deployer").protocol.market.get_job(job_id)
    assert job.status == JobStatus.OPEN
    assert job.submitter == net.actor("submitter").address
    assert job.spec_hash.to_hex() == field(output, "spec hash")
    assert job.initial_state == StateHash(field(output, "initial state"))
    assert not job.initial_state.is_zero
    assert job.steps == 500
    assert job.spec_uri == field(output, "spec URI")
    # The spec URI names the canonical bytes, which are in the local store.
    content_hash, peers = parse_uri(job.spec_uri)
    assert peers == ()
    assert LocalStore(store).get_bytes(content_hash) == canonical_bytes(load_spec(JOB_FILE))
    assert "0.5 ETH sent, 0.49 ETH escrowed" in output
    assert re.search(r"^tx:\s+0x[0-9a-f]{64}$", output, re.MULTILINE)


def test_status_follows_the_claim_and_cancel_is_then_refused(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, posted = submitted
    result = assay(net, store, "job", "status", str(job_id))
    assert result.exit_code == 0, result.output
    assert field(result.output, "status") == "Open"
    assert field(result.output, "budget") == "0.49 ETH escrowed"
    assert field(result.output, "spec hash") == field(posted, "spec hash")
    assert re.search(r"\(in (30m|29m \d+s)\)$", field(result.output, "claim by"))

    net.actor("solver").protocol.market.claim_job(job_id)
    result = assay(net, store, "job", "status", str(job_id))
    assert field(result.output, "status") == "Claimed"
    assert field(result.output, "solver") == net.actor("solver").address
    assert re.search(r"\(in (1h|59m \d+s)\)$", field(result.output, "submit by"))

    result = assay(net, store, "job", "cancel", str(job_id), "--dev-account", "submitter")
    assert result.exit_code == 1
    assert f"JobMarket.WrongStatus: job {job_id} is Claimed but the call needs Open" in (
        result.output
    )
    assert "what to do:" in result.output


def test_cancel_refunds_the_submitter(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, _ = submitted
    result = assay(net, store, "job", "cancel", str(job_id), "--dev-account", "solver")
    assert result.exit_code == 1 and "NotSubmitter" in result.output
    result = assay(net, store, "job", "cancel", str(job_id), "--dev-account", "submitter")
    assert result.exit_code == 0, result.output
    assert "0.49 ETH credited" in result.output
    assert net.actor("deployer").protocol.market.job_status(job_id) == JobStatus.CANCELLED


def test_watch_prints_each_transition_until_terminal(
    net: Devnet, store: Path, submitted: tuple[JobId, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, _ = submitted
    market = net.actor("solver").protocol.market
    window = market.get_job(job_id).params.solveWindow

    def drive(_: float) -> None:
        """Between polls, move the job on: claim, then miss the deadline (-> Failed)."""
        if market.job_status(job_id) == JobStatus.OPEN:
            market.claim_job(job_id)
        else:
            net.node.increase_time(window + 1)
            net.node.mine()
            net.actor("challenger").protocol.market.report_missed_deadline(job_id)

    monkeypatch.setattr(jobwatch, "_sleep", drive)
    result = assay(net, store, "job", "watch", str(job_id), "--interval", "0.01", "--timeout", "60")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.endswith(f"job {job_id} is Open") for line in lines)
    solver = net.actor("solver").address
    assert any(line.endswith(f"Open -> Claimed by {solver}") for line in lines)
    assert any(line.endswith("Claimed -> Failed") for line in lines)
    assert f"assay job result {job_id}" in result.output


def test_watch_gives_up_at_the_timeout(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, _ = submitted
    result = assay(net, store, "job", "watch", str(job_id), "--timeout", "0")
    assert result.exit_code == 1
    assert f"job {job_id} is still Open after 0 s" in result.output


def test_result_shows_hashes_and_says_when_the_artifact_is_no_manifest(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, _ = submitted
    result = assay(net, store, "job", "result", str(job_id))
    assert result.exit_code == 1 and "has no result yet (it is Open)" in result.output

    model = LocalStore(store).put_bytes(b"pretend safetensors")
    final, root = StateHash(secrets.token_bytes(32)), secrets.token_bytes(32)
    solver = net.actor("solver").protocol.market
    solver.claim_job(job_id)
    solver.submit_result(job_id, final, root, make_uri(model), secrets.token_bytes(32))
    result = assay(net, store, "job", "result", str(job_id))
    assert result.exit_code == 0, result.output
    assert field(result.output, "final state") == final.to_hex()
    assert field(result.output, "trace root") == "0x" + root.hex()
    assert field(result.output, "artifact URI") == make_uri(model) + " (trace manifest)"
    assert field(result.output, "weights") == (
        f"unknown: artifact {model} is not a trace manifest (not JSON)"
    )
    assert field(result.output, "model file").startswith("not here yet")
    assert field(result.output, "status").startswith("Submitted")


def test_unknown_job_and_bad_spec_are_clear_errors(
    net: Devnet, store: Path, tmp_path: Path
) -> None:
    result = assay(net, store, "job", "status", "999")
    assert result.exit_code == 1 and "no job 999 on this deployment" in result.output
    bad = tmp_path / "job.toml"
    bad.write_text(JOB_FILE.read_text().replace("batch_size = 64", "batch_size = 0"))
    result = assay(
        net, store, "job", "submit", str(bad), "--budget", "1ether", "--dev-account", "submitter"
    )
    assert result.exit_code == 1
    assert "invalid job file" in result.output and "training.batch_size = 0" in result.output


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [("--timeout", "-5", "--timeout"), ("--interval", "0", "must be more than 0 seconds")],
)
def test_watch_refuses_a_negative_timeout_and_a_zero_interval(
    net: Devnet, store: Path, submitted: tuple[JobId, str], option: str, value: str, says: str
) -> None:
    job_id, _ = submitted
    result = assay(net, store, "job", "watch", str(job_id), option, value)
    assert result.exit_code == 2 and says in result.output


def test_posting_the_same_spec_again_gives_a_notice(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, first = submitted
    assert "note:" not in first
    result = assay(
        net, store, "job", "submit", str(JOB_FILE), "--budget", "0.5ether",
        "--dev-account", "submitter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"you already posted this spec as job {job_id}" in result.output
    assert f"job {job_id + 1} posted" in result.output
    other = assay(
        net, store, "job", "submit", str(JOB_FILE), "--budget", "0.5ether",
        "--dev-account", "challenger",
    )  # fmt: skip
    assert other.exit_code == 0 and "note:" not in other.output  # someone else's is not yours


def test_watch_shows_the_solvers_telemetry_one_line_per_update_when_piped(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    """A publisher (as a solver's) sends progress, then the job fails; every update is a line."""
    job_id, _ = submitted
    market = net.actor("solver").protocol.market
    window = market.get_job(job_id).params.solveWindow
    losses = [2.0, 1.5, 0.9]
    errors: list[BaseException] = []

    with TelemetryPublisher() as publisher:

        def solver() -> None:
            try:
                publisher.wait_for_subscriber(job_topic(job_id), timeout=30)
                market.claim_job(job_id)
                for step, loss in enumerate(losses, start=1):
                    publisher.publish_progress(ProgressEvent(job_id, step, loss, "0x00"))
                net.node.increase_time(window + 1)
                net.node.mine()
                net.actor("challenger").protocol.market.report_missed_deadline(job_id)
            except BaseException as exc:  # surfaced in the test's thread below
                errors.append(exc)

        thread = threading.Thread(target=solver)
        thread.start()
        result = assay(
            net, store, "job", "watch", str(job_id), "--interval", "0.05", "--timeout", "60",
            "--telemetry", publisher.endpoint,
        )  # fmt: skip
        thread.join(timeout=60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.endswith(f"job {job_id}: step 1/500 (0%) loss 2.0000") for line in lines)
    assert any(line.endswith(f"job {job_id}: step 3/500 (0%) loss 0.9000") for line in lines)
    # Polls see whichever states they catch: the claim may fall between two of them, and on a
    # loaded machine the whole story may end before the first poll (the watcher subscribes to
    # the telemetry first), which then reads the job as already Failed.
    ended = re.compile(rf"job {job_id}: (Open|Claimed) -> Failed$|job {job_id} is Failed$")
    assert any(ended.search(line) for line in lines), result.output
    assert "▁" not in result.output  # no sparkline when not a terminal


def test_watch_refuses_a_telemetry_endpoint_that_is_not_tcp(
    net: Devnet, store: Path, submitted: tuple[JobId, str]
) -> None:
    job_id, _ = submitted
    result = assay(net, store, "job", "watch", str(job_id), "--telemetry", "localhost:7000")
    assert result.exit_code == 2 and "an endpoint must be tcp://host:port" in result.output


def test_the_live_line_has_progress_and_a_loss_sparkline() -> None:
    assert jobwatch.sparkline([3.0, 2.0, 1.0, 0.0]) == "█▆▃▁"
    assert jobwatch.sparkline([1.0, 1.0]) == "▁▁" and jobwatch.sparkline([]) == ""
    assert len(jobwatch.sparkline([float(i) for i in range(100)], width=10)) == 10
    progress = jobwatch.Progress(total=8)
    for step, loss in ((1, 2.0), (2, 1.0), (2, 9.0), (4, 0.5)):  # a repeated step is ignored
        progress.add(ProgressEvent(7, step, loss, "0x00"))
    terminal = Console(file=io.StringIO(), force_terminal=True, width=120, highlight=False)
    terminal.print(progress.render(7, "Claimed"))
    shown = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert "Claimed — job 7: step 4/8 (50%) loss 0.5000" in shown and "█▃▁" in shown


def test_in_a_terminal_progress_is_a_live_line_under_the_transitions() -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True, width=120, highlight=False)
    with jobwatch._Display(terminal, 7, jobwatch.Progress(total=8), live=True) as display:
        display.status = "Claimed"
        display.say("12:00:00  job 7: Open -> Claimed by 0xabc")
        display.update([ProgressEvent(7, 1, 2.0, "0x00"), ProgressEvent(7, 2, 1.0, "0x00")], "")
    shown = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert "job 7: Open -> Claimed by 0xabc" in shown
    assert "Claimed — job 7: step 2/8 (25%) loss 1.0000" in shown and "█▁" in shown
    assert "12:00:00  job 7: step" not in shown  # no plain lines in a terminal
