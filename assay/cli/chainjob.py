"""`assay job submit|status|watch|cancel`: a job's life on chain. Presentation only.

`result`, `fetch` (jobfetch.py) and `list` (joblist.py) join them in `register`.

Registered onto job.py's Typer app by `register(job_app)` so `assay job` stays one group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.agents.datafiles import data_hash
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
    tx_hash,
)
from assay.cli.dispute import games_of_job
from assay.cli.explain import ensure_funds, explained
from assay.cli.job import ArtifactsDir, is_artifact, load_data
from assay.cli.jobcommon import JobIdArg, StoreDir, job_document, status_name
from assay.cli.jobfetch import fetch, result
from assay.cli.joblist import list_jobs, posted_by
from assay.cli.jobwatch import watch
from assay.cli.output import JsonFlag, console, emit_json
from assay.cli.units import format_time, format_wei, parse_wei
from assay.errors import AssayError
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.records import Job
from assay.protocol.spec import JobSpec, SpecError, load_spec
from assay.protocol.types import JobId, JobStatus
from assay.repro.commitments import commitments
from assay.store import DEFAULT_STORE, LocalStore


def submit(
    path: Annotated[
        Path, typer.Argument(metavar="JOB_FILE", help="the job file (see `assay job init`)")
    ],
    budget: Annotated[
        int,
        typer.Option(parser=parse_wei, metavar="AMOUNT", help="escrowed payment, e.g. 0.5ether"),
    ],
    peer: Annotated[
        list[str] | None,
        typer.Option(
            "--peer",
            metavar="tcp://HOST:PORT",
            help="a blob server serving the spec and data file (repeatable)",
        ),
    ] = None,
    artifacts: ArtifactsDir = None,
    store: StoreDir = DEFAULT_STORE,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Validate a job file, store its canonical spec and post it with a budget in escrow.

    A spec whose data is a user file (artifact:0x<sha256>) needs --artifacts DIR: the file is
    checked against its hash and put in the store beside the spec, for --peer to serve.

    Example: assay job submit job.toml --budget 0.5ether
    """
    try:
        spec = load_spec(path)
    except SpecError as exc:
        fail(f"invalid job file: {exc}", f"fix it, then check with `assay job validate {path}`")
    with explained():
        local = LocalStore(store)
        data_file = _store_data_file(spec, artifacts, local)
        uri = make_uri(local.put_bytes(canonical_bytes(spec)), peer or [])
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        ensure_funds(chain, budget)
        with console.status("computing the graph hash and h_0 (builds the model once)…"):
            c = commitments(spec, load_data(spec, artifacts))
        market = chain.protocol.market
        again = sorted(j for j, h in posted_by(chain, chain.address).items() if h == c.spec_hash)
        fn = market.contract.functions.postJob(
            c.spec_hash, uri, c.steps, c.graph_hash, c.ops_per_step, bytes(c.initial_state)
        )
        receipt = chain.sender.send(fn, value=budget, contract=market.NAME)
        job_id = JobId(int(market.events_in(receipt, "JobPosted")[0].args["jobId"]))
        job = market.get_job(job_id)
    if again:
        console.print(
            f"[yellow]note:[/] you already posted this spec as job {', '.join(map(str, again))}; "
            f"job {job_id} is a second job with its own escrow (`assay job cancel {job_id}` "
            "refunds it while nobody has claimed it)",
            soft_wrap=True,
        )
    console.print(f"[bold green]job {job_id} posted[/] by {chain.address}")
    for label, value in (
        ("tx", tx_hash(receipt)),
        ("spec hash", "0x" + c.spec_hash.hex()),
        ("spec URI", uri),
        ("graph hash", "0x" + c.graph_hash.hex()),
        ("ops per step", f"{c.ops_per_step} (op-trace leaves r_0..r_N of every step)"),
        ("initial state", c.initial_state.to_hex()),
        ("steps", str(job.steps)),
        ("budget", f"{format_wei(budget)} sent, {format_wei(job.budget)} escrowed after tax"),
        *([("data file", f"{data_file} (in {store}, bound by the spec)")] if data_file else []),
    ):
        console.print(f"{label + ':':15}{value}", soft_wrap=True, markup=False)
    if data_file and not peer:
        console.print(
            "[yellow]note:[/] no --peer: solvers on other machines cannot fetch the spec and its "
            f"data file; serve {store} and post with --peer tcp://HOST:PORT",
            soft_wrap=True,
        )
    console.print(f"follow it with `assay job watch {job_id}`")


