"""The options every agent command shares, declared once, and the settings object they build.

`agent_command(SolverSettings, *role_options)` gives a `<role> run` command the shared agent
options (`--state-dir`, `--store`, `--interval`, … `--confirmations`), the role's own and the
four connection options (assay/cli/context.py). The command body receives the role's settings,
built from the flags given on the command line (the environment and the defaults fill the rest:
assay/agents/settings.py), and the ChainOptions. A new shared flag is one field of AgentSettings
and one entry of SHARED_OPTIONS. The Annotated aliases are reused by `assay whistleblower run`
and `assay challenge`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from assay.agents.settings import AgentSettings
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    reporting,
)
from assay.cli.jobcommon import StoreDir
from assay.protocol.amounts import AmountError, parse_credit

S = TypeVar("S", bound=AgentSettings)

StateDir = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="cursor and checkpoints (default .assay/agents/<role>-<address>); reuse it to resume",
    ),
]
Interval = Annotated[float, typer.Option("--interval", min=0.0, help="seconds between ticks")]
Once = Annotated[bool, typer.Option("--once", help="run one tick and exit (scripts, cron)")]
UntilIdle = Annotated[
    int | None,
    typer.Option(
        "--until-idle",
        min=1,
        metavar="N",
        help="exit after N consecutive ticks with nothing to do and no local work running",
    ),
]
Inline = Annotated[
    bool,
    typer.Option(
        "--inline", help="train/replay inside the tick (blocks the loop; scripts and tests)"
    ),
]
Bind = Annotated[
    str,
    typer.Option(
        "--bind",
        help="the BlobServer's address (tcp://HOST:PORT, * = any port); advertised to peers "
        "unless $ASSAY_ADVERTISE names another (e.g. tcp://solver:7000 behind Docker)",
    ),
]
RunnerKind = Annotated[
    str,
    typer.Option(
        "--runner",
        envvar="ASSAY_TASK_RUNNER",
        metavar="inprocess|celery",
        help="where training, replay and op traces run: inprocess (a thread of this process) "
        "or celery (`assay worker` processes via $ASSAY_BROKER_URL; they must see --state-dir "
        "at the same absolute path)",
    ),
]


def _credit_option(text: str | int) -> int:
    try:
        return parse_credit(text)
    except AmountError as exc:
        raise typer.BadParameter(str(exc)) from None


MinCredit = Annotated[
    int,
    typer.Option(
        "--min-credit",
        parser=_credit_option,
        metavar="AMOUNT",
        show_default="1 (wei)",
        help="claim credit once it reaches this, e.g. 0.01ether (no unit: wei; 0 = never)",
    ),
]
Confirmations = Annotated[
    int, typer.Option("--confirmations", min=0, help="blocks behind head treated as final")
]


def option(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    """A command parameter `name` declared by `annotation` (an Annotated typer.Option).

    Without `default`, an agent command takes the settings field's default.
    """
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


SHARED_OPTIONS = (
    option("state_dir", StateDir),
    option("store", StoreDir),
    option("interval", Interval),
    option("once", Once),
    option("until_idle", UntilIdle),
    option("inline", Inline),
    option("task_runner", RunnerKind),
    option("bind", Bind),
    option("min_credit", MinCredit),
    option("confirmations", Confirmations),
)
"""The options of every agent command, each one an AgentSettings field of the same name."""
CHAIN_OPTIONS = (
    option("rpc_url", RpcUrl, DEFAULT_RPC_URL),
    option("deployment", DeploymentFile, DEFAULT_DEPLOYMENT),
    option("keystore", KeystoreFile, None),
    option("dev_account", DevAccount, None),
)
"""Where the chain is and who acts (ChainOptions), as every chain command takes them."""


def settings_from(settings_cls: type[S], values: Mapping[str, Any], given: Iterable[str]) -> S:
    """The settings from the values of the options `given` on the command line (the
    environment, then the defaults, fill in the others).

    Raises:
        AgentSettingsError: a value is invalid (the message names the flag or variable).
    """
    return settings_cls.load(**{name: values[name] for name in given})


def given_on_command_line(ctx: typer.Context, names: Iterable[str]) -> list[str]:
    """Those of `names` whose value the command of `ctx` read from its command line (not from
    an environment variable the option names, nor its default)."""
    sources = {n: ctx.get_parameter_source(n) for n in names}
    return [
        n for n, source in sources.items() if source is not None and source.name == "COMMANDLINE"
    ]


def agent_command(
    settings_cls: type[S], *role_options: inspect.Parameter
) -> Callable[[Callable[[S, ChainOptions], None]], Callable[..., None]]:
    """Make `body(settings, chain)` a typer command taking the shared agent options, the
    role's `role_options` (each named after a field of `settings_cls`) and the connection
    options. Options without a default take the settings field's default (shown in --help)."""
    options = [_defaulted(settings_cls, p) for p in (*SHARED_OPTIONS, *role_options)]
    names = [p.name for p in options]
    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    params = [context, *options, *CHAIN_OPTIONS]

    def decorate(body: Callable[[S, ChainOptions], None]) -> Callable[..., None]:
        def command(ctx: typer.Context, **values: Any) -> None:
            with reporting():
                settings = settings_from(settings_cls, values, given_on_command_line(ctx, names))
            chain = ChainOptions(**{p.name: values[p.name] for p in CHAIN_OPTIONS})
            body(settings, chain)

        command.__name__, command.__qualname__ = body.__name__, body.__qualname__
        command.__module__ = body.__module__
        command.__doc__ = inspect.cleandoc(body.__doc__ or "") + _env_note(settings_cls)
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return command

    return decorate


def _defaulted(settings_cls: type[AgentSettings], param: inspect.Parameter) -> inspect.Parameter:
    if param.default is not inspect.Parameter.empty:
        return param
    return param.replace(default=settings_cls.model_fields[param.name].default)


def _env_note(settings_cls: type[AgentSettings]) -> str:
    prefix = settings_cls.model_config.get("env_prefix", "")
    return (
        "\n\nEvery option but the connection ones (--rpc-url, --deployment, --keystore, "
        f"--dev-account) can also be set in the environment as {prefix}<OPTION>, e.g. "
        f"{prefix}UNTIL_IDLE=3; a flag given on the command line wins."
    )
