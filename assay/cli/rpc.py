"""Which node a command talks to, and where that choice came from.

The node is `--rpc-url`, else $ASSAY_RPC_URL, else $ETH_RPC_URL (Foundry's variable), else the
running devnet `assay devnet up` recorded (assay/cli/devnet_record.py), else 127.0.0.1:8545.
`resolve_rpc_url` is the option's callback; it remembers where each URL came from, so a node
that does not answer gets an error naming the source and a hint that fits it, and an agent
knows whether to follow a devnet restarted on another port.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import typer

from assay.cli.devnet_record import devnet_dir, recorded, running_url
from assay.cli.output import fail
from assay.errors import AssayError, ConfigError

RPC_ENV = "ASSAY_RPC_URL"
ETH_RPC_ENV = "ETH_RPC_URL"
DEPLOYMENT_ENV = "ASSAY_DEPLOYMENT"
DEFAULT_RPC_URL = "http://127.0.0.1:8545"
DEFAULT_DEPLOYMENT = Path(".assay/devnet/deployment.json")

E = TypeVar("E", bound=AssayError)


def hinted(exc: E, hint: str) -> E:
    """`exc` carrying `hint` (what the user can do; the CLI prints it after the message)."""
    exc.hint = hint
    return exc


# Where each URL the --rpc-url option resolved to came from, for errors and for agents that follow
# a restarted devnet (one process = one command, so a module-level record is enough).
_RPC_SOURCES: dict[str, str] = {}
DEVNET_SOURCE = "devnet"


def check_rpc_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host; else ConfigError saying what is expected."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise hinted(
            ConfigError(f"--rpc-url {url!r} is not an HTTP URL"),
            "give the node's JSON-RPC endpoint, e.g. http://127.0.0.1:8545 "
            "(`assay devnet status` prints the devnet's)",
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise hinted(
            ConfigError(f"--rpc-url {url!r} has an invalid port"), "e.g. http://127.0.0.1:8545"
        ) from None
    return url.strip()


def _source(ctx: typer.Context, param: typer.CallbackParam) -> str:
    """Where an option's value came from: COMMANDLINE, ENVIRONMENT or DEFAULT (by name: typer
    carries its own copy of click, whose ParameterSource enum is not click's)."""
    source = ctx.get_parameter_source(param.name) if param.name else None
    return "DEFAULT" if source is None else source.name


def resolve_rpc_url(ctx: typer.Context, param: typer.CallbackParam, value: str) -> str:
    """The node: flag > $ASSAY_RPC_URL > $ETH_RPC_URL > the recorded devnet > the default."""
    source = _source(ctx, param)
    if source == "ENVIRONMENT":
        origin = f"${RPC_ENV}" if os.environ.get(RPC_ENV) else f"${ETH_RPC_ENV}"
    elif source == "DEFAULT":
        devnet = running_url()
        if devnet is not None:
            _RPC_SOURCES[devnet] = DEVNET_SOURCE
            return devnet
        origin = "the default"
    else:
        origin = "--rpc-url"
    try:
        url = check_rpc_url(value)
    except ConfigError as exc:
        fail(f"{exc} (from {origin})", exc.hint)
    _RPC_SOURCES[url] = origin
    return url


def rpc_source(url: str) -> str:
    """Where `url` came from, in words: `from $ASSAY_RPC_URL`, `the recorded devnet`, …."""
    origin = _RPC_SOURCES.get(url, "--rpc-url")
    if origin == DEVNET_SOURCE:
        return f"the devnet recorded in {devnet_dir()}"
    return origin if origin == "the default" else f"from {origin}"


def follows_devnet(url: str) -> bool:
    """Whether `url` is the recorded devnet's (not given by flag or variable): a devnet restarted
    on another port may then be followed."""
    return _RPC_SOURCES.get(url) == DEVNET_SOURCE


def note_devnet_url(url: str) -> None:
    """Remember `url` as the recorded devnet's (an agent that followed it to a new port)."""
    _RPC_SOURCES[url] = DEVNET_SOURCE


def unreachable_hint(url: str) -> str:
    """What to do when no node answers at `url`, given where the URL came from."""
    origin = _RPC_SOURCES.get(url)
    if origin == "the default":
        devnet = recorded()
        if devnet is not None:
            return (
                f"the devnet recorded in {devnet.state_dir} (pid {devnet.pid}) is not running; "
                "start it with `assay devnet up`, or point --rpc-url at a node"
            )
        return (
            f"no devnet is recorded in {devnet_dir()}: start one there with `assay devnet up` "
            f"(or set ${RPC_ENV} / --rpc-url to your node)"
        )
    if origin == DEVNET_SOURCE:
        return "the devnet stopped; start it again with `assay devnet up`"
    where = "--rpc-url" if origin in (None, "--rpc-url") else origin
    return f"check that the node is running and that {where} points at it"


def resolve_deployment(ctx: typer.Context, param: typer.CallbackParam, value: str) -> Path:
    """The deployment: flag > $ASSAY_DEPLOYMENT > the devnet dir's deployment.json."""
    # typer hands callbacks the raw value (a str) and converts what they return to a Path.
    if _source(ctx, param) == "DEFAULT" and Path(value) == DEFAULT_DEPLOYMENT:
        return devnet_dir() / "deployment.json"
    return Path(value)
