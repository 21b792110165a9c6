"""One agent process: what it holds while it runs, and the loop that ticks its agent.

`agent_process(settings, protocol, …)` opens the artifact store, starts the BlobServer that
serves it to peers, and yields an `AgentProcess` (store, server, spec source, runner, config,
progress); a role's builder (`solver.settings.build_solver`, …) turns it into the agent, and
`run_loop` ticks that agent until a stop event, `once`, or `until_idle` idle ticks. Printing goes
through the `echo` callable the entry point passes in; what the user must fix is raised as an
`AssayError` (the CLI turns it into its error and hint). The task runner is chosen and built by
the entry point too (Celery lives in services/, above this layer).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout
from web3.exceptions import ProviderConnectionError

from assay.agents.actions import describe
from assay.agents.base import AgentConfig, BaseAgent, Step
from assay.agents.progress import TrainingProgress
from assay.agents.runner import TaskRunner
from assay.agents.settings import AgentSettings
from assay.agents.specsource import StoreSpecSource
from assay.chain.deploy import ProtocolContracts
from assay.errors import AssayError, ConfigError
from assay.net.blobs import BlobServer
from assay.net.errors import NetError
from assay.net.telemetry import TelemetryPublisher
from assay.net.uri import validate_peer
from assay.store import LocalStore

log = structlog.get_logger(__name__)

ADVERTISE_ENV = "ASSAY_ADVERTISE"
Echo = Callable[[str], None]


# ------------------------------------------------------------------------------ the loop


def _fmt(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        text = "0x" + bytes(value).hex()
        return text if len(text) <= 18 else text[:10] + "…" + text[-6:]
    return str(int(value)) if isinstance(value, int) else str(value)


def format_step(role: str, tick: int, step: Step) -> str:
    """`solver tick 3: SubmitResult job=1 final_state=0x… -> sent`."""
    a = step.action
    fields = " ".join(
        f"{f.name.removesuffix('_id')}={_fmt(getattr(a, f.name))}" for f in dataclasses.fields(a)
    )
    outcome = step.outcome if isinstance(step.outcome, str) else step.outcome.value
    return f"{role} tick {tick}: {describe(a)} {fields} -> {outcome}"


def format_hash(value: bytes) -> str:
    """A hash as the tick lines print it: `0x12345678…abcdef`."""
    return _fmt(value)


def busy(agent: BaseAgent) -> bool:
    """Whether local work is running or finished but not yet collected by a tick."""
    if any(not h.done() for h in agent.scheduler.running.values()):
        return True
    if any(w.task is not None or w.op_tasks for w in agent.work.values()):
        return True
    return agent.local_work_pending()


Reconnect = Callable[[], str | None]
"""Called before each retry while the node is unreachable: the URL it switched the agent's node
to (a devnet restarted on another port), or None."""

MAX_BACKOFF = 30.0
"""The longest wait between retries of a failing tick (seconds)."""


def node_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says no node answered: refused, reset, timed out."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionError | RequestsConnectionError | Timeout):
            return True
        if isinstance(current, ProviderConnectionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def node_url(agent: BaseAgent) -> str:
    """The node the agent talks to, as configured."""
    provider = getattr(getattr(agent, "w3", None), "provider", None)
    return str(getattr(provider, "endpoint_uri", None) or "the node")


def backoff(interval: float, attempt: int, cap: float = MAX_BACKOFF) -> float:
    """The wait before retry `attempt` (1, 2, …): the tick interval doubled per attempt, capped."""
    return float(min(cap, max(interval, 0.1) * 2.0 ** (attempt - 1)))


def _seconds(value: float) -> str:
    return f"{value:.0f}s" if value >= 10 or value == int(value) else f"{value:.1f}s"


STALL_AFTER = 60.0
"""Wall-clock seconds without a new block after which the agent says the chain clock stalled."""


class ClockWatch:
    """Notices a chain whose clock stands still (a local anvil that mines only on transactions):
    the contracts' windows then never close, so the agent says so once, with the fix."""

    def __init__(self, stall_after: float) -> None:
        self.stall_after = stall_after
        self._seen: tuple[int, float] | None = None  # (block timestamp, wall time first seen)
        self._warned = False

    def check(self, agent: BaseAgent, echo: Echo) -> None:
        """Read the latest block; echo one line the first time the clock has stood still for
        `stall_after` seconds, and another once it moves again."""
        w3 = getattr(agent, "w3", None)
        if w3 is None:
            return
        latest = w3.eth.get_block("latest")
        stamp, now = int(latest["timestamp"]), time.monotonic()
        if self._seen is None or self._seen[0] != stamp:
            if self._warned:
                echo(f"{agent.role}: the chain clock moves again (block {latest['number']})")
                self._warned = False
            self._seen = (stamp, now)
            return
        if not self._warned and now - self._seen[1] >= self.stall_after:
            self._warned = True
            echo(
                f"{agent.role}: the chain clock has not moved for {_seconds(now - self._seen[1])} "
                f"(block {latest['number']}): deadlines pass only as blocks are mined; on a local "
                "anvil run it with --block-time 1 --mixed-mining (`assay devnet up` does)"
            )
            log.warning("agent.clock_stalled", agent=agent.role, block=int(latest["number"]))


