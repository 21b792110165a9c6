"""The agent process without a chain: the tick loop, its lines, the advertised endpoint, and
what `agent_process` opens and closes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, cast

import pytest
import requests
from pydantic_settings import SettingsConfigDict

from assay.agents.actions import Attest, Challenge, ClaimCredit
from assay.agents.base import BaseAgent, Step
from assay.agents.process import (
    AdvertiseError,
    TelemetryBindError,
    advertised,
    agent_process,
    backoff,
    busy,
    format_step,
    node_unreachable,
    run_loop,
)
from assay.agents.responder import Outcome
from assay.agents.settings import AgentSettings
from assay.chain.anvil import Anvil
from assay.chain.deploy import ProtocolContracts
from assay.chain.errors import TransactionError
from assay.logs import configure as configure_logging
from assay.net.blobs import BlobServer
from assay.net.telemetry import (
    ProgressEvent,
    TelemetryPublisher,
    TelemetrySubscriber,
    job_topic,
)
from assay.protocol.types import JobId, StateHash
from assay.store import LocalStore

ACCOUNT = "0x00000000000000000000000000000000000000A1"


class RoleSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="ASSAY_ROLE_")
    role: ClassVar[str] = "role"


@dataclass
class FakeAgent:
    """Ticks through `script`: a list of steps, or an exception to raise, per tick."""

    script: list[list[Step] | Exception]
    role: str = "role"
    ticks: int = 0
    scheduler: Any = field(default_factory=lambda: SimpleNamespace(running={}))
    work: dict[int, Any] = field(default_factory=dict)
    pending: bool = False  # local work outside the job cache (a referee's recomputes)

    def local_work_pending(self) -> bool:
        return self.pending

    def tick(self) -> list[Step]:
        self.ticks += 1
        item = self.script[min(self.ticks, len(self.script)) - 1]
        if isinstance(item, Exception):
            raise item
        return item


def _loop(agent: FakeAgent, **kw: Any) -> tuple[int, list[str]]:
    lines: list[str] = []
    kw.setdefault("max_backoff", 0)  # retry at once: these tests count lines, not seconds
    code = run_loop(cast(BaseAgent, agent), threading.Event(), interval=0, echo=lines.append, **kw)
    return code, lines


ATTEST = Step(Attest(JobId(3)), Outcome.SENT)


def test_a_step_is_one_line_with_its_fields_and_outcome() -> None:
    assert format_step("verifier", 2, ATTEST) == "verifier tick 2: Attest job=3 -> sent"
    challenge = Step(Challenge(JobId(3), StateHash(bytes(range(32))), 7), Outcome.FAILED)
    assert format_step("verifier", 4, challenge) == (
        "verifier tick 4: Challenge job=3 disputed_final=0x00010203…1d1e1f bond=7 -> failed"
    )
    assert format_step("solver", 1, Step(ClaimCredit(5), "started")) == (
        "solver tick 1: ClaimCredit amount=5 -> started"
    )


def test_once_ticks_once_and_prints_every_step() -> None:
    agent = FakeAgent([[ATTEST, ATTEST]])
    code, lines = _loop(agent, once=True)
    assert (code, agent.ticks) == (0, 1)
    assert lines == ["role tick 1: Attest job=3 -> sent"] * 2


def test_until_idle_counts_consecutive_idle_ticks() -> None:
    agent = FakeAgent([[], [ATTEST], [], []])
    code, _ = _loop(agent, until_idle=2)
    assert (code, agent.ticks) == (0, 4)


def test_a_failing_tick_is_printed_and_retried_and_fails_a_bounded_run() -> None:
    agent = FakeAgent([RuntimeError("node down"), []])
    code, lines = _loop(agent, until_idle=2)
    assert (code, agent.ticks) == (0, 2)  # the next tick succeeded
    assert lines == ["role tick 1: failed: RuntimeError: node down; retrying in 0s (attempt 1)"]
    assert _loop(FakeAgent([RuntimeError("node down")]), until_idle=1)[0] == 1
    assert _loop(FakeAgent([RuntimeError("node down")]), once=True)[0] == 1
    assert _loop(FakeAgent([[]]), once=True)[0] == 0


def _refused() -> Exception:
    try:
        raise requests.ConnectionError("Max retries exceeded (Connection refused)")
    except requests.ConnectionError as cause:
        try:
            raise TransactionError("could not send") from cause
        except TransactionError as wrapped:
            return wrapped


def test_an_unreachable_node_is_one_line_per_retry_with_backoff_and_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    agent = FakeAgent([_refused(), _refused(), _refused(), [ATTEST], []])
    agent.w3 = SimpleNamespace(provider=SimpleNamespace(endpoint_uri="http://127.0.0.1:9"))
    code, lines = _loop(agent, until_idle=4)  # failed ticks count as idle ones
    assert code == 0
    assert lines == [
        "role tick 1: node unreachable at http://127.0.0.1:9; retrying in 0s (attempt 1)",
        "role tick 2: node unreachable at http://127.0.0.1:9; retrying in 0s (attempt 2)",
        "role tick 3: node unreachable at http://127.0.0.1:9; retrying in 0s (attempt 3)",
        "role: node at http://127.0.0.1:9 answers again after 3 failed tick(s)",
        "role tick 4: Attest job=3 -> sent",
    ]
    logs = capsys.readouterr()
    assert "Traceback" not in logs.out + logs.err


def test_backoff_doubles_the_interval_up_to_the_cap() -> None:
    assert [backoff(2.0, n) for n in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff(0.2, 3, cap=10) == pytest.approx(0.8)
    assert node_unreachable(_refused())
    assert not node_unreachable(RuntimeError("revert"))


def test_a_repeated_error_logs_its_traceback_once(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    agent = FakeAgent([RuntimeError("boom"), RuntimeError("boom"), RuntimeError("boom"), []])
    _loop(agent, until_idle=5)
    logs = capsys.readouterr()
    text = logs.out + logs.err
    assert text.count("agent.tick_failed") == 3
    assert text.count("repeat=True") == 2
    assert text.count("RuntimeError: boom") == 1  # the traceback's last line, logged once


def test_reconnect_is_asked_while_the_node_is_unreachable() -> None:
    agent = FakeAgent([_refused(), _refused(), [], []])
    moves = iter([None, "http://127.0.0.1:7"])
    code, lines = _loop(agent, until_idle=4, reconnect=lambda: next(moves))
    assert code == 0
    assert "role: the devnet moved; reconnecting to http://127.0.0.1:7" in lines


@pytest.mark.anvil
def test_a_chain_clock_that_stands_still_is_reported_once(anvil: Anvil) -> None:
    # This anvil mines only on transactions: nothing is sent, so its clock stands still.
    agent = FakeAgent([[]])
    agent.w3 = anvil.w3
    code, lines = _loop(agent, until_idle=4, stall_after=0)
    assert code == 0
    stalled = [line for line in lines if "the chain clock has not moved" in line]
    assert len(stalled) == 1, lines
    assert "--block-time 1 --mixed-mining" in stalled[0]


@pytest.mark.anvil
def test_a_moving_chain_clock_is_not_reported(anvil: Anvil) -> None:
    mined: list[Step] = []

    class MiningAgent(FakeAgent):
        def tick(self) -> list[Step]:
            anvil.increase_time(1)
            anvil.mine()  # someone else's block each tick
            return super().tick()

    agent = MiningAgent([mined])
    agent.w3 = anvil.w3
    snapshot = anvil.snapshot()  # the session's anvil: leave its clock as it was
    try:
        _, lines = _loop(agent, until_idle=4, stall_after=0)
    finally:
        anvil.revert(snapshot)
    assert not [line for line in lines if "clock" in line], lines


def test_local_work_keeps_an_agent_busy() -> None:
    agent = FakeAgent([[]])
    assert not busy(cast(BaseAgent, agent))
    agent.scheduler.running = {1: SimpleNamespace(done=lambda: False)}
    assert busy(cast(BaseAgent, agent))
    agent.scheduler.running = {}
    agent.work = {1: SimpleNamespace(task=object(), op_tasks={})}
    assert busy(cast(BaseAgent, agent))
    agent.work = {}
    agent.pending = True  # e.g. a recompute finished but not collected yet
    assert busy(cast(BaseAgent, agent))


def test_the_advertised_endpoint_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BlobServer(LocalStore(tmp_path)) as server:
        monkeypatch.delenv("ASSAY_ADVERTISE", raising=False)
        assert advertised(server) == server.endpoint
        monkeypatch.setenv("ASSAY_ADVERTISE", "tcp://solver:7001")
        assert advertised(server) == "tcp://solver:7001"


def test_a_malformed_advertised_endpoint_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_ADVERTISE", "http://solver:7001")
    with BlobServer(LocalStore(tmp_path)) as server, pytest.raises(AdvertiseError) as refused:
        advertised(server)
    assert str(refused.value).startswith("$ASSAY_ADVERTISE: ")
    assert refused.value.hint == "set it to tcp://HOST:PORT that peers can reach"


class FakeRunner:
    def __init__(self) -> None:
        self.shut = False
        self.reports_progress = True

    def shutdown(self) -> None:
        self.shut = True


def _protocol() -> ProtocolContracts:
    sender = SimpleNamespace(address=ACCOUNT)
    return cast(ProtocolContracts, SimpleNamespace(market=SimpleNamespace(sender=sender)))


def test_agent_process_serves_the_store_and_closes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSAY_ADVERTISE", raising=False)
    settings = RoleSettings.load(store=tmp_path / "store", confirmations=2, min_credit=0)
    monkeypatch.chdir(tmp_path)
    runner, lines = FakeRunner(), cast(list[str], [])
    with agent_process(
        settings,
        _protocol(),
        start_block=41,
        runner=runner,
        echo=lines.append,
    ) as proc:
        assert proc.state_dir == Path(".assay/agents") / f"role-{ACCOUNT.lower()}"
        assert proc.state_dir.is_dir() and proc.store.root == tmp_path / "store"
        assert proc.config.cursor_path == proc.state_dir / "cursor.json"
        assert (proc.config.start_block, proc.config.confirmations, proc.config.min_credit) == (
            41, 2, 0,
        )  # fmt: skip
        assert proc.server.running and proc.endpoint == proc.server.endpoint
        assert proc.runner is runner and proc.echo == lines.append
        assert not runner.shut
    assert not proc.server.running and runner.shut
    assert lines == [
        f"role agent for {ACCOUNT}: state {proc.state_dir}, store {tmp_path / 'store'}, "
        f"serving artifacts on {proc.server.endpoint} (advertised as {proc.endpoint})"
    ]


def test_agent_process_refuses_a_bad_advertised_endpoint_and_still_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_ADVERTISE", "solver:7001")
    settings = RoleSettings.load(state_dir=tmp_path / "state", store=tmp_path / "store")
    runner = FakeRunner()
    with (
        pytest.raises(AdvertiseError),
        agent_process(settings, _protocol(), start_block=0, runner=runner),
    ):
        pass
    assert runner.shut


class TelemetrySettings(RoleSettings):
    """A role that publishes its training progress (as the solver does)."""

    telemetry: str = "tcp://127.0.0.1:*"

    def telemetry_address(self) -> str:
        return self.telemetry


def test_agent_process_publishes_training_progress_on_a_printed_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSAY_ADVERTISE", raising=False)
    settings = TelemetrySettings.load(state_dir=tmp_path / "state", store=tmp_path / "store")
    lines: list[str] = []
    with agent_process(
        settings, _protocol(), start_block=0, runner=FakeRunner(), echo=lines.append
    ) as proc:
        assert proc.telemetry is not None and proc.telemetry.startswith("tcp://127.0.0.1:")
        assert proc.progress.telemetry is not None
        with TelemetrySubscriber([proc.telemetry], [job_topic(5)]) as sub:
            proc.progress.telemetry.wait_for_subscriber(job_topic(5), timeout=30)
            report = proc.progress.reporter("train", 5)
            report(1, 3, 2.5)
            report(2, 3, None)  # no loss: nothing to publish
            proc.progress.reporter("replay", 5)(1, 3, 9.0)  # a verifier's replay: not published
            report(3, 3, 1.25)
            got = [ProgressEvent.from_event(sub.recv(timeout=30)) for _ in range(2)]
    assert got == [ProgressEvent(5, 1, 2.5, total=3), ProgressEvent(5, 3, 1.25, total=3)]
    assert lines[-1] == (
        f"role: training progress published on {proc.telemetry} "
        f"(follow a job: assay job watch ID --telemetry {proc.telemetry})"
    )


def test_a_telemetry_port_in_use_is_refused_with_the_flag_to_fix(tmp_path: Path) -> None:
    with TelemetryPublisher() as taken:
        settings = TelemetrySettings.load(
            state_dir=tmp_path / "state", store=tmp_path / "store", telemetry=taken.endpoint
        )
        runner = FakeRunner()
        with (
            pytest.raises(TelemetryBindError, match="cannot bind telemetry") as refused,
            agent_process(settings, _protocol(), start_block=0, runner=runner),
        ):
            pass
    assert "--telemetry-bind" in (refused.value.hint or "") and runner.shut


def test_no_telemetry_is_bound_when_the_runner_reports_no_progress(tmp_path: Path) -> None:
    settings = TelemetrySettings.load(state_dir=tmp_path / "state", store=tmp_path / "store")
    runner = FakeRunner()
    runner.reports_progress = False  # as the Celery runner: workers train elsewhere
    lines: list[str] = []
    with agent_process(
        settings, _protocol(), start_block=0, runner=runner, echo=lines.append
    ) as proc:
        assert proc.telemetry is None and proc.progress.telemetry is None
    assert "no training telemetry: the task runner does not report progress" in lines[-1]
    # deferred: the Celery runner lives in services (tests may import any layer)
    from services.workers.runner import CeleryRunner

    assert CeleryRunner.reports_progress is False
