"""The `assay` command. Presentation only: every action calls into assay.* and prints results.

Later issues add the job, stake, solver, verifier and dispute journeys here; this one ships the
devnet and deployment commands.
"""

from __future__ import annotations

import signal
import threading
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from assay.chain.deploy import main as deploy_main
from assay.cli import devnet_state
from assay.cli.agents import referee_app, solver_app, verifier_app
from assay.cli.api import api
from assay.cli.chainjob import register as register_chain_job_commands
from assay.cli.challenge import challenge
from assay.cli.context import fail
from assay.cli.dispute import dispute_app
from assay.cli.indexer import indexer_app
from assay.cli.job import job_app
from assay.cli.keystores import refuse_key_in_argv
from assay.cli.repro import repro_app
from assay.cli.stake import credits_app, stake_app
from assay.cli.whistleblower import whistleblower_app
from assay.cli.worker import worker
from assay.errors import AssayError
from assay.logs import configure as configure_logging


class AssayGroup(TyperGroup):
    """The root command: refuses Foundry's --private-key wherever it appears, with a pointer."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Check the whole command line before any subcommand parses it."""
        try:
            refuse_key_in_argv(args)
        except AssayError as exc:
            fail(str(exc), exc.hint)
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=AssayGroup,
    no_args_is_help=True,
    help="Assay: verifiable ML training on an open market.",
)
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

DEFAULT_PORT = 8545


@app.callback()
def _root(
    log_level: Annotated[
        str, typer.Option(envvar="ASSAY_LOG_LEVEL", help="DEBUG, INFO, WARNING")
    ] = ("WARNING"),
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=lambda v: _print_version() if v else None,
            help="print the installed version and exit",
        ),
    ] = False,
) -> None:
    configure_logging(log_level)


def _print_version() -> None:
    console.print(f"assay {package_version('assay')}")
    raise typer.Exit()


@app.command()
def version() -> None:
    """Print the installed version (also `assay --version`).

    Example: assay version
    """
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
    """Deploy the protocol to any chain; the key comes from the environment, never argv.

    Example: assay deploy --rpc-url https://rollup.example/rpc --out deployment.json
    """
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
    ctx: typer.Context,
    state_dir: devnet_state.StateDirOpt = devnet_state.DEFAULT_DEVNET_DIR,
    port: Annotated[
        int,
        typer.Option(
            min=0,
            help=f"the node's port; 0 = any free one (taken too when the default {DEFAULT_PORT} "
            "is busy)",
        ),
    ] = DEFAULT_PORT,
    block_time: Annotated[
        int,
        typer.Option(
            min=0,
            help="mine an empty block every N seconds so the chain clock keeps moving "
            "(transactions still mine at once); 0 = mine only on transactions",
        ),
    ] = 1,
    fresh: Annotated[bool, typer.Option(help="discard the saved chain state first")] = False,
) -> None:
    """Run anvil with the protocol deployed and actors staked, until Ctrl-C (state is kept).

    Its URL is recorded in <state-dir>/devnet.json.
    Commands run from this directory then find it without --rpc-url.

    Example: assay devnet up --port 8545 --block-time 1
    """
    from assay.chain.anvil import free_port  # imported late: pulls in web3
    from assay.chain.devnet import Devnet, port_is_free

    state_dir.mkdir(parents=True, exist_ok=True)
    state_file, deployment_file = state_dir / "state.json", state_dir / "deployment.json"
    if fresh:
        state_file.unlink(missing_ok=True)
        deployment_file.unlink(missing_ok=True)
    running = devnet_state.read(state_dir)
    if running is not None and devnet_state.alive(int(running["pid"])):
        fail(
            f"a devnet already runs from {state_dir} (pid {running['pid']}, "
            f"{running.get('rpc_url')})",
            "use it (commands find it by themselves), or stop it with `assay devnet down` first",
        )
    if port and not port_is_free(port):
        source = ctx.get_parameter_source("port")
        if source is not None and source.name != "DEFAULT":  # asked for: say so, take no other
            fail(f"port {port} is in use", "give another --port, or --port 0 for any free one")
        console.print(f"port {port} is busy; the devnet takes a free port instead")
        port = 0
    stop = threading.Event()
    # Ctrl-C and SIGTERM both just ask the wait below to end, so a signal that lands anywhere
    # (even while the table is printing) still stops anvil cleanly and keeps the state file.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    net = Devnet(
        state_file=state_file,
        deployment_file=deployment_file,
        port=port or free_port(),
        block_time=block_time or None,
    )
    try:
        with net:
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
            clock = f"a block every {block_time}s" if block_time else "blocks only on transactions"
            console.print(f"rpc url: {net.node.url}   clock: {clock}", markup=False)
            console.print("[bold green]devnet ready[/] — Ctrl-C to stop (the chain state is saved)")
            devnet_state.record(state_dir, net.node.url, chain_id=d.chain_id, block_time=block_time)
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
