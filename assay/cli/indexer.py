"""`assay indexer run` and `assay indexer status`: the protocol's events into the services
database (services/indexer), and how far behind the node it is.

The database URL comes from --database-url, else $ASSAY_DATABASE_URL, else the SQLite file
.assay/assay.db; prefer the environment variable when the URL holds a password (argv is visible
to every user of the machine).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import urlsplit

import structlog
import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from web3 import Web3
from web3.providers import HTTPProvider

from assay.chain.deploy import Deployment
from assay.chain.errors import NodeError
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    RPC_ENV,
    DeploymentFile,
    RpcUrl,
    fail,
    reporting,
    stop_on_signals,
)
from assay.cli.output import console
from services.db import DATABASE_URL_ENV, database_url, make_engine, make_session_factory, upgrade
from services.db.session import safe_url
from services.indexer import Indexer, IndexerConfig, IndexerStatus, status

log = structlog.get_logger(__name__)

indexer_app = typer.Typer(
    no_args_is_help=True,
    help="Index the protocol's chain events into the services database (SQLite or PostgreSQL).",
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help=f"SQLAlchemy URL of the services database (default: ${DATABASE_URL_ENV}, else "
        f"sqlite .assay/assay.db); put a URL with a password in ${DATABASE_URL_ENV}, not here",
    ),
]


def node(rpc_url: str) -> Web3:
    """A connection to the node; NodeError (no traceback) if it does not answer."""
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    if not w3.is_connected():
        raise NodeError(
            f"cannot reach a node at {rpc_host(rpc_url)}; start one with `assay devnet up` or "
            f"point --rpc-url (${RPC_ENV}) at it"
        )
    return w3


def rpc_host(rpc_url: str) -> str:
    """The RPC URL without path, query or credentials (providers put API keys there)."""
    parts = urlsplit(rpc_url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"


@contextmanager
def _database_errors() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(
            f"the database refused the indexer: {reason}",
            f"check the server behind ${DATABASE_URL_ENV} (or --database-url) is up and writable",
        )


@indexer_app.command("run")
def run(
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    database: DatabaseUrl = None,
    confirmations: Annotated[
        int, typer.Option("--confirmations", min=0, help="blocks behind the head treated as final")
    ] = 0,
    batch_blocks: Annotated[
        int, typer.Option("--batch-blocks", min=1, help="most blocks read and written per batch")
    ] = 1_000,
    reorg_window: Annotated[
        int,
        typer.Option("--reorg-window", min=1, help="recent block hashes kept to find a fork"),
    ] = 256,
    interval: Annotated[
        float, typer.Option("--interval", min=0.0, help="seconds between polls once caught up")
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="index one batch and exit")] = False,
    until_idle: Annotated[
        int | None,
        typer.Option(
            "--until-idle",
            min=1,
            metavar="N",
            help="exit after N consecutive polls with nothing new (catch up, then exit)",
        ),
    ] = None,
) -> None:
    """Follow the chain and write the protocol's events into the services database.

    Migrates the database first (a fresh one works) and resumes from its cursor.

    Waits for --confirmations, rolls reorgs back; Ctrl-C stops it between batches.

    Examples:

      assay indexer run  (the devnet, into .assay/assay.db)

      assay indexer run --until-idle 1  (catch up, then exit)

      ASSAY_DATABASE_URL=postgresql+psycopg://assay@db/assay assay indexer run --confirmations 12
    """
    with reporting(), _database_errors():
        url = database_url(database)
        upgrade(url)
        engine = make_engine(url, check=True)
        w3 = node(rpc_url)
        chain = Deployment.load(deployment)
        config = IndexerConfig(confirmations, batch_blocks, reorg_window)
        sessions = make_session_factory(engine)
        indexer = Indexer(w3, chain, sessions, config)
        console.print(
            f"indexing chain {chain.chain_id} from {rpc_host(rpc_url)} ({deployment}) into "
            f"{safe_url(engine.url)}; {confirmations} confirmations",
            soft_wrap=True,
            markup=False,
        )
        log.info(
            "indexer.started",
            deployment=indexer.deployment_id,
            chain_id=chain.chain_id,
            rpc=rpc_host(rpc_url),
            database=safe_url(engine.url),
            confirmations=confirmations,
            batch_blocks=batch_blocks,
        )
        with stop_on_signals() as stop:
            indexer.run(stop, interval=interval, once=once, until_idle=until_idle)
        with sessions() as session:
            _print_status(status(session, w3, indexer.deployment_id))
        engine.dispose()


@indexer_app.command("status")
def show_status(
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    database: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """How far the indexer got: its cursor block, the node's head and the lag between them.

    Examples:

      assay indexer status

      assay indexer status --json --rpc-url http://node:8545
    """
    with reporting(), _database_errors():
        engine = make_engine(database_url(database), check=True)
        w3 = node(rpc_url)
        with Session(engine) as session:
            st = status(session, w3)
        engine.dispose()
    if as_json:
        payload = {**st.__dict__, "lag": st.lag, "updated_at": st.updated_at.isoformat()}
        console.print_json(json.dumps(payload))
    else:
        _print_status(st)


def _print_status(st: IndexerStatus) -> None:
    console.print(
        f"deployment {st.deployment_id} (chain {st.chain_id}, JobMarket {st.job_market}): "
        f"indexed up to block {st.cursor_block}, head {st.head}, lag {st.lag} blocks "
        f"(cursor moved {st.updated_at:%Y-%m-%d %H:%M:%S} UTC)",
        soft_wrap=True,
        markup=False,
    )
