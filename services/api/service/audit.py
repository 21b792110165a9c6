"""The whistleblower audit from the indexed rows: per revealed honeypot, what each drawn verifier
did, and per verifier, the totals (the same rules as services.whistleblower.audit, which reads
the chain instead).

caught: won a game by adjudication at the forced location (JobWinner at the reveal's step and
operator); attested: vouched for it (Attestation); challenged: started a game but did not win
there; missed: drawn and did neither. An undrawn winner is listed on its honeypot but counts in
no verifier's totals.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.protocol.types import Role
from services.api.schemas.audit import (
    Audit,
    HoneypotOutcome,
    HoneypotReveal,
    VerifierOnHoneypot,
    VerifierRecord,
)
from services.api.schemas.common import wei, wei_or_none
from services.api.service.deployments import resolve_deployment
from services.api.service.sums import wei_sums_by
from services.db.enums import StakeEventKind
from services.db.models import ForcedErrorReveal, Job, StakeEvent


def verifier_audit(session: Session, *, deployment: int | None) -> Audit:
    """Every revealed honeypot (oldest first) and every drawn verifier's record on them."""
    dep = resolve_deployment(session, deployment)
    if dep is None:
        return Audit(deployment_id=None, honeypots=[], verifiers=[])
    reveals = session.scalars(
        select(ForcedErrorReveal)
        .where(ForcedErrorReveal.deployment_id == dep)
        .order_by(ForcedErrorReveal.block_number, ForcedErrorReveal.log_index)
    ).all()
    honeypots = [_honeypot(session, reveal) for reveal in reveals]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for honeypot in honeypots:
        for v in honeypot.verifiers:
            if not v.assigned:
                continue
            t = totals[v.verifier]
            t["assigned"] += 1
            t[v.outcome.value] += 1
            t["slashed"] += int(v.slashed)
            t["jackpots"] += int(v.jackpot)
    return Audit(
        deployment_id=dep,
        honeypots=honeypots,
        verifiers=[
            VerifierRecord(
                verifier=account,
                assigned=t["assigned"],
                caught=t[HoneypotOutcome.CAUGHT.value],
                challenged=t[HoneypotOutcome.CHALLENGED.value],
                attested=t[HoneypotOutcome.ATTESTED.value],
                missed=t[HoneypotOutcome.MISSED.value],
                slashed=wei(t["slashed"]),
                jackpots=wei(t["jackpots"]),
            )
            for account, t in sorted(totals.items())
        ],
    )


def _honeypot(session: Session, reveal: ForcedErrorReveal) -> HoneypotReveal:
    job = session.get_one(Job, (reveal.deployment_id, reveal.job_id))
    attested = {a.verifier for a in job.attestations}
    challengers = {g.challenger for g in job.games}
    wins = {w.challenger: w for w in job.winners}
    slashed = wei_sums_by(
        session,
        StakeEvent.account,
        StakeEvent.amount,
        StakeEvent.deployment_id == reveal.deployment_id,
        StakeEvent.job_id == reveal.job_id,
        StakeEvent.role == Role.VERIFIER,
        StakeEvent.kind == StakeEventKind.SLASHED,
    )

    def caught(account: str) -> bool:
        w = wins.get(account)
        forced = (reveal.step, reveal.op_index)
        return w is not None and w.adjudicated and (w.step, w.op_index) == forced

    def outcome(account: str) -> HoneypotOutcome:
        if account in attested:
            return HoneypotOutcome.ATTESTED
        if caught(account):
            return HoneypotOutcome.CAUGHT
        if account in challengers:
            return HoneypotOutcome.CHALLENGED
        return HoneypotOutcome.MISSED

    def entry(account: str, assigned: bool) -> VerifierOnHoneypot:
        w = wins.get(account)
        return VerifierOnHoneypot(
            verifier=account,
            outcome=outcome(account),
            assigned=assigned,
            slashed=wei(slashed.get(account, 0)),
            jackpot=wei(w.jackpot or 0) if w is not None else wei(0),
        )

    drawn = [a.verifier for a in job.assignments]
    undrawn_winners = [w.challenger for w in job.winners if w.challenger not in set(drawn)]
    return HoneypotReveal(
        job_id=reveal.job_id,
        whistleblower=reveal.whistleblower,
        step=reveal.step,
        op_index=reveal.op_index,
        jackpot=wei(reveal.jackpot),
        reimbursed=wei_or_none(reveal.reimbursed),
        winning_challenger=reveal.winning_challenger,
        block_number=reveal.block_number,
        block_time=reveal.block_time,
        tx_hash=reveal.tx_hash,
        verifiers=[entry(v, True) for v in drawn] + [entry(v, False) for v in undrawn_winners],
    )
