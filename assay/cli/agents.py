"""`assay solver run`, `assay verifier run`, `assay referee run`: long-running agent processes.

Each connects as one account (assay/cli/context.py), serves its artifact store with a
BlobServer, resolves job specs from their on-chain specURI (StoreSpecSource) and ticks its agent
every `--interval` seconds until SIGINT/SIGTERM, `--once`, or `--until-idle N` consecutive ticks
with nothing to do. Every action is printed on stdout (`role tick N: Action job=… -> outcome`)
and logged (`agent.step`). The options every role shares are declared once
(assay/cli/agent_options.py); each command adds its own and hands its settings to its role's
builder (solver/settings.py, verifier/settings.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from assay.agents.preflight import DEFAULT_MAX_FLOPS, parse_flops, parse_size
from assay.cli.agent_options import agent_command, option
from assay.cli.agent_run import run_agent
from assay.cli.context import ChainOptions
from assay.cli.units import parse_wei
from referee.settings import RefereeSettings, build_referee
from solver.settings import (
    CheatPoint,
    SolverSettings,
    build_solver,
    parse_cheat,
    parse_telemetry_bind,
)
from verifier.settings import VerifierSettings, build_verifier

solver_app = typer.Typer(no_args_is_help=True, help="Run a solver agent (claim, train, defend).")
verifier_app = typer.Typer(
    no_args_is_help=True, help="Run a verifier agent (replay, attest or challenge, play games)."
)
referee_app = typer.Typer(
    no_args_is_help=True, help="Run a referee agent (recompute disputed operators, vote)."
)


T = TypeVar("T")


def _usage(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as an option parser: its ValueError becomes a usage error (exit 2)."""

    def parser(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parser


MaxMemory = Annotated[
    int | None,
    typer.Option(
        "--max-memory",
        parser=_usage(parse_size),
        metavar="SIZE",
        help="skip jobs whose estimated memory exceeds this (2GiB, 512MB, bytes; "
        "default 25% of physical memory)",
    ),
]
MaxFlops = Annotated[
    int | None,
    typer.Option(
        "--max-flops",
        parser=_usage(parse_flops),
        metavar="FLOPS",
        help=f"skip jobs whose estimated total FLOPs exceed this (e.g. 1e13; "
        f"default {DEFAULT_MAX_FLOPS:.0e})",
    ),
]


def _wei(text: str | int) -> int:
    """An AMOUNT, or 0; typer also passes the (int) default through here."""
    if isinstance(text, int):
        return text
    return 0 if text.strip() == "0" else parse_wei(text)


MinBudget = Annotated[
    int,
    typer.Option(
        "--min-budget",
        parser=_wei,
        metavar="AMOUNT",
        show_default="0.001ether",
        help="skip jobs whose escrowed budget is below this (e.g. 0.01ether; 0 = any)",
    ),
]
MinPrice = Annotated[
    int,
    typer.Option(
        "--min-price",
        parser=_wei,
        metavar="AMOUNT",
        help="skip jobs paying less than this per estimated GFLOP (e.g. 100gwei; 0 = any)",
    ),
]
TelemetryBind = Annotated[
    str,
    typer.Option(
        "--telemetry-bind",
        parser=_usage(parse_telemetry_bind),
        metavar="tcp://HOST:PORT|PORT",
        help="publish training progress here (default: a free port on 127.0.0.1, printed at "
        "start); follow it with `assay job watch ID --telemetry tcp://HOST:PORT`",
    ),
]
CheatFrom = Annotated[
    CheatPoint | None,
    typer.Option(
        "--cheat-from",
        hidden=True,
        parser=_usage(parse_cheat),
        metavar="STEP:OP",
        help="DEVNET DEMO ONLY: commit a wrong trace from training step STEP, operator OP",
    ),
]
VerifyAll = Annotated[
    bool, typer.Option("--verify-all", help="replay every submitted job, not only assigned ones")
]
Referee = Annotated[bool, typer.Option("--referee", help="also serve on adjudication committees")]
Replay = Annotated[
    str,
    typer.Option(
        "--replay",
        help="full: replay every step; sampled: check --segments random checkpoint-aligned "
        "segments against the solver's manifest, full replay on any mismatch",
    ),
]
Segments = Annotated[
    int, typer.Option("--segments", min=1, help="segments checked by --replay sampled")
]
ReplaySeed = Annotated[
    int | None,
    typer.Option(
        "--replay-seed", help="secret seed choosing the segments (default: random per run)"
    ),
]
Lazy = Annotated[
    bool,
    typer.Option(
        "--lazy",
        hidden=True,
        help="DEVNET DEMO ONLY: attest every assigned job without replaying it (a lazy "
        "verifier, slashed by honeypots)",
    ),
]


@solver_app.command("run")
@agent_command(
    SolverSettings,
    option("max_memory", MaxMemory),
    option("max_flops", MaxFlops),
    option("min_budget", MinBudget),
    option("min_price", MinPrice),
    option("telemetry_bind", TelemetryBind),
    option("cheat_from", CheatFrom),
)
def solver_run(settings: SolverSettings, chain: ChainOptions) -> None:
    """Claim open jobs whose spec resolves, train them, submit, defend the results in games.

    Jobs below --min-budget or --min-price, or needing more free stake than this account
    has, are skipped; each skip is logged once at INFO with its reason (ASSAY_LOG_LEVEL=INFO
    shows it). Training progress (step, loss) is published on --telemetry-bind; the start
    line prints the endpoint to pass to `assay job watch ID --telemetry`.

    Example: assay solver run --dev-account solver --interval 2 --min-budget 0.01ether
    """
    raise typer.Exit(run_agent(settings, chain, build_solver))


@verifier_app.command("run")
@agent_command(
    VerifierSettings,
    option("verify_all", VerifyAll),
    option("referee", Referee),
    option("replay", Replay),
    option("segments", Segments),
    option("replay_seed", ReplaySeed),
    option("lazy", Lazy),
)
def verifier_run(settings: VerifierSettings, chain: ChainOptions) -> None:
    """Replay submitted results, attest or challenge, and play the games you open.

    Example: assay verifier run --dev-account verifier1 --interval 2
    """
    raise typer.Exit(run_agent(settings, chain, build_verifier))


@referee_app.command("run")
@agent_command(RefereeSettings)
def referee_run(settings: RefereeSettings, chain: ChainOptions) -> None:
    """Serve on adjudication committees: recompute the disputed operator by replay and vote.

    Example: assay referee run --dev-account referee
    """
    raise typer.Exit(run_agent(settings, chain, build_referee))
