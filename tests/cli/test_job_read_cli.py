"""`assay job list|result|fetch`, `--json` and the read errors, against a real devnet.

One tiny job (4 steps, checkpoints every 2) is posted through the CLI; a "solver" trains it for
real, serves its store from a BlobServer and submits; the submitter fetches the model over the
wire into an empty store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner, Result

from assay.agents.manifest import ManifestPublisher
from assay.agents.work import JobWork, train_trace
from assay.chain.devnet import Devnet
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.protocol.canonical import canonical_bytes
from assay.protocol.merkle import MerkleTree
from assay.protocol.spec import load_spec
from assay.protocol.types import JobId
from assay.store import LocalStore
from tests.conftest import reverted

pytestmark = pytest.mark.anvil

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits-mlp.toml"


def assay(net: Devnet, store: Path, *args: str, key: str | None = None) -> Result:
    """Run `assay ARGS` against the devnet (a pipe, not a terminal: no COLUMNS given)."""
    env = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_STORE": str(store),
        "ASSAY_PRIVATE_KEY": key,
        "COLUMNS": None,
    }
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def tiny_job(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "tiny.toml"
    text = EXAMPLE.read_text().replace("steps = 500", "steps = 4")
    path.write_text(text.replace("interval = 50 ", "interval = 2  "))
    assert load_spec(path).checkpoint.interval == 2
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: tmp_path_factory.mktemp(name) for name in ("submitter", "solver", "fetcher")}


@pytest.fixture(scope="module")
def posted(devnet: Devnet, tiny_job: Path, stores: dict[str, Path]) -> tuple[JobId, JobId]:
    """Two jobs: the tiny one by `submitter`, the example by `challenger` (posted via the CLI)."""
    ids = []
    for who, path in (("submitter", tiny_job), ("challenger", EXAMPLE)):
        result = assay(
            devnet, stores["submitter"], "job", "submit", str(path), "--budget", "0.5ether",
            "--dev-account", who,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        match = re.search(r"job (\d+) posted", result.output)
        assert match, result.output
        ids.append(JobId(int(match.group(1))))
    return ids[0], ids[1]


@pytest.fixture
def net(devnet: Devnet, posted: tuple[JobId, JobId]) -> Iterator[Devnet]:
    with reverted(devnet):
        yield devnet


@pytest.fixture
def solved(
    net: Devnet, posted: tuple[JobId, JobId], tiny_job: Path, stores: dict[str, Path],
    tmp_path: Path,
) -> Iterator[tuple[JobId, str]]:  # fmt: skip
    """The tiny job trained, its manifest served by a BlobServer, and submitted on chain."""
    job_id = posted[0]
    spec = load_spec(tiny_job)
    steps = train_trace(spec, tmp_path)
    work = JobWork(tmp_path, spec=spec, steps=steps, trace_root=MerkleTree(steps).root)
    store = LocalStore(stores["solver"])
    store.put_bytes(canonical_bytes(spec))  # as a solver's agent fetched it to train
    with BlobServer(store) as server:
        uri = ManifestPublisher(store, [server.endpoint])(int(job_id), work)
        market = net.actor("solver").protocol.market
        market.claim_job(job_id)
        market.submit_result(job_id, steps[-1], MerkleTree(steps).root, uri, b"\x01" * 32)
        yield job_id, uri


def test_list_shows_mine_by_default_and_every_job_with_all(
    net: Devnet, posted: tuple[JobId, JobId], stores: dict[str, Path]
) -> None:
    mine, theirs = posted
    result = assay(net, stores["submitter"], "job", "list", "--dev-account", "submitter")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if re.match(r"^\S*\s*\d+\s", line)]
    assert re.search(rf"\b{mine}\b.*Open.*0\.49 ETH", result.output)
    assert not any(re.search(rf"^\W*{theirs}\s", row) for row in rows)

    every = assay(net, stores["submitter"], "job", "list", "--all", "--json")
    assert every.exit_code == 0, every.output
    jobs = json.loads(every.output)["jobs"]
    assert [j["job_id"] for j in jobs] == sorted([mine, theirs], reverse=True)
    first = next(j for j in jobs if j["job_id"] == mine)
    assert first["budget"] == str(490 * 10**15) and first["budget_eth"] == "0.49"
    assert first["status"] == "Open" and first["solver"] is None
    assert first["submitter"] == net.actor("submitter").address

    net.actor("solver").protocol.market.claim_job(theirs)
    claimed = assay(net, stores["submitter"], "job", "list", "--all", "--status", "claimed")
    assert re.search(rf"\b{theirs}\b.*Claimed", claimed.output)
    assert not re.search(rf"^\W*{mine}\s", claimed.output, re.MULTILINE)


def test_list_needs_an_account_or_all_and_a_known_status(
    net: Devnet, stores: dict[str, Path]
) -> None:
    result = assay(net, stores["submitter"], "job", "list")
    assert result.exit_code == 1
    assert "whose jobs?" in result.output and "--all" in result.output
    result = assay(net, stores["submitter"], "job", "list", "--all", "--status", "Pending")
    assert result.exit_code == 2 and "is not a job status" in result.output


def test_status_json_has_stable_fields(
    net: Devnet, posted: tuple[JobId, JobId], stores: dict[str, Path]
) -> None:
    job_id = posted[0]
    result = assay(net, stores["submitter"], "job", "status", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["job_id"] == job_id and doc["status"] == "Open"
    assert doc["budget"] == str(490 * 10**15) and doc["budget_eth"] == "0.49"
    assert doc["steps"] == 4 and doc["verifiers"] == [] and doc["games"] == []
    assert doc["claim_deadline"] > doc["posted_at"] and doc["solve_deadline"] is None


def test_result_names_the_weights_and_fetch_brings_the_model_home(
    net: Devnet, solved: tuple[JobId, str], stores: dict[str, Path], tmp_path: Path
) -> None:
    job_id, uri = solved
    result = assay(net, stores["fetcher"], "job", "result", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["artifact_uri"] == uri and doc["status"] == "Submitted"
    manifest = json.loads(LocalStore(stores["solver"]).get_bytes(doc["manifest"]))
    assert doc["weights"] == manifest["final_weights"] == manifest["checkpoints"]["4"]
    assert doc["model_file"] is None  # named, not yet downloaded

    out = tmp_path / "model"
    result = assay(net, stores["fetcher"], "job", "fetch", str(job_id), "--out", str(out))
    assert result.exit_code == 0, result.output
    model = out / "model.safetensors"
    assert model.read_bytes() == LocalStore(stores["solver"]).get_bytes(doc["weights"])
    assert "weights hash to the final state on chain" in result.output
    accuracy = float(re.search(r"accuracy: (\d\.\d+)", result.output).group(1))  # type: ignore[union-attr]
    assert 0.0 < accuracy <= 1.0

    text = assay(net, stores["fetcher"], "job", "result", str(job_id)).output
    assert re.search(rf"^weights:\s+{doc['weights']}$", text, re.MULTILINE)
    assert "(trace manifest)" in text
    assert re.search(r"^model file:\s+/\S+$", text, re.MULTILINE)  # now in the store


def test_fetch_refuses_weights_that_are_not_the_final_state(
    net: Devnet, posted: tuple[JobId, JobId], tiny_job: Path, stores: dict[str, Path],
    tmp_path: Path,
) -> None:  # fmt: skip
    """A solver whose manifest names other weights than the state it submitted."""
    job_id = posted[0]
    spec = load_spec(tiny_job)
    steps = train_trace(spec, tmp_path)
    (tmp_path / "step_4.safetensors").write_bytes((tmp_path / "step_2.safetensors").read_bytes())
    work = JobWork(tmp_path, spec=spec, steps=steps, trace_root=MerkleTree(steps).root)
    store = LocalStore(tmp_path / "store")
    with BlobServer(store) as server:
        uri = ManifestPublisher(store, [server.endpoint])(int(job_id), work)
        market = net.actor("solver").protocol.market
        market.claim_job(job_id)
        market.submit_result(job_id, steps[-1], MerkleTree(steps).root, uri, b"\x01" * 32)
        result = assay(
            net, tmp_path / "empty", "job", "fetch", str(job_id), "--out", str(tmp_path / "o")
        )
    assert result.exit_code == 1
    assert "not to the final state on chain" in result.output and "refusing" in result.output
    assert not (tmp_path / "o" / "model.safetensors").exists()


def test_reading_an_unknown_job_says_there_is_none(net: Devnet, stores: dict[str, Path]) -> None:
    for command in ("status", "result", "fetch"):
        result = assay(net, stores["submitter"], "job", command, "999")
        assert result.exit_code == 1
        assert "no job 999 on this deployment" in result.output
        assert "refused" not in result.output


def test_payments_beyond_the_balance_or_uint256_are_explained(
    net: Devnet, tiny_job: Path, stores: dict[str, Path]
) -> None:
    broke = Account.create().key.hex()
    result = assay(
        net, stores["submitter"], "job", "submit", str(tiny_job), "--budget", "1ether", key=broke
    )
    assert result.exit_code == 1
    assert "insufficient funds" in result.output and "holds 0 ETH but this sends 1 ETH" in (
        result.output
    )
    assert "cast send" in result.output

    huge = str(2**256)
    result = assay(net, stores["submitter"], "job", "submit", str(tiny_job), "--budget", huge)
    assert result.exit_code == 2
    assert "more than the largest amount the chain can hold" in result.output


def test_piped_output_is_not_cut_at_80_columns(
    net: Devnet, posted: tuple[JobId, JobId], stores: dict[str, Path]
) -> None:
    net.actor("solver").protocol.market.claim_job(posted[0])
    result = assay(net, stores["submitter"], "job", "list", "--all")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) > 80
    assert net.actor("solver").address in result.output  # whole, not wrapped or cut
    assert "…" not in result.output
