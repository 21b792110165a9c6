"""JobMarket and ForcedErrorRegistry: jobs and their transition groups, assignments,
attestations, challenge-window restarts, winners and their shares; jackpot funding,
whistleblowers, honeypot reveals and the jackpot's parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from assay.protocol.types import GameStatus, JobStatus
from services.db.enums import ProtocolContract, WhistleblowerEventKind
from services.db.models import (
    AdjudicationRequest,
    Attestation,
    ChallengeWindowRestart,
    ForcedErrorReveal,
    Game,
    JackpotFunding,
    Job,
    JobAssignment,
    JobWinner,
    WhistleblowerEvent,
)
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog
from services.indexer.handlers.base import Handler, Key, or_none, params_changed

if TYPE_CHECKING:
    from services.indexer.project import Projector

log = structlog.get_logger(__name__)

JM = ProtocolContract.JOB_MARKET
FE = ProtocolContract.FORCED_ERROR_REGISTRY

SETTLED = {
    "JobFinalized": JobStatus.FINALIZED,
    "JobFailed": JobStatus.FAILED,
    "JobCancelled": JobStatus.CANCELLED,
    "JobExpired": JobStatus.EXPIRED,
    "JobUnverified": JobStatus.EXPIRED,  # expireUnverified: seats stayed empty
}
_JOB_COLUMNS = frozenset(Job.__table__.columns.keys())


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def job_posted(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """A job row, with the parameters getJob says were snapshotted at posting."""
    a = lg.args
    job_id = int(a["jobId"])
    params = p.jobs[job_id]["params"]
    snapshot = {_snake(k): v for k, v in params.items() if _snake(k) in _JOB_COLUMNS}
    p.insert(
        Job,
        lg,
        job_id=job_id,
        status=JobStatus.OPEN,
        submitter=a["submitter"],
        budget=a["budget"],
        tax=a["tax"],
        steps=a["steps"],
        ops_per_step=a["opsPerStep"],
        spec_hash=a["specHash"],
        graph_hash=a["graphHash"],
        initial_state=a["initialState"],
        spec_uri=a["specURI"],
        **snapshot,
    )


def job_claimed(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.transition(
        p.job(int(a["jobId"])),
        "claimed",
        lg,
        solver=a["solver"],
        stake_locked=a["stakeLocked"],
        solve_deadline=a["deadline"],
    )


def result_submitted(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.transition(
        p.job(int(a["jobId"])),
        "submitted",
        lg,
        final_state=a["finalState"],
        trace_root=a["traceRoot"],
        sealed_tag=a["sealedTag"],
        artifact_uri=a["artifactURI"],
        challenge_deadline=a["challengeDeadline"],
        window_start=p.time(lg),  # the window opens at submission
    )


def challenge_window_restarted(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """drawVerifiers filled seats: the window restarts now; the row keeps the one it replaced."""
    a = lg.args
    job = p.job(int(a["jobId"]))
    if job is None:
        return
    start, deadline = p.time(lg), int(a["challengeDeadline"])
    new = p.insert(
        ChallengeWindowRestart,
        lg,
        job_id=job.job_id,
        seats_filled=a["seatsFilled"],
        window_start=start,
        challenge_deadline=deadline,
        previous_window_start=job.window_start,
        previous_deadline=job.challenge_deadline,
    )
    if new:
        job.window_start, job.challenge_deadline = start, deadline


def verifiers_assigned(p: Projector, lg: ChainLog, _: TxContext) -> None:
    job_id = int(lg.args["jobId"])
    p.insert_all(
        JobAssignment,
        [
            p.place(lg) | {"job_id": job_id, "verifier": v, "position": i}
            for i, v in enumerate(lg.args["verifiers"])
        ],
    )


def attested(p: Projector, lg: ChainLog, _: TxContext) -> None:
    p.insert(Attestation, lg, job_id=int(lg.args["jobId"]), verifier=lg.args["verifier"])


def job_settled(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """JobFinalized, JobFailed, JobCancelled, JobExpired, JobUnverified: the `settled` group."""
    a = lg.args
    data: dict[str, Any] = {"outcome": SETTLED[lg.event]}
    if lg.event == "JobFinalized":
        data |= {"solver_pay": a["solverPay"], "verifier_pay": a["verifierPay"]}
    elif lg.event == "JobFailed":
        data |= {"fail_reason": a["reason"], "winning_challenger": or_none(a["challenger"])}
    elif lg.event == "JobUnverified":
        data |= {"seats_filled": a["seatsFilled"], "seats_needed": a["seatsNeeded"]}
    job = p.job(int(a["jobId"]))
    p.transition(job, "settled", lg, **data)
    if lg.event == "JobUnverified":
        # expireUnverified releases the drawn verifiers without a VerifiersReleased log.
        p.transition(job, "verifiers_released", lg)


def failure_settled(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """The solver slashed; its winner share split among `winners` (drawn ones only or all)."""
    a = lg.args
    job = p.job(int(a["jobId"]))
    p.transition(
        job,
        "solver_settled",
        lg,
        solver_slashed=a["solverSlashed"],
        winner_share=a["winnerShare"],
        winner_sharers=a["winners"],
        drawn_only=bool(a["drawnOnly"]),
    )
    # settleFailure releases the verifiers without a VerifiersReleased log.
    p.transition(job, "verifiers_released", lg)


def game_resolved(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """JobMarket's GameResolved: a challenger's win (IJobMarket.Win) on the job.

    Logged after DisputeGame's own GameResolved, so the game row is already resolved: the win
    is adjudicated (IDisputeGame.adjudicatedAt) when the game went to the court, at the
    request's (step, op_index)."""
    a = lg.args
    if not a["challengerWon"]:
        return
    job_id, game_id, challenger = int(a["jobId"]), int(a["gameId"]), a["challenger"]
    game: Game | None = p.get(Game, game_id)
    if p.job(job_id) is None or game is None:
        log.warning("indexer.unknown_game", game=game_id, event=lg.event)
        return
    request: AdjudicationRequest | None = None
    if game.status is GameStatus.CHALLENGER_WON and game.request_id:
        request = p.get(AdjudicationRequest, game.request_id)
    p.insert(
        JobWinner,
        lg,
        job_id=job_id,
        challenger=challenger,
        game_id=game_id,
        drawn=p.get(JobAssignment, job_id, challenger) is not None,
        adjudicated=request is not None,
        step=request.step if request is not None else None,
        op_index=request.op_index if request is not None else None,
    )


