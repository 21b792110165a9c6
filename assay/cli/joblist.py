"""`assay job list`: the caller's jobs (or every job) on this deployment, newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    Chain,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
)
from assay.cli.explain import explained
from assay.cli.jobcommon import job_document, status_name
from assay.cli.output import JsonFlag, console, emit_json
from assay.cli.units import format_time, format_wei
from assay.protocol.types import SOLIDITY_ENUM_NAMES, JobId

STATUS_NAMES = SOLIDITY_ENUM_NAMES["JobStatus"]


def _status_filter(text: str | None) -> str | None:
    if text is None:
        return None
    for name in STATUS_NAMES:
        if name.lower() == text.strip().lower():
            return name
    raise typer.BadParameter(f"{text!r} is not a job status; use one of {', '.join(STATUS_NAMES)}")


def posted_by(chain: Chain, submitter: str) -> dict[JobId, bytes]:
    """The jobs `submitter` posted, each with its spec hash (from JobPosted events)."""
    event = chain.protocol.market.contract.events.JobPosted
    logs = event.get_logs(
        from_block=chain.deployment.block_number, argument_filters={"submitter": submitter}
    )
    return {JobId(int(log["args"]["jobId"])): bytes(log["args"]["specHash"]) for log in logs}


def list_jobs(
    every: Annotated[bool, typer.Option("--all", help="every job, not only yours")] = False,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help=f"only jobs in this status: {', '.join(STATUS_NAMES)}",
        ),
    ] = None,
    as_json: JsonFlag = False,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """List your jobs (the acting account is the submitter), or --all; newest first.

    Example: assay job list --dev-account submitter --status Open
    """
    wanted = _status_filter(status)
    opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
    if not every and not opts.names_an_account:
        fail(
            "whose jobs? no account is given",
            "pass --dev-account NAME, --keystore PATH or export ASSAY_PRIVATE_KEY to list yours, "
            "or --all for every job",
        )
    with explained():
        chain = connect(opts, signing=not every)
        market = chain.protocol.market
        ids = (
            [JobId(i) for i in range(1, market.job_count() + 1)]
            if every
            else sorted(posted_by(chain, chain.address))
        )
        jobs = [market.get_job(i) for i in reversed(ids)]
        now = chain.now()
    jobs = [j for j in jobs if wanted is None or status_name(j.status) == wanted]
    if as_json:
        emit_json({"jobs": [job_document(j, now) for j in jobs], "now": now})
        return
    whose = "on this deployment" if every else f"posted by {chain.address}"
    if not jobs:
        console.print(f"no {wanted + ' ' if wanted else ''}jobs {whose}", soft_wrap=True)
        return
    table = Table(title=f"jobs {whose}")
    for column in ("job", "status", "budget", "steps", "solver", "posted"):
        table.add_column(column, no_wrap=column == "solver")
    for j in jobs:
        table.add_row(
            str(j.job_id),
            status_name(j.status),
            format_wei(j.budget),
            str(j.steps),
            j.solver if j.claimed_at else "-",
            format_time(j.posted_at, now),
        )
    console.print(table)
