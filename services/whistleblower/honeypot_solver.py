"""The honeypots' embedded solver: an ordinary SolverAgent that errs where the plan says.

`HoneypotSolver` claims only its honeypot, commits h_s..h_T and, in step s, r_j..r_N wrong
(`forced_error_hooks`: consistently, so the wrong r_N is the wrong h_s), seals the
whistleblower's tag, which commits the forced location (s, j), into the result and plays its
committed trace in any game, so a diligent challenger wins.
`SpecCatalogue` serves the honeypots' specs to it (and to in-process verifiers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from eth_hash.auto import keccak

from assay.agents.base import AgentConfig
from assay.agents.runner import TaskRunner
from assay.agents.views import JobView
from assay.agents.work import JobWork, OpsHook, StepsHook, Trace, step_op_trace
from assay.chain.deploy import ProtocolContracts
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import JobSpec, spec_from_dict
from assay.protocol.types import StateHash
from services.whistleblower.planner import HoneypotPlan
from solver.agent import SolverAgent
from solver.decide import SolverLocal

# ---------------------------------------------------------------------------- specs


class SpecCatalogue:
    """The honeypots' specs by hash: a SpecSource, backed by `directory/<hash>.json`.

    Verifiers must be able to fetch a honeypot's spec like any other (today: give them this
    catalogue or the files; later the content store / peers).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._specs: dict[bytes, JobSpec] = {}

    def put(self, spec: JobSpec) -> bytes:
        h = bytes(spec_hash(spec))
        if h not in self._specs:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{h.hex()}.json").write_bytes(canonical_bytes(spec))
            self._specs[h] = spec
        return h

    def get(self, spec_hash: bytes) -> JobSpec | None:
        h = bytes(spec_hash)
        if h not in self._specs:
            path = self.directory / f"{h.hex()}.json"
            if not path.exists():
                return None
            self._specs[h] = spec_from_dict(json.loads(path.read_text()))
        return self._specs[h]


# ---------------------------------------------------------------------------- the forced error


def _wrong(h: StateHash) -> StateHash:
    return StateHash(keccak(b"assay-forced-error" + bytes(h)))


def forced_error_hooks(p: HoneypotPlan) -> tuple[StepsHook, OpsHook]:
    """Hooks committing h_s..h_T wrong and, in step s, r_j..r_N wrong (r_N = the wrong h_s)."""
    s = p.step

    def steps(trace: Trace) -> Trace:
        return tuple(h if i < s else _wrong(h) for i, h in enumerate(trace))

    def ops(step: int, trace: Trace) -> Trace:
        if step != s:
            return trace
        j = p.op_index(len(trace) - 1)
        return tuple(h if i < j else _wrong(h) for i, h in enumerate(trace))

    return steps, ops


@dataclass
class _HoneypotWork(JobWork):
    """A job's work cache that always applies its own honeypot's hooks."""

    forced_steps: StepsHook | None = None
    forced_ops: OpsHook | None = None

    def collect(self, steps_hook: StepsHook | None = None, ops_hook: OpsHook | None = None) -> None:
        super().collect(self.forced_steps, self.forced_ops)


class HoneypotSolver(SolverAgent):
    """A SolverAgent that only claims our honeypots, errs where planned and seals the tag."""

    role = "honeypot-solver"

    def __init__(
        self,
        protocol: ProtocolContracts,
        specs: SpecCatalogue,
        config: AgentConfig,
        *,
        honeypot: Callable[[int], HoneypotPlan | None],
        sealed_tag: Callable[[int, int], bytes],
        runner: TaskRunner | None = None,
    ) -> None:
        self.honeypot, self.sealed_tag = honeypot, sealed_tag
        self._n_ops: dict[int, int] = {}
        super().__init__(protocol, specs, config, runner=runner, policy=self._ours)

    def _ours(self, job: JobView) -> bool:
        return self.honeypot(int(job.job_id)) is not None

    def _local(self, job: JobView, stake_free: int) -> SolverLocal:
        local = super()._local(job, stake_free)
        job_id = int(job.job_id)
        p = self.honeypot(job_id)
        work = self.work.get(job_id)
        if p is None or work is None or not work.steps:
            return local  # nothing to submit yet: the tag is sealed once the trace exists
        return replace(local, sealed_tag=self.sealed_tag(job_id, self.n_ops(job_id, work, p)))

    def n_ops(self, job_id: int, work: JobWork, p: HoneypotPlan) -> int:
        """N, the operator records of the forced step s (r_0..r_N), which fixes the forced operator
        j = p.op_index(N) the tag commits to. One replay of step s from its checkpoint, cached."""
        if job_id not in self._n_ops:
            self._n_ops[job_id] = len(step_op_trace(work.spec, work.directory, p.step)) - 1
        return self._n_ops[job_id]

    def job_work(self, job_id: int) -> JobWork:
        p = self.honeypot(job_id)
        if job_id not in self.work and p is not None:
            steps, ops = forced_error_hooks(p)
            self.work[job_id] = _HoneypotWork(
                self.config.workdir / f"job_{job_id}", forced_steps=steps, forced_ops=ops
            )
        return super().job_work(job_id)