def winner_share_paid(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """A winner's share of a slash was credited (settleFailure, claimWinnerShare or a reveal)."""
    a = lg.args
    winner = p.get(JobWinner, int(a["jobId"]), a["winner"])
    p.transition(winner, "paid", lg, paid_amount=a["amount"])


def verifiers_released(p: Projector, lg: ChainLog, _: TxContext) -> None:
    p.transition(p.job(int(lg.args["jobId"])), "verifiers_released", lg)


def forced_error_marked(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    job = p.job(int(a["jobId"]))
    p.transition(
        job,
        "forced_error",
        lg,
        # The first challenger who beat the honeypot (the jackpot goes to drawn winners).
        forced_error_challenger=job.winning_challenger if job is not None else None,
        attesters_slashed=a["attestersSlashed"],
        forced_error_step=a["step"],
        forced_error_op_index=a["opIndex"],
        forced_error_drawn_winners=a["drawnWinners"],
    )


def funded(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.insert(JackpotFunding, lg, funder=a["from"], amount=a["amount"], pool=a["pool"])


def whistleblower(p: Projector, lg: ChainLog, _: TxContext) -> None:
    kind = WhistleblowerEventKind(lg.event)
    p.insert(WhistleblowerEvent, lg, whistleblower=lg.args["whistleblower"], kind=kind)


def forced_error_revealed(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.insert(
        ForcedErrorReveal,
        lg,
        job_id=int(a["jobId"]),
        whistleblower=a["whistleblower"],
        step=a["step"],
        op_index=a["opIndex"],
        winners=a["winners"],
        winning_challenger=None,  # filled by the first JackpotPaid of the reveal (none: no jackpot)
        jackpot=a["jackpot"],
    )


def jackpot_paid(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """Logged after ForcedErrorRevealed, once per drawn winner: its part of the jackpot; the
    reveal records the first recipient."""
    a = lg.args
    job_id, winner = int(a["jobId"]), a["winner"]
    p.session.flush()
    reveal: ForcedErrorReveal | None = p.get(ForcedErrorReveal, job_id)
    if reveal is not None and reveal.winning_challenger is None:
        reveal.winning_challenger = winner
    p.transition(p.get(JobWinner, job_id, winner), "jackpot", lg, jackpot=a["amount"])


def honeypot_reimbursed(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """Logged right after ForcedErrorRevealed: fills the reveal's cost and reimbursement."""
    p.session.flush()
    reveal: ForcedErrorReveal | None = p.get(ForcedErrorReveal, int(lg.args["jobId"]))
    if reveal is not None and reveal.honeypot_cost is None:
        reveal.honeypot_cost = int(lg.args["cost"])
        reveal.reimbursed = int(lg.args["reimbursed"])


HANDLERS: dict[Key, Handler] = {
    (JM, "JobPosted"): job_posted,
    (JM, "JobClaimed"): job_claimed,
    (JM, "ResultSubmitted"): result_submitted,
    (JM, "VerifiersAssigned"): verifiers_assigned,
    (JM, "ChallengeWindowRestarted"): challenge_window_restarted,
    (JM, "Attested"): attested,
    **{(JM, name): job_settled for name in SETTLED},
    (JM, "FailureSettled"): failure_settled,
    (JM, "GameResolved"): game_resolved,
    (JM, "WinnerSharePaid"): winner_share_paid,
    (JM, "VerifiersReleased"): verifiers_released,
    (JM, "ForcedErrorMarked"): forced_error_marked,
    (JM, "ParamsSet"): params_changed,
    (FE, "Funded"): funded,
    **{(FE, kind.value): whistleblower for kind in WhistleblowerEventKind},
    (FE, "ForcedErrorRevealed"): forced_error_revealed,
    (FE, "JackpotPaid"): jackpot_paid,
    (FE, "HoneypotReimbursed"): honeypot_reimbursed,
    (FE, "ParamsSet"): params_changed,
}
IGNORED: set[Key] = {
    (JM, "ChallengeRegistered"),  # mirrors DisputeGame's GameStarted
    (JM, "Wired"),
}
