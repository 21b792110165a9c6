"""The protocol's on-chain records as plain values: what the contracts' getters return.

Built by the bindings (`assay.chain.bindings`) from ABI tuples; read by pure decision code
(`assay.agents`, `solver.decide`, `verifier.decide`, `referee.decide`) without web3.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from eth_typing import ChecksumAddress

from assay.protocol.params import MarketParams
from assay.protocol.types import (
    GameId,
    GameStatus,
    JobId,
    JobStatus,
    OpIndex,
    Party,
    RequestId,
    StateHash,
    StepIndex,
)


@dataclass(frozen=True)
class Job:
    """IJobMarket.Job."""

    job_id: JobId
    submitter: ChecksumAddress
    status: JobStatus
    posted_at: int
    solver: ChecksumAddress
    claimed_at: int
    submitted_at: int
    window_start: int
    draw_block: int  # the block whose randomness seeds the next verifier draw
    settled_at: int
    steps: int
    ops_per_step: int  # N: every step's op trace is r_0..r_N (committed at posting)
    open_games: int
    verifiers_released: bool
    forced_error: bool
    solver_settled: bool
    budget: int
    tax: int
    winning_challenger: ChecksumAddress
    winners: int
    drawn_winners: int
    winner_share_each: int
    spec_hash: StateHash
    graph_hash: StateHash
    initial_state: StateHash
    final_state: StateHash
    trace_root: StateHash
    sealed_tag: StateHash
    spec_uri: str
    artifact_uri: str
    params: MarketParams

    # How each ABI value becomes a field (int unless named here).
    _KINDS: ClassVar[dict[str, Any]] = {
        "submitter": str, "solver": str, "winning_challenger": str, "status": JobStatus,
        "verifiers_released": bool, "forced_error": bool, "solver_settled": bool,
        "spec_hash": StateHash, "graph_hash": StateHash, "initial_state": StateHash,
        "final_state": StateHash, "trace_root": StateHash, "sealed_tag": StateHash,
        "spec_uri": str, "artifact_uri": str, "params": MarketParams.from_tuple,
    }  # fmt: skip

    @classmethod
    def from_tuple(cls, job_id: JobId, t: Any) -> Job:
        """From the ABI tuple getJob returns (IJobMarket.Job's fields, in this class's order)."""
        names = [f.name for f in fields(cls)][1:]
        if len(t) != len(names):
            raise ValueError(f"getJob returned {len(t)} fields, the binding expects {len(names)}: "
                             "rebuild the contracts (`make build`)")  # fmt: skip
        values: dict[str, Any] = {}
        for name, raw in zip(names, t, strict=True):
            kind = cls._KINDS.get(name, int)
            values[name] = kind(raw)
        return cls(job_id, **values)

    @property
    def challenge_deadline(self) -> int:
        """Last second to attest or challenge: the window starts at submission (or the last
        verifier seat filled) and grows with the job's steps."""
        p = self.params
        return self.window_start + p.challengeWindow + self.steps * p.challengeWindowPerStep


@dataclass(frozen=True)
class Win:
    """IJobMarket.Win: a challenger's win on a job."""

    won: bool
    drawn: bool
    adjudicated: bool
    paid: bool
    step: StepIndex
    op_index: OpIndex


@dataclass(frozen=True)
class Assignment:
    """IJobMarket.Assignment: one verifier drawn for a job."""

    verifier: ChecksumAddress
    attested: bool
    challenged: bool


@dataclass(frozen=True)
class Game:
    """IDisputeGame.Game."""

    game_id: GameId
    challenger: ChecksumAddress
    status: GameStatus
    turn: Party
    lo: int
    hi: int
    rounds: int
    solver: ChecksumAddress
    job_id: JobId
    last_move_at: int
    solver_clock: int
    challenger_clock: int
    step: StepIndex
    n_ops: int
    lo_hash: StateHash
    hi_hash: StateHash
    op_root: StateHash
    openings_hash: StateHash
    bond: int
    request_id: RequestId

    @classmethod
    def from_tuple(cls, game_id: GameId, t: Any) -> Game:
        """From the ABI tuple returned by getGame."""
        return cls(
            game_id,
            t[0],
            GameStatus(t[1]),
            Party(t[2]),
            int(t[3]),
            int(t[4]),
            int(t[5]),
            t[6],
            JobId(int(t[7])),
            int(t[8]),
            int(t[9]),
            int(t[10]),
            StepIndex(int(t[11])),
            int(t[12]),
            StateHash(t[13]),
            StateHash(t[14]),
            StateHash(t[15]),
            StateHash(t[16]),
            int(t[17]),
            RequestId(int(t[18])),
        )


@dataclass(frozen=True)
class Clocks:
    """Seconds left on each chess clock now."""

    solver: int
    challenger: int


@dataclass(frozen=True)
class Request:
    """IRefereeCourt.Request: one adjudication."""

    request_id: RequestId
    game_id: GameId
    job_id: JobId
    step: StepIndex
    op_index: OpIndex
    round: int
    committee_size: int
    votes: int
    resolved: bool
    referee_stake: int
    vote_window: int
    draw_block: int
    deadline: int
    input: StateHash
    claimed_output: StateHash
    decision: StateHash

    @classmethod
    def from_tuple(cls, request_id: RequestId, t: Any) -> Request:
        """From the ABI tuple returned by getRequest."""
        return cls(
            request_id,
            GameId(int(t[0])),
            JobId(int(t[1])),
            StepIndex(int(t[2])),
            OpIndex(int(t[3])),
            int(t[4]),
            int(t[5]),
            int(t[6]),
            bool(t[7]),
            int(t[8]),
            int(t[9]),
            int(t[10]),
            int(t[11]),
            StateHash(t[12]),
            StateHash(t[13]),
            StateHash(t[14]),
        )

    @property
    def awaiting_draw(self) -> bool:
        """The current round's committee is scheduled (`draw_block`) but not drawn yet."""
        return self.draw_block != 0


@dataclass(frozen=True)
class Revealed:
    """What one reveal paid: the jackpot, split equally among the `winners` drawn verifiers who won
    a game at the forced location (`jackpot_to`, none if no drawn verifier found it), and the
    honeypot's cost reimbursed to its submitter (`cost` is what it cost; `reimbursed` may be less
    when the pool share cap binds)."""

    job_id: JobId
    step: StepIndex
    op_index: OpIndex
    winners: int
    jackpot: int
    submitter: str
    cost: int
    reimbursed: int
    jackpot_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stake:
    """IStakeManager.Stake of one (account, role)."""

    amount: int
    locked: int
    pending_withdrawal: int
    withdrawable_at: int

    @property
    def free(self) -> int:
        """Stake neither locked nor pending withdrawal."""
        return max(self.amount - self.locked - self.pending_withdrawal, 0)

    @classmethod
    def from_tuple(cls, t: Any) -> Stake:
        """From the ABI tuple."""
        return cls(int(t[0]), int(t[1]), int(t[2]), int(t[3]))
