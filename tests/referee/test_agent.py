"""RefereeAgent and the per-tick referee loop (`serve_committees`), without a chain: requests
decided in id order, one whose read fails skipped alone, a resolved one forgotten; the agent (and
a VerifierAgent given a recompute) hands its StartRecompute to the duty."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog.testing

from assay.agents import base
from assay.agents.actions import ResolveAdjudication, StartOpTrace, StartRecompute, Vote
from assay.agents.base import AgentConfig, BaseAgent
from assay.agents.cursor import Cursor
from assay.agents.runner import InlineRunner
from assay.agents.views import RequestView
from assay.agents.work import MappingSpecSource
from assay.protocol.types import JobId, RequestId, StateHash
from referee.agent import RefereeAgent, serve_committees
from referee.duty import RefereeDuty
from tests.agents.fakes import ME, h, job, request
from verifier.agent import VerifierAgent

OUTPUT = h(5)


class Court:
    """The court's reads for a few requests; `broken` ids raise on read."""

    def __init__(self, views: dict[int, RequestView], broken: set[int] = frozenset()) -> None:
        self.views, self.broken = views, broken

    def get_request(self, rid: int) -> Any:
        if int(rid) in self.broken:
            raise ConnectionError("node down")
        return self.views[int(rid)].request

    def committee(self, rid: int) -> tuple[str, ...]:
        return self.views[int(rid)].committee

    def vote_of(self, rid: int, me: str) -> StateHash:
        return self.views[int(rid)].my_vote


class FakeMonitor:
    """The cursor of followed ids; reads no events."""

    def __init__(self, protocol: Any, cursor_file: Any, **_: Any) -> None:
        self.cursor = Cursor()

    def forget(self, *, requests: Any = (), **_: Any) -> None:
        self.cursor.requests -= set(requests)


def recompute(req: Any, job_: Any) -> StateHash:
    return OUTPUT


@pytest.fixture
def make(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Builds a real agent of class `cls` on fake bindings (court: the given requests)."""
    monkeypatch.setattr(base, "Monitor", FakeMonitor)

    def make(cls: type[BaseAgent], court: Court, requests: set[int], **kw: Any) -> Any:
        sender = SimpleNamespace(address=ME, w3=None)
        market = SimpleNamespace(sender=sender, get_job=lambda jid: job().job)
        p = SimpleNamespace(market=market, court=court)
        config = AgentConfig(tmp_path / "cursor.json", tmp_path / "work")
        agent = cls(p, MappingSpecSource({}), config, runner=InlineRunner(), **kw)  # type: ignore[arg-type]
        agent.monitor.cursor.requests |= requests
        return agent

    return make


def rid(n: int) -> RequestId:
    return RequestId(n)


def test_requests_are_decided_in_order_a_broken_one_alone_is_skipped(make: Any) -> None:
    views = {n: request(request_id=rid(n)) for n in (2, 4, 9)}
    agent = make(RefereeAgent, Court(views, broken={4}), {9, 4, 2}, recompute=recompute)
    with structlog.testing.capture_logs() as logs:
        actions = serve_committees(agent, agent.duty, 4000)
    assert actions == [StartRecompute(rid(2)), StartRecompute(rid(9))]
    assert [(x["event"], x.get("request")) for x in logs] == [("agent.decide_failed", 4)]
    assert agent.monitor.cursor.requests == {2, 4, 9}  # retried next tick


def test_a_resolved_request_is_forgotten_by_the_cursor_and_the_duty(make: Any) -> None:
    views = {3: request(resolved=True), 5: request(request_id=rid(5), votes=1, my_vote=OUTPUT)}
    agent = make(RefereeAgent, Court(views), {3, 5}, recompute=recompute)
    agent.duty.outputs.update({3: OUTPUT, 5: OUTPUT})
    assert agent.decide_all(4000) == [ResolveAdjudication(rid(5))]
    assert agent.monitor.cursor.requests == {5}
    assert agent.duty.outputs == {5: OUTPUT}


def test_the_referee_agent_recomputes_through_its_duty_then_votes(make: Any) -> None:
    agent = make(RefereeAgent, Court({3: request()}), {3}, recompute=recompute)
    assert agent.role == "referee"
    (action,) = agent.decide_all(4000)
    assert action == StartRecompute(rid(3))
    assert agent.start_local(action) is agent.duty.recomputing[3]  # inline: already done
    assert agent.local_work_pending()  # done but not collected: `--until-idle` keeps ticking
    assert agent.decide_all(4000) == [Vote(rid(3), OUTPUT)]
    assert not agent.local_work_pending()
    # other local work is the base agent's (no trained job here: nothing starts)
    assert agent.start_local(StartOpTrace(JobId(1), 2)) is None


def test_a_verifier_carries_the_duty_only_when_given_a_recompute(make: Any) -> None:
    court = Court({3: request()})
    plain = make(VerifierAgent, court, {3})
    assert plain.referee is None
    assert plain.decide_all(4000) == []
    assert plain.start_local(StartRecompute(rid(3))) is None
    assert not plain.local_work_pending()

    referee = make(VerifierAgent, court, {3}, verify=False, recompute=recompute)
    assert isinstance(referee.referee, RefereeDuty)
    (action,) = referee.decide_all(4000)
    assert action == StartRecompute(rid(3))
    referee.start_local(action)
    assert referee.local_work_pending()
    assert referee.decide_all(4000) == [Vote(rid(3), OUTPUT)]