def run_loop(
    agent: BaseAgent,
    stop: threading.Event,
    *,
    interval: float,
    once: bool = False,
    until_idle: int | None = None,
    echo: Echo = print,
    reconnect: Reconnect | None = None,
    max_backoff: float = MAX_BACKOFF,
    stall_after: float | None = STALL_AFTER,
) -> int:
    """Tick until `stop`, once, or `until_idle` idle ticks; returns the exit code.

    A failing tick (node unreachable, an unexpected revert) is printed as one line and retried
    with backoff (the interval doubled per failure, up to `max_backoff`); a traceback is logged
    only the first time an error other than an unreachable node is seen. While the node is
    unreachable `reconnect` may move the agent to a new URL. With --once or --until-idle a
    failing run then exits 1. A chain clock that stands still for `stall_after` seconds is
    reported once (None: never checked).
    """
    clock = ClockWatch(stall_after) if stall_after is not None else None
    idle, tick, failures, failed, down = 0, 0, 0, False, False
    logged: set[tuple[str, str]] = set()
    while not stop.is_set():
        tick += 1
        wait = interval
        try:
            steps = agent.tick()
        except Exception as exc:  # a long-running agent survives any one bad tick
            failures += 1
            steps, failed, wait = [], True, backoff(interval, failures, max_backoff)
            _report_failure(agent, tick, exc, failures, wait, logged, echo)
            down = node_unreachable(exc)
            if reconnect is not None and down and not once:
                moved = reconnect()
                if moved is not None:
                    echo(f"{agent.role}: the devnet moved; reconnecting to {moved}")
                    log.info("agent.node_moved", agent=agent.role, url=moved)
                    wait = min(wait, interval)
        else:
            if down:
                echo(f"{agent.role}: node at {node_url(agent)} answers again after {failures} "
                     f"failed tick(s)")  # fmt: skip
                log.info("agent.recovered", agent=agent.role, url=node_url(agent), after=failures)
            failures, failed, down = 0, False, False
            if clock is not None:
                with contextlib.suppress(Exception):  # a node gone now fails the next tick
                    clock.check(agent, echo)
        for step in steps:
            echo(format_step(agent.role, tick, step))
            log.info(
                "agent.step",
                agent=agent.role,
                tick=tick,
                action=describe(step.action),
                outcome=str(step.outcome),
            )
        if once:
            break
        if until_idle is not None:
            idle = idle + 1 if not steps and not busy(agent) else 0
            if idle >= until_idle:
                break
        stop.wait(wait)
    return 1 if failed and (once or until_idle is not None) else 0


def _report_failure(
    agent: BaseAgent,
    tick: int,
    exc: Exception,
    attempt: int,
    wait: float,
    logged: set[tuple[str, str]],
    echo: Echo,
) -> None:
    """One line per failed tick; the traceback only for the first sighting of an error."""
    retry = f"retrying in {_seconds(wait)} (attempt {attempt})"
    if node_unreachable(exc):
        url = node_url(agent)
        echo(f"{agent.role} tick {tick}: node unreachable at {url}; {retry}")
        log.info(
            "agent.node_unreachable", agent=agent.role, url=url, attempt=attempt, retry_in=wait
        )
        return
    echo(f"{agent.role} tick {tick}: failed: {type(exc).__name__}: {exc}; {retry}")
    key = (type(exc).__name__, str(exc))
    if key in logged:
        log.info("agent.tick_failed", agent=agent.role, tick=tick, reason=str(exc), repeat=True)
    else:
        logged.add(key)
        log.exception("agent.tick_failed", agent=agent.role, tick=tick, reason=str(exc))


# ------------------------------------------------------------------------------ the process


class AdvertiseError(ConfigError):
    """$ASSAY_ADVERTISE is not an endpoint peers can use."""

    hint = "set it to tcp://HOST:PORT that peers can reach"


