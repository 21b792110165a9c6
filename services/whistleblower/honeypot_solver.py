"""The honeypots' embedded solver: an ordinary SolverAgent that errs where the plan says.

`HoneypotSolver` claims only its honeypot, trains it honestly and commits h_s..h_T wrong: the op
records r_0..r_{N-1} of step s stay honest and only its end state r_N = h_s is wrong
(`forced_error_hooks`; `assay solver run --cheat-from s:N` commits the same trace). It seals the
whistleblower's tag, which commits the forced location (s, N) with N = the job's opsPerStep, into
the result and plays its committed trace in any game, so bisection lands on (s, N), the referees
recompute step s's end state, and the challenger wins there by adjudication: the one location a
reveal accepts.
`SpecCatalogue` serves the honeypots' specs to it (and to in-process verifiers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from assay.agents.base import AgentConfig
from assay.agents.runner import TaskRunner
from assay.agents.views import JobView
from assay.agents.work import JobWork, OpsHook, StepsHook
from assay.chain.deploy import ProtocolContracts
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import JobSpec, spec_from_dict
from assay.protocol.types import OpIndex
from services.whistleblower.planner import HoneypotPlan
from solver.agent import SolverAgent
from solver.cheats import cheat_hooks
from solver.decide import SolverLocal

FORCED_ERROR_SALT = b"assay-forced-error"

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


def forced_error_hooks(p: HoneypotPlan) -> tuple[StepsHook, OpsHook]:
    """Hooks committing h_s..h_T wrong and, in step s's op trace r_0..r_N, only the end state r_N
    (the same wrong h_s, so the two traces agree on it; every other op record is honest)."""
    # Any op index past the step's operators means the end state r_N (cheat_hooks clamps it).
    return cheat_hooks(p.step, OpIndex(2**32), salt=FORCED_ERROR_SALT)


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
        # The forced operator is the end state N = opsPerStep, bound on chain at posting.
        return replace(local, sealed_tag=self.sealed_tag(job_id, job.job.ops_per_step))

    def job_work(self, job_id: int) -> JobWork:
        p = self.honeypot(job_id)
        if job_id not in self.work and p is not None:
            steps, ops = forced_error_hooks(p)
            self.work[job_id] = _HoneypotWork(
                self.config.workdir / f"job_{job_id}", forced_steps=steps, forced_ops=ops
            )
        return super().job_work(job_id)
