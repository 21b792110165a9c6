"""The referee agent: serves on adjudication committees for one account, and nothing else.

`RefereeAgent.tick()` = monitor -> request views -> RefereeDuty.decide -> scheduler ->
responder (what `assay referee run` runs). `serve_committees` is the duty's part of a tick, shared
with a `VerifierAgent` that carries the duty too (`assay verifier run --referee`).
"""

from __future__ import annotations

from functools import partial

from assay.agents.actions import Action, LocalAction, StartRecompute
from assay.agents.base import AgentConfig, BaseAgent
from assay.agents.runner import TaskHandle, TaskRunner
from assay.agents.views import load_request
from assay.agents.work import SpecSource
from assay.chain.deploy import ProtocolContracts
from assay.protocol.types import RequestId
from referee.duty import RefereeDuty
from referee.recompute import Recompute


def serve_committees(agent: BaseAgent, duty: RefereeDuty, now: int) -> list[Action]:
    """The duty's actions this tick on every request `agent` follows, each decided alone
    (`BaseAgent.isolated`), after collecting the recomputes that finished."""
    duty.collect()
    actions: list[Action] = []
    for rid in sorted(agent.monitor.cursor.requests):
        decide_request = partial(_decide_request, agent, duty, rid, now)
        actions.extend(agent.isolated("request", rid, decide_request))
    return actions


def _decide_request(agent: BaseAgent, duty: RefereeDuty, rid: int, now: int) -> list[Action]:
    req = load_request(agent.protocol.court, RequestId(rid), agent.me)
    actions = duty.decide(req, now, agent.me)
    if req.request.resolved:
        agent.monitor.forget(requests={rid})
        duty.forget(rid)
    return actions


class RefereeAgent(BaseAgent):
    """Plays the referee role for one account: draws committees, recomputes, votes, resolves."""

    role = "referee"

    def __init__(
        self,
        protocol: ProtocolContracts,
        specs: SpecSource,
        config: AgentConfig,
        *,
        recompute: Recompute,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(protocol, specs, config, runner=runner)
        self.duty = RefereeDuty(recompute, self.log)

    def decide_all(self, now: int) -> list[Action]:
        return serve_committees(self, self.duty, now)

    def local_work_pending(self) -> bool:
        return self.duty.pending

    def start_local(self, action: LocalAction) -> TaskHandle | None:
        if isinstance(action, StartRecompute):
            return self.duty.start(action, self.protocol, self.specs, self.runner)
        return super().start_local(action)


__all__ = ["RefereeAgent", "serve_committees"]
