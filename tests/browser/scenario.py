"""The explorer's scenario, built once for the browser tests and `make screenshots`: a devnet
with a paid job, a cheating solver's result disputed and won through both phases and the court,
and a honeypot caught; indexed by the real indexer into SQLite and served by the real API app
with uvicorn on a localhost socket."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import uvicorn

from assay.chain.devnet import Devnet
from services.api import ApiSettings, create_app
from tests.services import journeys
from tests.services.indexer_db import indexer_on

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Scenario:
    """What the indexed chain holds: ids and the addresses the pages are about (lowercase)."""

    paid_job: int
    disputed_job: int
    dispute_game: int
    honeypot_job: int
    solver: str
    challenger: str
    honeypot_attester: str
    honeypot_winner: str


@dataclass(frozen=True)
class Site:
    """The explorer served over the scenario's database."""

    base_url: str
    scenario: Scenario

    def url(self, path: str) -> str:
        """The absolute URL of `path` (which starts with /)."""
        return self.base_url + path


PAGES: dict[str, str] = {
    "jobs": "/explorer/jobs",
    "job": "/explorer/jobs/{disputed_job}",
    "job-paid": "/explorer/jobs/{paid_job}",
    "dispute": "/explorer/disputes/{dispute_game}",
    "account": "/explorer/accounts/{solver}",
    "leaderboard": "/explorer/leaderboard",
    "stats": "/explorer/stats",
    "audit": "/explorer/audit",
}
"""Page name (the screenshot's file name) -> path template over the Scenario's fields."""


def page_path(name: str, scenario: Scenario) -> str:
    """The path of page `name` (a key of PAGES) in `scenario`."""
    return PAGES[name].format(**asdict(scenario))


def index_scenario(net: Devnet, db_url: str) -> Scenario:
    """Play the journeys on a started devnet, index its chain into `db_url` and say what the
    index holds."""
    net.stake_defaults()
    paid = journeys.paid_job(net)
    disputed = journeys.disputed_job(net)
    honeypot = journeys.honeypot_job(net)
    # The honeypot's attester is its first seat, the verifier who won its dispute the second.
    seats = net.actor("deployer").protocol.market.assignments(honeypot)
    attester, winner = (seat.verifier.lower() for seat in seats)
    with indexer_on(net, db_url) as (indexer, _):
        indexer.run_until_caught_up()
    return Scenario(
        paid_job=paid.job_id,
        disputed_job=disputed.job_id,
        dispute_game=disputed.game_id,
        honeypot_job=honeypot,
        solver=net.actor("solver").address.lower(),
        challenger=net.actor("challenger").address.lower(),
        honeypot_attester=attester,
        honeypot_winner=winner,
    )


def _wait_ready(base_url: str, server_thread: threading.Thread) -> None:
    """Poll GET /healthz until it answers 200 (the server thread must stay alive)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not server_thread.is_alive():
            raise RuntimeError("the API server thread exited before it answered /healthz")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError) as exc:
            last = exc
        time.sleep(0.05)  # a poll interval, not a wait for the condition
    raise TimeoutError(f"the API at {base_url} did not answer /healthz in time: {last}")


@contextmanager
def serve_api(db_url: str, store_dir: Path) -> Iterator[str]:
    """The real API app over `db_url`, served by uvicorn on a free localhost port (a thread);
    yields its base URL once /healthz answers."""
    app = create_app(ApiSettings(database_url=db_url, artifact_dir=store_dir))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the port is ours from here: no race with other processes
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def explorer_site(workdir: Path) -> Iterator[Site]:
    """Build, index and serve the scenario under `workdir` (the chain is stopped once indexed:
    the API reads only the database and the artifact store)."""
    db_url = f"sqlite:///{workdir / 'explorer.db'}"
    with Devnet() as net:
        scenario = index_scenario(net, db_url)
    with serve_api(db_url, workdir / "store") as base_url:
        yield Site(base_url=base_url, scenario=scenario)
