"""`assay solver|verifier run`, `assay devnet status|down` and StoreSpecSource on a devnet.

The solver runs as a real long-running subprocess (BlobServer, InProcessRunner, SIGTERM); the
verifiers run in-process through CliRunner with `--inline --until-idle 2`. Specs reach every
agent only through the on-chain specURI (a peer the test serves); the verifiers fetch the
solver's manifest from the endpoint in its artifactURI. No fixed sleeps: every wait polls the
chain with a generous deadline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assay.agents.manifest import first_divergence
from assay.agents.specsource import SpecMismatchError, StoreSpecSource
from assay.chain.devnet import Devnet
from assay.cli import devnet_state
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.net.uri import make_uri, parse_uri
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import JobId, JobStatus
from assay.store import LocalStore
from tests.conftest import past_challenge

pytestmark = pytest.mark.anvil

ETH = 10**18
ESCROW = 490_000_000_000_000_000
FEE_EACH = 12_250_000_000_000_000
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
runner = CliRunner()


def env_of(net: Devnet) -> dict[str, str | None]:
    return {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_STORE": None,
        "COLUMNS": "200",
    }


def assay(net: Devnet, *args: str, **env: str) -> Result:
    result = runner.invoke(app, list(args), env=env_of(net) | env)
    assert "Traceback" not in result.output, result.output
    return result


def small_job(tmp: Path) -> Path:
    text = EXAMPLE.read_text()
    text = re.sub(r"(?m)^steps = 500", "steps = 6", text)
    text = re.sub(r"(?m)^interval = 50", "interval = 2", text)
    path = tmp / "job.toml"
    path.write_text(text)
    assert load_spec(path).training.steps == 6
    return path


def wait_for(cond: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `cond` (bounded); fail early, with the agent's output, if the agent died."""
    deadline = time.monotonic() + 120
    while not cond():
        if proc.poll() is not None:
            pytest.fail(f"the solver agent exited ({proc.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.1)


def advance(net: Devnet, seconds: int) -> None:
    net.node.increase_time(seconds)
    net.node.mine()


def test_solver_and_verifier_processes_run_a_job_to_finalized(
    devnet: Devnet, tmp_path: Path
) -> None:
    market = devnet.actor("deployer").protocol.market
    stakes = devnet.actor("deployer").protocol.stakes
    submitter_store = LocalStore(tmp_path / "submitter-store")
    with BlobServer(submitter_store) as spec_peer:
        result = assay(
            devnet, "job", "submit", str(small_job(tmp_path)), "--budget", "0.5ether",
            "--peer", spec_peer.endpoint, "--store", str(submitter_store.root),
            "--dev-account", "submitter",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        match = re.search(r"job (\d+) posted", result.output)
        assert match, result.output
        job_id = JobId(int(match.group(1)))

        log = tmp_path / "solver.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(ASSAY_RPC_URL=devnet.node.url, ASSAY_DEPLOYMENT=str(devnet.deployment_file))
        env.update(ASSAY_LOG_LEVEL="INFO")
        solver_store = tmp_path / "solver-store"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "assay.cli.main", "solver", "run",
                    "--dev-account", "solver", "--state-dir", str(tmp_path / "solver"),
                    "--store", str(solver_store), "--interval", "0.2", "--min-credit", "0",
                ],
                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_for(
                lambda: market.job_status(job_id) == JobStatus.SUBMITTED, "Submitted", proc, log
            )
            job = market.get_job(job_id)
            manifest_hash, peers = parse_uri(job.artifact_uri)
            assert len(peers) == 1 and LocalStore(solver_store).has(manifest_hash)

            for name in ("verifier1", "verifier2"):
                store = tmp_path / f"{name}-store"
                result = assay(
                    devnet, "verifier", "run", "--dev-account", name,
                    "--state-dir", str(tmp_path / name), "--store", str(store),
                    "--inline", "--until-idle", "2", "--interval", "0", ASSAY_LOG_LEVEL="INFO",
                )  # fmt: skip
                assert result.exit_code == 0, result.output
                assert f"StartReplay job={job_id}" in result.output, result.output
                assert f"Attest job={job_id} -> sent" in result.output, result.output
                assert "verifier agent stopped (idle)" in result.output
                assert "manifest matches the replay" in result.output, result.output
                assert "train.progress" in result.output and "kind=replay" in result.output
                # The spec came from the submitter's peer, the manifest from the solver's.
                assert LocalStore(store).has(parse_uri(job.spec_uri).content_hash)
                assert LocalStore(store).has(manifest_hash)
            assert all(a.attested for a in market.assignments(job_id))

            advance(devnet, past_challenge(devnet, job_id))
            wait_for(
                lambda: market.job_status(job_id) == JobStatus.FINALIZED, "Finalized", proc, log
            )
            assert stakes.credit_of(devnet.actor("solver").address) == ESCROW - 2 * FEE_EACH
            for name in ("verifier1", "verifier2"):
                assert stakes.credit_of(devnet.actor(name).address) == FEE_EACH
            advance(devnet, job.params.revealWindow + 1)
            wait_for(
                lambda: market.get_job(job_id).verifiers_released, "verifiers released", proc, log
            )
        finally:
            if proc.poll() is None:
                proc.terminate()
            code = proc.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert "solver agent stopped (signal)" in output, output
    assert f"ClaimJob job={job_id} -> sent" in output
    assert re.search(rf"train\.progress .*job={job_id}.*step=6 total=6", output), output
    assert f"SubmitResult job={job_id}" in output and f"Finalize job={job_id} -> sent" in output


def test_sampled_verifier_attests_an_honest_job_without_a_full_replay(
    devnet: Devnet, tmp_path: Path
) -> None:
    market = devnet.actor("deployer").protocol.market
    submitter_store = LocalStore(tmp_path / "submitter-store")
    with BlobServer(submitter_store) as spec_peer:
        result = assay(
            devnet, "job", "submit", str(small_job(tmp_path)), "--budget", "0.5ether",
            "--peer", spec_peer.endpoint, "--store", str(submitter_store.root),
            "--dev-account", "submitter",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        match = re.search(r"job (\d+) posted", result.output)
        assert match, result.output
        job_id = JobId(int(match.group(1)))
        log = tmp_path / "solver.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(ASSAY_RPC_URL=devnet.node.url, ASSAY_DEPLOYMENT=str(devnet.deployment_file))
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "assay.cli.main", "solver", "run",
                    "--dev-account", "solver", "--state-dir", str(tmp_path / "solver"),
                    "--store", str(tmp_path / "solver-store"), "--interval", "0.2",
                    "--min-credit", "0",
                ],
                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            # The solver submits, then draws the verifiers in a later block (seeded by the
            # submission's block).
            wait_for(lambda: bool(market.assignments(job_id)), "verifiers drawn", proc, log)
            assert market.job_status(job_id) == JobStatus.SUBMITTED
            assigned = {a.verifier.lower() for a in market.assignments(job_id)}
            for name in ("verifier1", "verifier2"):
                if devnet.actor(name).address.lower() not in assigned:
                    continue
                result = assay(
                    devnet, "verifier", "run", "--dev-account", name,
                    "--state-dir", str(tmp_path / name), "--store", str(tmp_path / f"{name}-s"),
                    "--inline", "--until-idle", "2", "--interval", "0",
                    "--replay", "sampled", "--segments", "1", "--replay-seed", "7",
                    ASSAY_LOG_LEVEL="INFO",
                )  # fmt: skip
                assert result.exit_code == 0, result.output
                assert f"StartSampledReplay job={job_id}" in result.output, result.output
                assert f"Attest job={job_id} -> sent" in result.output, result.output
                assert f"StartReplay job={job_id}" not in result.output, result.output
                # One checkpoint-aligned segment of 2 steps trained, not the 6-step job.
                assert "trained_steps=2" in result.output, result.output
            assert assigned and all(a.attested for a in market.assignments(job_id))
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=60)


