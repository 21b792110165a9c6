"""The `assay` command. Presentation only: every action calls into assay.* and prints results.

Later issues add the job, stake, solver, verifier and dispute journeys here; this one ships the
devnet and deployment commands.
"""

from __future__ import annotations

import signal
import threading
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assay.chain.deploy import main as deploy_main
from assay.cli import devnet_state
from assay.cli.agents import referee_app, solver_app, verifier_app
from assay.cli.api import api
from assay.cli.chainjob import register as register_chain_job_commands
from assay.cli.challenge import challenge
from assay.cli.dispute import dispute_app
from assay.cli.indexer import indexer_app
from assay.cli.job import job_app
from assay.cli.repro import repro_app
from assay.cli.stake import credits_app, stake_app
from assay.cli.whistleblower import whistleblower_app
from assay.cli.worker import worker
from assay.errors import AssayError
from assay.logs import configure as configure_logging

app = typer.Typer(no_args_is_help=True, help="Assay: verifiable ML training on an open market.")
devnet_app = typer.Typer(no_args_is_help=True, help="The embedded local devnet (anvil + protocol).")
app.add_typer(devnet_app, name="devnet")
app.add_typer(repro_app, name="repro")
register_chain_job_commands(job_app)
app.add_typer(job_app, name="job")
app.add_typer(stake_app, name="stake")
app.add_typer(credits_app, name="credits")
app.add_typer(dispute_app, name="dispute")
app.add_typer(solver_app, name="solver")
app.add_typer(verifier_app, name="verifier")
app.add_typer(referee_app, name="referee")
app.add_typer(whistleblower_app, name="whistleblower")
app.add_typer(indexer_app, name="indexer")
app.command("challenge")(challenge)
app.command("api")(api)
app.command("worker")(worker)
devnet_state.register(devnet_app)
console = Console()

DEFAULT_DEVNET_DIR = Path(".assay/devnet")


@app.callback()
def _root(
    log_level: Annotated[
        str, typer.Option(envvar="ASSAY_LOG_LEVEL", help="DEBUG, INFO, WARNING")
    ] = ("WARNING"),
) -> None:
    configure_logging(log_level)


@app.command()
def version() -> None:
    """Print the installed version."""
    console.print(f"assay {package_version('assay')}")


@app.command()
def deploy(
    rpc_url: Annotated[str, typer.Option(help="JSON-RPC endpoint of the target chain")],
    out: Annotated[Path, typer.Option(help="where to write the deployment JSON")],
    config: Annotated[
        Path | None, typer.Option(help="DeployConfig JSON (defaults suit a devnet)")
    ] = None,
    key_env: Annotated[
        str, typer.Option(help="env var holding the deployer key")
    ] = "ASSAY_PRIVATE_KEY",
) -> None:
    """Deploy the protocol to any chain; the key comes from the environment, never argv."""
    argv = ["--rpc-url", rpc_url, "--out", str(out), "--key-env", key_env]
    if config is not None:
        argv += ["--config", str(config)]
    raise typer.Exit(deploy_main(argv))


@devnet_app.command("init")
def devnet_init(
    rpc_url: Annotated[
        str, typer.Option("--rpc-url", envvar="ASSAY_RPC_URL", help="the devnet node (anvil)")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", envvar="ASSAY_DEPLOYMENT", help="where to write the deployment JSON"),
    ],
) -> None:
    """Deploy the protocol to an anvil you run, and stake the dev actors (docker compose).

    Idempotent: with a deployment at --out whose contracts exist on the node, it sends nothing.

    Example: assay devnet init --rpc-url http://anvil:8545 --out /data/deployment.json
    """
    from assay.chain.devnet import init_external  # imported late: pulls in web3

    try:
        d = init_external(rpc_url, out)
    except AssayError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"protocol on chain {d.chain_id}: JobMarket {d.job_market}; deployment {out}")


@devnet_app.command("up")
def devnet_up(
    state_dir: Annotated[
        Path, typer.Option(help="where the chain state and deployment.json are kept")
    ] = DEFAULT_DEVNET_DIR,
    fresh: Annotated[bool, typer.Option(help="discard the saved chain state first")] = False,
) -> None:
    """Run anvil with the protocol deployed and actors staked, until Ctrl-C (state is kept)."""
    from assay.chain.devnet import Devnet  # imported late: pulls in web3

    state_dir.mkdir(parents=True, exist_ok=True)
    state_file, deployment_file = state_dir / "state.json", state_dir / "deployment.json"
    if fresh:
        state_file.unlink(missing_ok=True)
        deployment_file.unlink(missing_ok=True)
    stop = threading.Event()
    # Ctrl-C and SIGTERM both just ask the wait below to end, so a signal that lands anywhere
    # (even while the table is printing) still stops anvil cleanly and keeps the state file.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        with Devnet(state_file=state_file, deployment_file=deployment_file) as net:
            if net.deployment_was_created:
                net.stake_defaults()
            d = net.deployment
            assert d is not None
            table = Table(
                "contract", "address", title=f"Assay devnet at {net.node.url} (chain {d.chain_id})"
            )
            for name, address in d.model_dump().items():
                if name not in ("chain_id", "deployer", "block_number"):
                    table.add_row(name, str(address))
            console.print(table)
            console.print(f"deployment: {deployment_file}   state: {state_file}")
            console.print("[bold green]devnet ready[/] — Ctrl-C to stop (the chain state is saved)")
            devnet_state.record(state_dir, net.node.url)
            try:
                stop.wait()
            finally:
                devnet_state.clear(state_dir)
    except AssayError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    console.print("devnet stopped; state saved")


if __name__ == "__main__":
    app()
