"""Typed actions: what a pure `decide` returns and the responder (or the TaskRunner) carries out.

Chain actions map one-to-one onto a contract call. Local actions (`StartTraining`, `StartReplay`,
`StartOpTrace`, `StartRecompute`) are work for the TaskRunner: they never touch the chain.
Every action names the scheduling `key` of the thing it acts on, so that at most one action per
job, game or request is in flight at a time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.protocol.types import GameId, JobId, RequestId, StateHash, StepIndex

if TYPE_CHECKING:
    from assay.agents.views import GameView

Key = tuple[str, int]
"""("job", id), ("game", id), ("request", id), ("account", 0) or ("work", job id)."""


# ------------------------------------------------------------------------------ JobMarket


@dataclass(frozen=True)
class ClaimJob:
    """Solver: claim an Open job (locks the solver stake)."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class SubmitResult:
    """Solver: submit h_T, the Merkle root over h_0..h_T, the artifact URI and the sealed tag."""

    job_id: JobId
    final_state: StateHash
    trace_root: StateHash
    artifact_uri: str
    sealed_tag: bytes

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class Attest:
    """Assigned verifier: the replay matched; attest the result."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class Challenge:
    """Verifier: open a dispute game naming the final state it disputes, posting `bond`."""

    job_id: JobId
    disputed_final: StateHash
    bond: int

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class Finalize:
    """Anyone: settle a Submitted job after its challenge window with no game open."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class SettleFailure:
    """Anyone: slash the solver of a Failed job after the reveal window."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class ReleaseVerifiers:
    """Anyone: release the verifiers' locks of a Finalized job after the reveal window."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class DrawVerifiers:
    """Anyone: fill a Submitted job's empty verifier seats (its challenge window restarts).

    The solver sends it: a job with an empty seat cannot finalize, so nobody else gains from it."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class ExpireUnverified:
    """Anyone: return a job whose seats stayed empty a claim window past its challenge deadline
    (budget to the submitter, the solver's stake unlocked, nobody paid or slashed)."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


@dataclass(frozen=True)
class ClaimWinnerShare:
    """A winning challenger: collect its part of the solver's slash when no drawn verifier won
    (drawn winners are paid by settleFailure itself)."""

    job_id: JobId

    @property
    def key(self) -> Key:
        return ("job", self.job_id)


# ------------------------------------------------------------------------------ DisputeGame


@dataclass(frozen=True)
class Open:
    """Solver: open `hashes` at the interior points of (lo, hi) with their Merkle proofs."""

    game_id: GameId
    lo: int
    hi: int
    hashes: tuple[StateHash, ...]
    proofs: tuple[tuple[StateHash, ...], ...]

    @property
    def key(self) -> Key:
        return ("game", self.game_id)


@dataclass(frozen=True)
class Choose:
    """Challenger: agree with openings[:index], dispute openings[index] (or hi)."""

    game_id: GameId
    lo: int
    hi: int
    openings: tuple[StateHash, ...]
    index: int
    disputed: StateHash

    @property
    def key(self) -> Key:
        return ("game", self.game_id)


@dataclass(frozen=True)
class CommitOpTrace:
    """Solver: commit the op trace of the isolated step."""

    game_id: GameId
    op_root: StateHash
    n_ops: int
    first_proof: tuple[StateHash, ...]
    last_proof: tuple[StateHash, ...]

    @property
    def key(self) -> Key:
        return ("game", self.game_id)


Move = Open | Choose | CommitOpTrace
"""A bisection move (what assay.agents.player decides)."""


@dataclass(frozen=True)
class Timeout:
    """Either party: end a game whose mover's clock ran out."""

    game_id: GameId

    @property
    def key(self) -> Key:
        return ("game", self.game_id)


# ------------------------------------------------------------------------------ RefereeCourt


@dataclass(frozen=True)
class DrawCommittee:
    """Anyone: draw the committee of a request whose round awaits its draw (two-phase draw)."""

    request_id: RequestId

    @property
    def key(self) -> Key:
        return ("request", self.request_id)


@dataclass(frozen=True)
class Vote:
    """Committee member: vote the recomputed output of the disputed operator."""

    request_id: RequestId
    output: StateHash

    @property
    def key(self) -> Key:
        return ("request", self.request_id)


@dataclass(frozen=True)
class ResolveAdjudication:
    """Anyone: apply the votes once everyone voted or the vote window closed."""

    request_id: RequestId

    @property
    def key(self) -> Key:
        return ("request", self.request_id)


# ------------------------------------------------------------------------------ StakeManager


@dataclass(frozen=True)
class ClaimCredit:
    """Pay out this account's credit (`amount` as seen when deciding)."""

    amount: int

    @property
    def key(self) -> Key:
        return ("account", 0)


# ------------------------------------------------------------------------------ local work


@dataclass(frozen=True)
class StartTraining:
    """Solver: train the job's spec, keeping h_0..h_T and checkpoints."""

    job_id: JobId
    spec_hash: StateHash

    @property
    def key(self) -> Key:
        return ("work", self.job_id)


@dataclass(frozen=True)
class StartReplay:
    """Verifier: replay the job's spec to get its own h_0..h_T."""

    job_id: JobId
    spec_hash: StateHash

    @property
    def key(self) -> Key:
        return ("work", self.job_id)


@dataclass(frozen=True)
class StartSampledReplay:
    """Verifier (sampled replay policy): check sampled segments of the solver's trace."""

    job_id: JobId
    spec_hash: StateHash

    @property
    def key(self) -> Key:
        return ("work", self.job_id)


@dataclass(frozen=True)
class StartOpTrace:
    """Either party: compute the op trace r_0..r_N of `step` from the checkpoint before it."""

    job_id: JobId
    step: StepIndex

    @property
    def key(self) -> Key:
        return ("work", self.job_id)


@dataclass(frozen=True)
class StartRecompute:
    """Referee: recompute the disputed operator of a request (the agent's recompute callable)."""

    request_id: RequestId

    @property
    def key(self) -> Key:
        return ("recompute", self.request_id)


ChainAction = (
    ClaimJob
    | SubmitResult
    | Attest
    | Challenge
    | Finalize
    | SettleFailure
    | ReleaseVerifiers
    | DrawVerifiers
    | ExpireUnverified
    | ClaimWinnerShare
    | Open
    | Choose
    | CommitOpTrace
    | Timeout
    | Vote
    | ResolveAdjudication
    | DrawCommittee
    | ClaimCredit
)
LocalAction = StartTraining | StartReplay | StartSampledReplay | StartOpTrace | StartRecompute
Action = ChainAction | LocalAction

LOCAL_ACTIONS = (StartTraining, StartReplay, StartSampledReplay, StartOpTrace, StartRecompute)


def is_local(action: Action) -> bool:
    """True for work the TaskRunner does (no transaction)."""
    return isinstance(action, LOCAL_ACTIONS)


def describe(action: Action) -> str:
    """A short log label: the class name."""
    return type(action).__name__


class WorkState(enum.Enum):
    """Where a piece of local work stands (the decision's view of the TaskRunner)."""

    NONE = "none"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def decide_credit(credit: int, minimum: int = 1) -> list[Action]:
    """Claim the account's credit once it reaches `minimum` wei."""
    return [ClaimCredit(credit)] if credit >= max(minimum, 1) else []


def adjudication_upkeep(gv: GameView, now: int) -> list[Action]:
    """Either party's upkeep of its adjudicating game: draw a pending committee, resolve a
    finished round (anyone may; the parties have the most reason to)."""
    req = gv.request
    if req is None:
        return []
    if req.awaiting_draw:
        return [DrawCommittee(req.request_id)]
    if req.resolvable(now):
        return [ResolveAdjudication(req.request_id)]
    return []
