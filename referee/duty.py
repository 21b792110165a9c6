"""The referee duty an agent carries: draw committees, recompute the disputed operator, vote,
resolve.

`RefereeDuty` holds what the duty keeps between ticks: the agent's `Recompute`, the outputs
recomputed so far and the recomputes in flight. The agent reads the chain and drives it, each
tick: `collect()` once, `decide(view, now, me)` per followed request (the pure `decide_referee`
on the duty's state), `forget(request_id)` once a request is resolved, and `start(...)` for
each `StartRecompute` its scheduler picks. `RefereeAgent` carries the duty alone; a
`VerifierAgent` given a recompute carries it beside its verifier duty.
"""

from __future__ import annotations

from typing import Any

from assay.agents import tasks
from assay.agents.actions import Action, StartRecompute
from assay.agents.runner import TaskHandle, TaskRunner
from assay.agents.specsource import note_job
from assay.agents.views import RequestView
from assay.agents.work import SpecSource
from assay.chain.deploy import ProtocolContracts
from assay.protocol.types import StateHash
from referee.decide import RefereeLocal, decide_referee
from referee.recompute import Recompute, ReplayRecompute


class RefereeDuty:
    """The referee duty's state: the recompute, finished outputs, recomputes in flight.

    Args:
        recompute: how the referee learns the disputed operator's correct output.
        log: the carrying agent's bound logger (`referee.recompute_failed` is logged on it).
    """

    def __init__(self, recompute: Recompute, log: Any) -> None:
        self.recompute = recompute
        self.log = log
        self.outputs: dict[int, StateHash] = {}
        self.recomputing: dict[int, TaskHandle] = {}

    @property
    def pending(self) -> bool:
        """Whether a recompute is running or finished but not yet collected."""
        return bool(self.recomputing)

    def collect(self) -> None:
        """Take the output of every finished recompute; a failed one is logged, and decided
        again (a fresh `StartRecompute`) on the request's next decision."""
        for rid, handle in list(self.recomputing.items()):
            if handle.done():
                del self.recomputing[rid]
                try:
                    self.outputs[rid] = handle.result()
                except Exception as exc:
                    self.log.warning("referee.recompute_failed", request=rid, reason=str(exc))

    def decide(self, req: RequestView, now: int, me: str) -> list[Action]:
        """The duty's actions on one adjudication request, as account `me` sees it at `now`."""
        rid = int(req.request.request_id)
        local = RefereeLocal(self.outputs.get(rid), rid in self.recomputing)
        return decide_referee(req, local, now, me)

    def forget(self, request_id: int) -> None:
        """Drop a resolved request's output."""
        self.outputs.pop(request_id, None)

    def start(
        self,
        action: StartRecompute,
        protocol: ProtocolContracts,
        specs: SpecSource,
        runner: TaskRunner,
    ) -> TaskHandle:
        """Hand the request's recompute to `runner`: the named task `assay.recompute` for a replay
        of a known spec (a Celery worker may run it), else the recompute as a closure."""
        request = protocol.court.get_request(action.request_id)
        job = protocol.market.get_job(request.job_id)
        note_job(specs, job)
        key = f"recompute-{action.request_id}"
        recompute = self.recompute
        if isinstance(recompute, ReplayRecompute) and specs.get(job.spec_hash) is not None:
            handle = runner.submit_task(key, tasks.RECOMPUTE, recompute.task_args(request, job))
        else:
            handle = runner.submit(key, lambda: recompute(request, job))
        self.recomputing[int(action.request_id)] = handle
        return handle


__all__ = ["RefereeDuty"]
