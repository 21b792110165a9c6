"""`assay job watch`: a job's transitions and, from the solver's telemetry, its training loss.

Chain transitions (status, attestations, games) are polled every --interval. With --telemetry
the solver's progress events (`job/<id>`: step, loss; assay/net/telemetry.py) are read between
polls: in a terminal they drive a rich Live line with the progress and a loss sparkline; to a
pipe each update is one plain log line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    Chain,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
)
from assay.cli.explain import explained
from assay.cli.jobcommon import TERMINAL, JobIdArg, status_name
from assay.cli.output import console
from assay.cli.units import format_time
from assay.net.errors import NetError, TelemetryTimeoutError, UriError
from assay.net.telemetry import ProgressEvent, TelemetrySubscriber, job_topic
from assay.net.uri import validate_peer
from assay.protocol.records import Job
from assay.protocol.types import JobId, JobStatus

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 40
DRAIN_S = 0.2
"""How long the last progress events may still be in flight when the job ends."""

# Seam for tests: without telemetry, `watch` waits between polls through this.
_sleep: Callable[[float], None] = time.sleep


def sparkline(values: list[float], width: int = SPARK_WIDTH) -> str:
    """The last `width` values as bars ▁..█ scaled between their min and max."""
    tail = values[-width:]
    if not tail:
        return ""
    lo, hi = min(tail), max(tail)
    span = hi - lo
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - lo) / span * top) if span else 0] for v in tail)


@dataclass
class Progress:
    """The training progress of one job, as its solver reports it."""

    total: int
    step: int = 0
    losses: list[float] = field(default_factory=list)

    def add(self, event: ProgressEvent) -> None:
        """Take one progress event (a repeated or older step is ignored)."""
        if event.step > self.step:
            self.step = event.step
            self.losses.append(event.loss)

    def line(self, job_id: int) -> str:
        """`job 3: step 120/500 (24%) loss 0.4312`."""
        pct = 100 * self.step // self.total if self.total else 0
        loss = f" loss {self.losses[-1]:.4f}" if self.losses else ""
        return f"job {job_id}: step {self.step}/{self.total} ({pct}%){loss}"

    def render(self, job_id: int, status: str) -> Text:
        """The Live line: status, progress and the loss sparkline."""
        text = Text(f"{status} — {self.line(job_id)} ")
        text.append(sparkline(self.losses), style="cyan")
        return text


@dataclass(frozen=True)
class _Seen:
    status: JobStatus
    attested: frozenset[str]
    open_games: int


def _look(chain: Chain, job_id: JobId) -> tuple[Job, _Seen]:
    market = chain.protocol.market
    job = market.get_job(job_id)
    attested = frozenset(a.verifier for a in market.assignments(job_id) if a.attested)
    return job, _Seen(job.status, attested, job.open_games)


def _changes(job: Job, before: _Seen | None, now: _Seen) -> list[str]:
    if before is None:
        return [f"job {job.job_id} is {status_name(now.status)}"]
    lines = []
    if now.status != before.status:
        line = f"job {job.job_id}: {status_name(before.status)} -> {status_name(now.status)}"
        if now.status == JobStatus.CLAIMED:
            line += f" by {job.solver}"
        lines.append(line)
    lines += [f"verifier {v} attested" for v in sorted(now.attested - before.attested)]
    if now.open_games != before.open_games:
        lines.append(f"open dispute games: {now.open_games}")
    return lines


def _positive(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter(f"must be more than 0 seconds, got {value:g}")
    return value


def _endpoint(text: str) -> str:
    try:
        return validate_peer(text)
    except UriError as exc:
        raise typer.BadParameter(str(exc).replace("a peer", "an endpoint")) from None


def _events(sub: TelemetrySubscriber, job_id: int, seconds: float) -> list[ProgressEvent]:
    """The job's progress events arriving within `seconds`."""
    events: list[ProgressEvent] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = ProgressEvent.from_event(sub.recv(left))
        except TelemetryTimeoutError:
            break
        except NetError:
            continue  # not a progress event: skipped
        if event.job_id == job_id:
            events.append(event)
    return events


class _Display:
    """Where watch writes: plain lines to a pipe; a Live progress line in a terminal."""

    def __init__(self, out: Console, job_id: int, progress: Progress, live: bool) -> None:
        self.out, self.job_id, self.progress = out, job_id, progress
        self.status = ""
        self.live = Live(console=out, auto_refresh=False) if live else None

    def __enter__(self) -> _Display:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def say(self, line: str) -> None:
        """A transition: printed above the Live line, or as a plain line."""
        self.out.print(line, soft_wrap=True, markup=False)

    def update(self, events: list[ProgressEvent], stamp: str) -> None:
        """New progress: redraw the Live line, or one plain line per progress event."""
        for event in events:
            before = self.progress.step
            self.progress.add(event)
            if self.live is None and self.progress.step != before:
                self.out.print(f"{stamp}  {self.progress.line(self.job_id)}", markup=False)
        if self.live is not None:
            self.live.update(self.progress.render(self.job_id, self.status), refresh=True)


def watch(
    job_id: JobIdArg,
    timeout: Annotated[
        float, typer.Option(min=0.0, metavar="SECONDS", help="give up after this many seconds")
    ] = 3600.0,
    interval: Annotated[
        float,
        typer.Option(callback=_positive, metavar="SECONDS", help="seconds between polls (> 0)"),
    ] = 2.0,
    telemetry: Annotated[
        list[str] | None,
        typer.Option(
            "--telemetry",
            parser=_endpoint,
            metavar="tcp://HOST:PORT",
            help="a solver's telemetry endpoint: show its training progress and loss (repeatable)",
        ),
    ] = None,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Follow a job until it is Finalized, Failed, Cancelled or Expired (exit 1 on --timeout).

    With --telemetry, the training progress and a loss sparkline are shown live in a terminal,
    one line per update otherwise.

    Example: assay job watch 3 --timeout 600 --telemetry tcp://10.0.0.5:7412
    """
    seen: _Seen | None = None
    deadline = time.monotonic() + timeout
    sub = TelemetrySubscriber(telemetry, [job_topic(job_id)]) if telemetry else None
    try:
        with explained():
            chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
            job, _ = _look(chain, JobId(job_id))
            live = sub is not None and console.is_terminal
            with _Display(console, job_id, Progress(job.steps), live) as display:
                while True:
                    job, now = _look(chain, JobId(job_id))
                    chain_now = chain.now()
                    stamp = format_time(chain_now, chain_now).split(" (")[0]
                    display.status = status_name(now.status)
                    for line in _changes(job, seen, now):
                        display.say(f"{stamp}  {line}")
                    seen = now
                    if now.status in TERMINAL:
                        if sub is not None:
                            display.update(_events(sub, job_id, DRAIN_S), stamp)
                        break
                    if time.monotonic() >= deadline:
                        fail(
                            f"job {job_id} is still {status_name(now.status)} after {timeout:g} s",
                            "watch again with a longer --timeout",
                        )
                    if sub is None:
                        _sleep(interval)
                    else:
                        display.update(_events(sub, job_id, interval), stamp)
    finally:
        if sub is not None:
            sub.close()
    console.print(f"done: see `assay job result {job_id}`")
