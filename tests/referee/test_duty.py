"""RefereeDuty's state machine, without a chain: recompute, wait, vote; a failed recompute is
logged and started again; a resolved request's output is dropped; how a recompute is handed over."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
import structlog.testing

from assay.agents import tasks
from assay.agents.actions import ResolveAdjudication, StartRecompute, Vote
from assay.agents.work import MappingSpecSource
from assay.protocol.canonical import spec_hash
from assay.protocol.records import Job, Request
from assay.protocol.spec import load_spec
from assay.protocol.types import RequestId, StateHash
from referee.duty import RefereeDuty
from referee.recompute import ReplayRecompute
from tests.agents.fakes import ME, h, job, request

ROOT = Path(__file__).resolve().parents[2]
RID = 3  # the fake request's id
OUTPUT = h(5)


@dataclass
class Handle:
    """A task handle the test finishes by hand."""

    value: Any = None
    error: Exception | None = None
    finished: bool = False

    def done(self) -> bool:
        return self.finished

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class Runner:
    """Records what it is handed; every submission gets a fresh unfinished Handle."""

    def __init__(self) -> None:
        self.closures: dict[str, Callable[[], Any]] = {}
        self.named: dict[str, tuple[str, Mapping[str, Any]]] = {}
        self.handles: list[Handle] = []

    def submit(self, key: str, fn: Callable[[], Any]) -> Handle:
        self.closures[key] = fn
        return self._handle()

    def submit_task(
        self, key: str, name: str, kwargs: Mapping[str, Any], progress: Any = None
    ) -> Handle:
        self.named[key] = (name, kwargs)
        return self._handle()

    def _handle(self) -> Handle:
        self.handles.append(Handle())
        return self.handles[-1]


def protocol(req: Request, the_job: Job) -> Any:
    """Bindings that know one request and its job."""
    court = SimpleNamespace(
        get_request=lambda rid: req if int(rid) == int(req.request_id) else None
    )
    market = SimpleNamespace(get_job=lambda jid: the_job if jid == req.job_id else None)
    return SimpleNamespace(court=court, market=market)


def recompute(req: Request, the_job: Job) -> StateHash:
    return OUTPUT


def duty(rc: Any = recompute) -> RefereeDuty:
    return RefereeDuty(rc, structlog.get_logger().bind(agent="test"))


def start(d: RefereeDuty, runner: Runner, specs: Any = None) -> Handle:
    req, the_job = request().request, job().job
    p = protocol(req, the_job)
    handle = d.start(StartRecompute(RequestId(RID)), p, specs or MappingSpecSource({}), runner)
    assert isinstance(handle, Handle)
    return handle


def test_drawn_referee_recomputes_waits_then_votes_the_output() -> None:
    d, runner, view = duty(), Runner(), request()
    assert d.decide(view, 4000, ME) == [StartRecompute(RequestId(RID))]
    assert not d.pending
    handle = start(d, runner)
    assert d.recomputing == {RID: handle}
    d.collect()
    assert d.decide(view, 4000, ME) == []  # still running
    handle.value, handle.finished = OUTPUT, True
    assert d.pending  # finished, not collected yet: the process is not idle
    d.collect()
    assert (d.outputs, d.recomputing) == ({RID: OUTPUT}, {})
    assert not d.pending
    assert d.decide(view, 4000, ME) == [Vote(RequestId(RID), OUTPUT)]
    assert d.decide(view, 4000, ME) == [Vote(RequestId(RID), OUTPUT)]  # until the vote lands


def test_a_failed_recompute_is_logged_and_started_again() -> None:
    d, runner = duty(), Runner()
    handle = start(d, runner)
    handle.error, handle.finished = RuntimeError("the node went away"), True
    with structlog.testing.capture_logs() as logs:
        d.collect()
    (line,) = logs
    assert (line["event"], line["request"], line["log_level"]) == (
        "referee.recompute_failed",
        RID,
        "warning",
    )
    assert line["reason"] == "the node went away"
    assert (d.outputs, d.recomputing) == ({}, {})
    assert d.decide(request(), 4000, ME) == [StartRecompute(RequestId(RID))]


def test_forget_drops_a_resolved_requests_output() -> None:
    d = duty()
    d.outputs[RID] = OUTPUT
    voted = request(votes=1, my_vote=OUTPUT)
    assert d.decide(voted, 4000, ME) == [ResolveAdjudication(RequestId(RID))]
    assert d.decide(request(resolved=True), 4000, ME) == []
    d.forget(RID)
    d.forget(RID)  # forgetting twice is harmless
    assert d.outputs == {}


def test_a_replay_of_a_known_spec_is_handed_over_as_the_named_task(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "examples" / "digits-mlp.toml")
    specs = MappingSpecSource({spec_hash(spec): spec})
    req, the_job = request().request, replace(job().job, spec_hash=spec_hash(spec))
    d, runner = duty(ReplayRecompute(specs, tmp_path)), Runner()
    d.start(StartRecompute(RequestId(RID)), protocol(req, the_job), specs, runner)
    name, kwargs = runner.named[f"recompute-{RID}"]
    assert name == tasks.RECOMPUTE and runner.closures == {}
    assert (kwargs["step"], kwargs["op_index"], kwargs["n_ops"]) == (
        req.step,
        req.op_index,
        the_job.ops_per_step,
    )


@pytest.mark.parametrize("rc", ["callable", "replay of an unknown spec"])
def test_any_other_recompute_runs_as_a_closure(rc: str, tmp_path: Path) -> None:
    specs = MappingSpecSource({})
    answer = recompute if rc == "callable" else ReplayRecompute(specs, tmp_path)
    d, runner = duty(answer), Runner()
    start(d, runner, specs)
    assert runner.named == {}
    closure = runner.closures[f"recompute-{RID}"]
    if rc == "callable":
        assert closure() == OUTPUT
    else:  # the replay itself says it does not know the spec (logged by collect())
        with pytest.raises(LookupError, match="does not know spec"):
            closure()
