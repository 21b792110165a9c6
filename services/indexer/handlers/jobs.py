"""JobMarket and ForcedErrorRegistry: jobs and their transition groups, assignments,
attestations; jackpot funding, whistleblowers, honeypot reveals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.protocol.types import JobStatus
from services.db.enums import ProtocolContract, WhistleblowerEventKind
from services.db.models import (
    Attestation,
    ForcedErrorReveal,
    JackpotFunding,
    Job,
    JobAssignment,
    WhistleblowerEvent,
)
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog
from services.indexer.handlers.base import Handler, Key, or_none, params_changed

if TYPE_CHECKING:
    from services.indexer.project import Projector

JM = ProtocolContract.JOB_MARKET
FE = ProtocolContract.FORCED_ERROR_REGISTRY

SETTLED = {
    "JobFinalized": JobStatus.FINALIZED,
    "JobFailed": JobStatus.FAILED,
    "JobCancelled": JobStatus.CANCELLED,
    "JobExpired": JobStatus.EXPIRED,
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
    )


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
    """JobFinalized, JobFailed, JobCancelled, JobExpired: the `settled` group."""
    a = lg.args
    data: dict[str, Any] = {"outcome": SETTLED[lg.event]}
    if lg.event == "JobFinalized":
        data |= {"solver_pay": a["solverPay"], "verifier_pay": a["verifierPay"]}
    elif lg.event == "JobFailed":
        data |= {"fail_reason": a["reason"], "winning_challenger": or_none(a["challenger"])}
    p.transition(p.job(int(a["jobId"])), "settled", lg, **data)


def failure_settled(p: Projector, lg: ChainLog, _: TxContext) -> None:
    job = p.job(int(lg.args["jobId"]))
    p.transition(job, "solver_settled", lg, solver_slashed=lg.args["solverSlashed"])
    # settleFailure releases the verifiers without a VerifiersReleased log.
    p.transition(job, "verifiers_released", lg)


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
        forced_error_challenger=job.winning_challenger,
        attesters_slashed=a["attestersSlashed"],
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
        winning_challenger=None,  # filled by the first JackpotPaid of the reveal (none: no jackpot)
        jackpot=a["jackpot"],
    )


def jackpot_paid(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """Logged after ForcedErrorRevealed, once per drawn winner: records the first recipient."""
    p.session.flush()
    reveal: ForcedErrorReveal | None = p.get(ForcedErrorReveal, int(lg.args["jobId"]))
    if reveal is not None and reveal.winning_challenger is None:
        reveal.winning_challenger = lg.args["winner"]


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
    (JM, "Attested"): attested,
    **{(JM, name): job_settled for name in SETTLED},
    (JM, "FailureSettled"): failure_settled,
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
    (JM, "GameResolved"),  # mirrors DisputeGame's GameResolved
    (JM, "Wired"),
}
