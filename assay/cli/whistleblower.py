"""`assay whistleblower run` and `assay whistleblower audit` (docs/whistleblower.md).

`run` ticks the Whistleblower service (services/whistleblower/service.py) with the same
conventions as `assay solver run`: the four connection options, `--state-dir` (the secret state
file, honeypot specs, the embedded solver's cursor and work), `--interval`, `--once`,
`--until-idle N` and SIGINT/SIGTERM to stop. Honeypot specs and the embedded solver's manifests
go into `--store` and are served by a BlobServer, so agents in other processes resolve them from
the on-chain specURI like any other job's. Every action is printed (`whistleblower tick N: …`);
nothing secret (key, salt, forced-error step) is ever printed or logged.

`audit` prints the per-honeypot, per-verifier report from the chain alone (`--json PATH` also
writes it as JSON).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import structlog
import typer

from assay.agents.manifest import ManifestPublisher
from assay.agents.process import advertised, busy, format_step
from assay.agents.runner import InlineRunner, InProcessRunner, TaskRunner
from assay.agents.settings import DEFAULT_AGENTS_DIR
from assay.cli.agent_options import (
    Bind,
    Confirmations,
    Inline,
    Interval,
    MinCredit,
    Once,
    StateDir,
    UntilIdle,
)
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    amount_parser,
    connect,
    fail,
    reporting,
    stop_on_signals,
)
from assay.cli.jobcommon import StoreDir
from assay.cli.output import console
from assay.net.blobs import DEFAULT_BIND, BlobServer
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.datasets import parse_source
from assay.protocol.spec import JobSpec, SpecError, load_spec
from assay.store import DEFAULT_STORE, LocalStore

log = structlog.get_logger(__name__)

whistleblower_app = typer.Typer(
    no_args_is_help=True,
    help="Run the whistleblower (plant honeypots, reveal them) and audit the verifiers.",
)


def _echo(line: str) -> None:
    console.print(line, soft_wrap=True, markup=False)


def tick_loop(
    tick: Callable[[], tuple[list[str], bool]],
    stop: threading.Event,
    *,
    interval: float,
    once: bool = False,
    until_idle: int | None = None,
    echo: Callable[[str], None] = _echo,
) -> int:
    """Call `tick` (-> printed lines, busy) until `stop`, once, or `until_idle` idle ticks.

    A failing tick is logged and retried; with --once or --until-idle the exit code is then 1.
    """
    idle, n, failed = 0, 0, False
    while not stop.is_set():
        n += 1
        try:
            lines, working = tick()
            failed = False
        except Exception as exc:  # a long-running service survives any one bad tick
            log.exception("whistleblower.tick_failed", tick=n, reason=str(exc))
            echo(f"whistleblower tick {n}: failed: {type(exc).__name__}: {exc}")
            lines, working, failed = [], False, True
        for line in lines:
            echo(f"whistleblower tick {n}: {line}")
        if once:
            break
        if until_idle is not None:
            idle = idle + 1 if not lines and not working else 0
            if idle >= until_idle:
                break
        stop.wait(interval)
    return 1 if failed and (once or until_idle is not None) else 0


@whistleblower_app.command("run")
def run(
    template: Annotated[
        list[Path],
        typer.Option(
            "--template",
            help="a job file honeypots copy (seed and lr varied); repeatable",
        ),
    ],
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate", min=0.0, max=1.0, help="honeypot rate p (default: the registry's rate)"
        ),
    ] = None,
    budget: Annotated[
        int,
        typer.Option(
            "--budget", parser=amount_parser, metavar="AMOUNT", help="escrow of each honeypot"
        ),
    ] = "0.5ether",  # type: ignore[assignment]  # parsed by amount_parser
    max_in_flight: Annotated[
        int, typer.Option("--max-in-flight", min=1, help="unrevealed honeypots at a time")
    ] = 1,
    max_honeypots: Annotated[
        int | None, typer.Option("--max-honeypots", min=0, help="stop planting after this many")
    ] = None,
    self_challenge: Annotated[
        float,
        typer.Option(
            "--self-challenge",
            min=0.01,
            max=1.0,
            metavar="FRACTION",
            help="challenge an unchallenged honeypot yourself in this last fraction of its "
            "challenge window",
        ),
    ] = 1 / 3,
    state_dir: StateDir = None,
    store: StoreDir = DEFAULT_STORE,
    interval: Interval = 2.0,
    once: Once = False,
    until_idle: UntilIdle = None,
    inline: Inline = False,
    bind: Bind = DEFAULT_BIND,
    min_credit: MinCredit = 1,
    confirmations: Confirmations = 0,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Plant honeypots, solve them wrong on purpose, reveal them once beaten.

    The account must be a registered whistleblower with a Whistleblower stake. Each honeypot is
    posted, solved and (if nobody else does) challenged by fresh accounts of its own, derived
    from the secret state; this account funds them (budget + solver stake + gas, and the
    challenge bond when it self-challenges; on a real deployment fund them from elsewhere, see
    docs/whistleblower.md) and gets back what is left once the honeypot is closed, including the
    cost the reveal reimbursed from the jackpot pool.

    Example: assay whistleblower run --dev-account whistleblower --template job.toml
    """
    from services.whistleblower.planner import Template
    from services.whistleblower.service import (
        HoneypotSolver,
        SelfChallenger,
        Whistleblower,
        WhistleblowerConfig,
    )

    templates: list[Template] = []
    for path in template:
        try:
            spec = load_spec(path)
        except SpecError as exc:
            fail(f"invalid template {path}: {exc}", f"check it with `assay job validate {path}`")
        if parse_source(str(spec.data.source)).family == "artifact":
            # its honeypot solvers and commitments would need the data file: not supported yet
            fail(
                f"template {path} trains on a user data file ({spec.data.source}): "
                "honeypots on user data files are not supported yet",
                "use a template with a built-in data set (sklearn:…, synthetic:…)",
            )
        templates.append(Template(path.stem, spec.model_dump(mode="json")))
    with reporting():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account))
        directory = state_dir or DEFAULT_AGENTS_DIR / f"whistleblower-{chain.address.lower()}"
        directory.mkdir(parents=True, exist_ok=True)
        local = LocalStore(store)
        runner: TaskRunner = InlineRunner() if inline else InProcessRunner()
        config = WhistleblowerConfig(
            state_dir=directory,
            templates=tuple(templates),
            rate_p=rate,
            budget_wei=budget,
            max_in_flight=max_in_flight,
            max_honeypots=max_honeypots,
            start_block=chain.deployment.block_number,
            confirmations=confirmations,
            min_credit=min_credit,
            self_challenge=self_challenge,
        )
        with BlobServer(local, bind) as server:

            def publish_spec(spec: JobSpec) -> str:
                return make_uri(local.put_bytes(canonical_bytes(spec)), [advertised(server)])

            try:
                wb = Whistleblower(
                    chain.protocol,
                    config,
                    runner=runner,
                    spec_uri=publish_spec,
                    publish=ManifestPublisher(local, [advertised(server)]),
                    op_inputs_store=local,
                )
                console.print(
                    f"whistleblower for {chain.address}: state {directory}, store {store}, "
                    f"serving artifacts on {server.endpoint}",
                    soft_wrap=True,
                    markup=False,
                )

                def tick() -> tuple[list[str], bool]:
                    report = wb.tick()
                    lines = [f"planted honeypot job={j}" for j in report.posted]
                    lines += [
                        f"revealed honeypot job={j} jackpot={jp} "
                        f"reimbursed={report.reimbursed.get(j, 0)}"
                        for j, jp in report.revealed.items()
                    ]
                    lines += [f"reveal queued (rate limit) job={j}" for j in report.queued]
                    lines += [f"swept honeypot accounts job={j}" for j in report.swept]
                    lines += [
                        format_step(HoneypotSolver.role, 0, s).split(": ", 1)[1]
                        for s in report.solver
                    ]
                    role = SelfChallenger.role
                    lines += [
                        f"{role}: {format_step(role, 0, s).split(': ', 1)[1]}"
                        for s in report.challenger
                    ]
                    agents = [*wb.solvers.values(), *wb.challengers.values()]
                    return lines, any(busy(a) for a in agents)

                with stop_on_signals() as stop:
                    code = tick_loop(
                        tick, stop, interval=interval, once=once, until_idle=until_idle
                    )
                    reason = "signal" if stop.is_set() else "once" if once else "idle"
            finally:
                if isinstance(runner, InProcessRunner):
                    runner.shutdown()
    console.print(f"whistleblower stopped ({reason})")
    raise typer.Exit(code)


@whistleblower_app.command("audit")
def audit_command(
    whistleblower: Annotated[
        str | None,
        typer.Option("--whistleblower", help="only this whistleblower's honeypots (an address)"),
    ] = None,
    from_block: Annotated[
        int | None,
        typer.Option("--from-block", min=0, help="default: the deployment block"),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="also write the report as JSON to PATH")
    ] = None,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Report every revealed honeypot: who caught it, who attested (slashed), who missed it.

    Example: assay whistleblower audit --json audit.json
    """
    from services.whistleblower.audit import audit

    with reporting():
        opts = ChainOptions(rpc_url, deployment, keystore, dev_account)
        chain = connect(opts, signing=False)
        start = chain.deployment.block_number if from_block is None else from_block
        report = audit(chain.protocol, whistleblower=whistleblower, from_block=start)
    if not report.honeypots:
        console.print("no honeypot has been revealed yet")
    else:
        console.print(report.table(), soft_wrap=True, markup=False)
    if json_path is not None:
        json_path.write_text(report.dumps() + "\n")
        console.print(f"audit written to {json_path}", soft_wrap=True, markup=False)