def advertised(server: BlobServer) -> str:
    """The endpoint peers are told to use: $ASSAY_ADVERTISE if set, else the bound one.

    Raises:
        AdvertiseError: $ASSAY_ADVERTISE is set but not a tcp://HOST:PORT endpoint.
    """
    override = os.environ.get(ADVERTISE_ENV, "").strip()
    if not override:
        return server.endpoint
    try:
        return validate_peer(override)
    except AssayError as exc:
        raise AdvertiseError(f"${ADVERTISE_ENV}: {exc}") from None


class TelemetryBindError(ConfigError):
    """The solver cannot publish its training progress where --telemetry-bind says."""

    hint = "pass --telemetry-bind with a free port (or tcp://127.0.0.1:* for any free one)"


@dataclasses.dataclass
class AgentProcess:
    """What one agent process holds: its bindings, store, blob server, specs, runner.

    Attributes:
        endpoint: the blob endpoint peers are told to use (`advertised`).
        echo: prints one line for the user (the entry point's console).
        telemetry: the endpoint training progress is published on (None: not published).
    """

    role: str
    protocol: ProtocolContracts
    state_dir: Path
    store: LocalStore
    server: BlobServer
    endpoint: str
    specs: StoreSpecSource
    runner: TaskRunner
    config: AgentConfig
    progress: TrainingProgress
    echo: Echo
    telemetry: str | None = None


def _telemetry(settings: AgentSettings, runner: TaskRunner) -> TelemetryPublisher | None:
    """The publisher of training progress, if the role publishes it and the runner reports it.

    Raises:
        NetError: the address cannot be bound (the message says to pick a free port).
    """
    address = settings.telemetry_address()
    if address is None:
        return None
    # Celery workers train in other processes: their progress never reaches this one.
    if not getattr(runner, "reports_progress", True):
        log.info("telemetry.off", agent=settings.role, reason="runner reports no progress")
        return None
    try:
        return TelemetryPublisher(address)
    except NetError as exc:
        raise TelemetryBindError(str(exc)) from None


@contextmanager
def agent_process(
    settings: AgentSettings,
    protocol: ProtocolContracts,
    *,
    start_block: int,
    runner: TaskRunner,
    echo: Echo = print,
    log_progress: bool = True,
) -> Iterator[AgentProcess]:
    """Open the store and start the BlobServer; on exit close it and shut `runner` down.

    Args:
        protocol: the bindings, acting as the agent's account.
        start_block: the first block a fresh cursor scans (the deployment block).
        runner: where local work runs (built by the entry point from `settings.task_runner`).
        log_progress: log training progress (`train.progress`); off where a live display shows it.
    """
    role, account = settings.role, protocol.market.sender.address
    directory = settings.state_directory(account)
    directory.mkdir(parents=True, exist_ok=True)
    local = LocalStore(settings.store)
    config = AgentConfig(
        cursor_path=directory / "cursor.json",
        workdir=directory / "work",
        start_block=start_block,
        confirmations=settings.confirmations,
        min_credit=settings.min_credit,
    )
    server = BlobServer(local, settings.bind)
    telemetry: TelemetryPublisher | None = None
    try:
        endpoint = advertised(server)
        telemetry = _telemetry(settings, runner)
        progress = TrainingProgress(log_steps=log_progress, telemetry=telemetry)
        proc = AgentProcess(
            role, protocol, directory, local, server, endpoint, StoreSpecSource(local), runner,
            config, progress, echo, telemetry.endpoint if telemetry is not None else None,
        )  # fmt: skip
        echo(
            f"{role} agent for {account}: state {directory}, store {settings.store}, "
            f"serving artifacts on {server.endpoint} (advertised as {endpoint})"
        )
        if telemetry is not None:
            echo(
                f"{role}: training progress published on {telemetry.endpoint} "
                f"(follow a job: assay job watch ID --telemetry {telemetry.endpoint})"
            )
        elif settings.telemetry_address() is not None:
            echo(f"{role}: no training telemetry: the task runner does not report progress")
        log.info(
            "agent.started",
            agent=role,
            account=account,
            state_dir=str(directory),
            endpoint=server.endpoint,
            telemetry=proc.telemetry,
        )
        yield proc
    finally:
        if telemetry is not None:
            telemetry.close()
        server.close()
        shutdown = getattr(runner, "shutdown", None)
        if shutdown is not None:
            shutdown()
        log.info("agent.stopped", agent=role, account=account)
