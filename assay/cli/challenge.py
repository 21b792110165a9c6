"""`assay challenge JOB_ID`: replay one submitted job locally; open a dispute game if it is wrong.

The game is then played by `assay verifier run --verify-all` as the same account.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assay.agents.process import format_hash
from assay.agents.settings import DEFAULT_AGENTS_DIR
from assay.agents.specsource import StoreSpecSource
from assay.agents.work import train_trace
from assay.cli.agent_options import StateDir
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
    reporting,
)
from assay.cli.jobcommon import StoreDir, status_name
from assay.cli.output import console
from assay.cli.units import format_wei
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import JobId, JobStatus
from assay.store import DEFAULT_STORE, LocalStore


def _refuse_second_game(chain: Chain, job_id: JobId) -> None:
    """Fail if this account already plays an unresolved game on the job (one per challenger)."""
    game = chain.protocol.game.game_of(job_id, chain.address)
    if int(game) != 0 and not chain.protocol.game.get_game(game).status.is_resolved:
        fail(
            f"{chain.address} already plays game {int(game)} on job {int(job_id)}",
            f"`assay dispute show {int(game)}` shows it; play it with "
            "`assay verifier run --verify-all` as this account",
        )


def challenge(
    job_id: Annotated[int, typer.Argument(help="the job whose result to check")],
    force: Annotated[
        bool, typer.Option("--force", help="open a game even if the replay matches (bonded)")
    ] = False,
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Replay a submitted job locally; open a dispute game if its result is wrong.

    The game is then played by `assay verifier run --verify-all` as the same account.

    Example: assay challenge 3 --dev-account challenger
    """
    with reporting():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        market = chain.protocol.market
        job = market.get_job(JobId(job_id))
        if job.status != JobStatus.SUBMITTED:
            fail(
                f"job {job_id} is {status_name(job.status)}; only a Submitted result can be "
                "challenged",
                f"`assay job status {job_id}` shows where it stands",
            )
        _refuse_second_game(chain, job.job_id)
        specs = StoreSpecSource(LocalStore(store))
        spec = specs.resolve(job.spec_hash, job.spec_uri)
        directory = state_dir or DEFAULT_AGENTS_DIR / f"challenge-{chain.address.lower()}"
        with console.status(f"replaying job {job_id} ({int(spec.training.steps)} steps)…"):
            steps = train_trace(spec, directory / f"job_{job_id}")
        root = MerkleTree(steps).root
        matches = steps[-1] == job.final_state and root == job.trace_root
        if matches:
            console.print(f"job {job_id}: the replay matches the submitted result (h_T, root)")
        else:
            console.print(
                f"job {job_id}: the replay DIFFERS from the submitted result "
                f"(replay h_T {format_hash(steps[-1])}, submitted {format_hash(job.final_state)})",
                markup=False,
            )
        if matches and not force:
            raise typer.Exit(0)
        bond = int(job.params.challengeBond)
        balance = int(chain.w3.eth.get_balance(chain.address))
        if balance < bond:
            fail(
                f"{chain.address} holds {format_wei(balance)}, less than the challenge bond of "
                f"{format_wei(bond)} (plus gas)",
                "fund the account with at least the bond, then run the same command again",
            )
        # Sent directly, not through the agents' Responder: that one counts GameAlreadyOpen as
        # done and logs other reverts, where this command must show the decoded error and a hint.
        game = chain.protocol.game.challenge(job.job_id, job.final_state, bond)
    console.print(
        f"game {int(game)} opened against job {job_id} with a bond of {format_wei(bond)}; "
        "play it with `assay verifier run --verify-all` as this account"
    )