def _deadlines(job: Job, now: int) -> list[tuple[str, str]]:
    p = job.params
    rows: list[tuple[str, str]] = [("posted", format_time(job.posted_at, now))]
    if job.status == JobStatus.OPEN:
        rows.append(("claim by", format_time(job.posted_at + p.claimWindow, now)))
    if job.claimed_at:
        rows.append(("claimed", format_time(job.claimed_at, now)))
    if job.status == JobStatus.CLAIMED:
        rows.append(("submit by", format_time(job.claimed_at + p.solveWindow, now)))
    if job.submitted_at:
        rows.append(("submitted", format_time(job.submitted_at, now)))
    if job.status == JobStatus.SUBMITTED:
        rows.append(("challenges until", format_time(job.challenge_deadline, now)))
    if job.settled_at:
        rows.append(("settled", format_time(job.settled_at, now)))
        if job.status in (JobStatus.FINALIZED, JobStatus.FAILED):
            rows.append(("reveals until", format_time(job.settled_at + p.revealWindow, now)))
    return rows


def _store_data_file(spec: JobSpec, artifacts: Path | None, store: LocalStore) -> str | None:
    """Put the spec's user data file (checked against its sha256) in the store; its hash."""
    if not is_artifact(spec):
        return None
    load_data(spec, artifacts)  # finds the file and checks its sha256 (or says what to fix)
    expected = data_hash(spec)
    assert artifacts is not None and expected is not None
    path = next(p for p in artifacts.iterdir() if p.name.lower().split(".")[0] in _stems(expected))
    stored = store.put_file(path)
    if stored != expected:  # load_data checked it; the store hashes again as it copies
        raise AssayError(f"{path} changed while it was stored ({stored} is not {expected})")
    return str(stored)


def _stems(h: str) -> set[str]:
    return {h.lower(), h.lower().removeprefix("0x")}


def status(
    job_id: JobIdArg,
    as_json: JsonFlag = False,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Show a job: status, solver, deadlines, budget, verifiers and open games.

    Example: assay job status 3 --json
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
        market = chain.protocol.market
        job = market.get_job(JobId(job_id))
        now = chain.now()
        assigned = market.assignments(job.job_id)
        games = [chain.protocol.game.get_game(g) for g in games_of_job(chain, job.job_id)]
    verdicts = [
        (a.verifier, "attested" if a.attested else "challenged" if a.challenged else "pending")
        for a in assigned
    ]
    if as_json:
        emit_json(
            job_document(job, now)
            | {
                "verifiers": [{"address": v, "verdict": verdict} for v, verdict in verdicts],
                "games": [
                    {"game_id": int(g.game_id), "status": g.status.name.lower(),
                     "challenger": g.challenger}
                    for g in games
                ],
            }
        )  # fmt: skip
        return
    rows = [
        ("status", status_name(job.status)),
        ("submitter", job.submitter),
        ("solver", job.solver if job.claimed_at else "-"),
        ("budget", f"{format_wei(job.budget)} escrowed"),
        ("steps", str(job.steps)),
        ("spec hash", job.spec_hash.to_hex()),
        ("spec URI", job.spec_uri),
        *_deadlines(job, now),
    ]
    console.print(f"[bold]job {job.job_id}[/]")
    for label, value in rows:
        console.print(f"{label + ':':18}{value}", soft_wrap=True, markup=False)
    for verifier, verdict in verdicts:
        console.print(f"{'verifier:':18}{verifier} {verdict}", soft_wrap=True, markup=False)
    console.print(f"{'open games:':18}{job.open_games}", markup=False)
    for g in games:
        console.print(
            f"{'game ' + str(g.game_id) + ':':18}{g.status.name.lower()} by {g.challenger} "
            f"(`assay dispute show {g.game_id}`)",
            soft_wrap=True,
            markup=False,
        )


def cancel(
    job_id: JobIdArg,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Cancel your job while nobody has claimed it; the escrow is credited back to you.

    Example: assay job cancel 3
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        stakes = chain.protocol.stakes
        before = stakes.credit_of(chain.address)
        receipt = chain.protocol.market.cancel_job(JobId(job_id))
        refund = stakes.credit_of(chain.address) - before
    console.print(f"job {job_id} cancelled; {format_wei(refund)} credited to {chain.address}")
    console.print("claim it with `assay credits claim`")
    console.print(f"tx: {tx_hash(receipt)}")


def register(app: typer.Typer) -> None:
    """Add the on-chain job commands to `assay job`."""
    app.command("submit")(submit)
    app.command("status")(status)
    app.command("watch")(watch)
    app.command("result")(result)
    app.command("fetch")(fetch)
    app.command("list")(list_jobs)
    app.command("cancel")(cancel)
