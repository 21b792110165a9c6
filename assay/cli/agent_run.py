"""Running one agent process from the command line: its task runner, connection and display.

`run_agent(settings, chain, build)` is the body every `<role> run` command shares: refuse the
devnet-only options without a dev account, build the task runner (`--runner`: a thread of this
process, or Celery workers), connect, open the agent process (assay/agents/process.py), build
the agent with the role's builder, and tick it with a live progress display on a terminal until
SIGINT/SIGTERM, `--once` or `--until-idle N`. An agent that found its node through the devnet
record follows a devnet restarted on another port (`follow_devnet`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from rich.live import Live
from web3 import Web3
from web3.providers import HTTPProvider

from assay.agents.base import BaseAgent
from assay.agents.process import AgentProcess, Reconnect, agent_process, run_loop
from assay.agents.runner import InlineRunner, InProcessRunner, TaskRunner
from assay.agents.settings import AgentSettings
from assay.cli.context import (
    ChainOptions,
    connect,
    console,
    fail,
    follows_devnet,
    note_devnet_url,
    reporting,
    stop_on_signals,
)
from assay.cli.devnet_record import running_url

S = TypeVar("S", bound=AgentSettings)


def echo(line: str) -> None:
    """Print one line of an agent's output as it is (no markup, no wrapping)."""
    console.print(line, soft_wrap=True, markup=False)


def make_runner(settings: AgentSettings) -> TaskRunner:
    """The TaskRunner `--runner` and `--inline` ask for (validated by the settings).

    Celery is checked at once: the broker and result backend must answer (else exit 1), and a
    line says if no worker consumes the queue yet (tasks then wait for one).
    """
    if settings.task_runner == "inprocess":
        return InlineRunner() if settings.inline else InProcessRunner()
    # deferred: celery and redis (~0.5 s) load only for --runner celery
    from services.workers.errors import WorkerError
    from services.workers.runner import CeleryRunner

    try:
        runner = CeleryRunner()
        runner.check()
    except WorkerError as exc:
        fail(str(exc), "or run the agent with --runner inprocess; `assay worker --help` for setup")
    workers = runner.workers()
    console.print(
        f"tasks go to Celery queue {runner.queue!r}: "
        + (f"{len(workers)} worker(s) listening" if workers else "no worker listening yet "
           "(tasks wait until `assay worker` runs)"),
        markup=False,
    )  # fmt: skip
    return runner


def run_agent(
    settings: S, opts: ChainOptions, build: Callable[[S, AgentProcess], BaseAgent]
) -> int:
    """Connect as `opts` says, build the agent with `build` and tick it; the exit code."""
    devnet_only = settings.devnet_only_set()
    if devnet_only and opts.dev_account is None:
        fail(f"{devnet_only[0]} is a devnet demo option: it needs --dev-account")
    with reporting():
        runner = make_runner(settings)
        chain = connect(opts)
        with agent_process(
            settings, chain.protocol, start_block=chain.deployment.block_number, runner=runner,
            echo=echo, log_progress=not console.is_terminal,
        ) as proc:  # fmt: skip
            # On a terminal the Live display shows progress; elsewhere train.progress is logged.
            code = _tick(proc, build(settings, proc), settings, follow_devnet(chain.w3))
    return code


def follow_devnet(w3: Web3) -> Reconnect | None:
    """If the agent's node is the devnet `assay devnet up` recorded (no --rpc-url, no variable),
    a reconnect hook that re-reads the record and moves `w3` to the devnet's new URL."""
    url = str(getattr(w3.provider, "endpoint_uri", ""))
    if not follows_devnet(url):
        return None

    def reconnect() -> str | None:
        current = str(getattr(w3.provider, "endpoint_uri", ""))
        recorded_url = running_url()
        if recorded_url is None or recorded_url == current:
            return None
        # Every binding and the sender share this Web3, so swapping its provider moves them all.
        w3.provider = HTTPProvider(recorded_url, request_kwargs={"timeout": 30})
        note_devnet_url(recorded_url)
        return recorded_url

    return reconnect


def _tick(
    proc: AgentProcess, agent: BaseAgent, settings: AgentSettings, reconnect: Reconnect | None
) -> int:
    live: AbstractContextManager[Any] = (
        Live(proc.progress, console=console, refresh_per_second=4, transient=True)
        if console.is_terminal
        else nullcontext()
    )
    with stop_on_signals() as stop, live:
        code = run_loop(
            agent,
            stop,
            interval=settings.interval,
            once=settings.once,
            until_idle=settings.until_idle,
            echo=echo,
            reconnect=reconnect,
        )
        reason = "signal" if stop.is_set() else "once" if settings.once else "idle"
    console.print(f"{proc.role} agent stopped ({reason})")
    return code