def small_spec(steps: int) -> JobSpec:
    raw = load_spec(EXAMPLE).model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = 2
    return spec_from_dict(raw)


def test_store_spec_source_fetches_from_peers_and_refuses_a_wrong_hash(tmp_path: Path) -> None:
    spec, other = small_spec(6), small_spec(7)
    origin = LocalStore(tmp_path / "origin")
    h = origin.put_bytes(canonical_bytes(spec))
    junk = origin.put_bytes(b"not json")
    with BlobServer(origin) as server:
        uri = make_uri(h, [server.endpoint])
        source = StoreSpecSource(LocalStore(tmp_path / "mine"))
        assert source.resolve(bytes(spec_hash(spec)), uri) == spec  # fetched over the wire
        with pytest.raises(SpecMismatchError, match="committed to specHash"):
            source.resolve(bytes(spec_hash(other)), uri)
        with pytest.raises(SpecMismatchError, match="not a valid job spec"):
            source.resolve(bytes(spec_hash(spec)), make_uri(junk, [server.endpoint]))
        source.note(bytes(spec_hash(other)), uri)
        assert source.get(bytes(spec_hash(other))) is None
        assert "refusing" in (source.refused(bytes(spec_hash(other))) or "")
        source.note(bytes(spec_hash(spec)), uri)
        assert source.get(bytes(spec_hash(spec))) == spec
    assert source.get(b"\x00" * 32) is None  # never noted: unknown
    assert first_divergence([b"a", b"b", b"c"], [b"a", b"x", b"c"]) == 1
    assert first_divergence([b"a", b"b"], [b"a", b"b"]) is None


def test_devnet_status_and_down(devnet: Devnet, tmp_path: Path) -> None:
    state = tmp_path / "devnet"
    state.mkdir()
    assert devnet.deployment is not None
    devnet.deployment.save(state / "deployment.json")
    assert assay(devnet, "devnet", "status", "--state-dir", str(state)).exit_code == 1
    # Stand-in for `assay devnet up`: a child process recorded with the running node's URL.
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        (state / devnet_state.PID_FILE).write_text(
            f'{{"pid": {child.pid}, "rpc_url": "{devnet.node.url}"}}'
        )
        result = assay(devnet, "devnet", "status", "--state-dir", str(state))
        assert result.exit_code == 0, result.output
        assert f"pid {child.pid}" in result.output and "job_market" in result.output
        assert re.search(r"solver\W+0x[0-9a-fA-F]{40}\W+solver", result.output), result.output
        result = assay(devnet, "devnet", "down", "--state-dir", str(state))
        assert result.exit_code == 0, result.output
        assert child.wait(timeout=30) != 0  # SIGTERM
        assert not (state / devnet_state.PID_FILE).exists()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
