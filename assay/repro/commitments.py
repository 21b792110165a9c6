"""What a job's spec fixes on chain before anyone trains it, computed from the spec alone.

`postJob` records five values about a spec: its hash, the number of steps T, the graph hash, the
op count N of every step (`opsPerStep`) and the initial state h_0. The chain cannot check any of
them against the spec, so the submitter computes them here and a solver recomputes them here
before claiming: a job whose posted values disagree with its spec could never be solved
(`submitResult` would not match, games would be refused their op trace) and is not claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assay.protocol.canonical import spec_hash
from assay.protocol.types import StateHash


@dataclass(frozen=True)
class Commitments:
    """The on-chain commitments of one spec (the arguments of `postJob` besides URI and budget)."""

    spec_hash: bytes
    steps: int
    graph_hash: bytes
    ops_per_step: int  # N: leaves r_0..r_N per step (one chained record per operator, then h_s)
    initial_state: StateHash

    def mismatches(self, posted: Any) -> list[str]:
        """The fields of `posted` (a chain `Job`) that disagree with these, as readable lines."""
        pairs = (
            ("spec hash", bytes(posted.spec_hash), self.spec_hash),
            ("steps", int(posted.steps), self.steps),
            ("graph hash", bytes(posted.graph_hash), self.graph_hash),
            ("opsPerStep", int(posted.ops_per_step), self.ops_per_step),
            ("initial state", bytes(posted.initial_state), bytes(self.initial_state)),
        )
        return [
            f"{name}: posted {_show(got)}, the spec gives {_show(want)}"
            for name, got, want in pairs
            if got != want
        ]


def _show(value: object) -> str:
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)


def commitments(spec: Any, dataset: Any = None) -> Commitments:
    """specHash, T, graphHash, N and h_0 of a spec; builds the model and runs one step on zeros."""
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.graph import step_graph
    from assay.repro.trainer import Trainer

    data = dataset if dataset is not None else load_dataset(spec.data, int(spec.training.seed))
    h0 = Trainer(spec, data).state_hash()
    graph, n_ops = step_graph(spec, data)
    return Commitments(bytes(spec_hash(spec)), int(spec.training.steps), graph, n_ops, h0)
