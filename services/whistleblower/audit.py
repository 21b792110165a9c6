"""The per-verifier audit: who caught the revealed honeypots, who missed them, who vouched.

Built from the chain only (no secrets needed: a honeypot is public once revealed):
ForcedErrorRevealed events (the jobs, the forced location (step, opIndex) and the jackpot), each
job's assignments (who attested, who challenged) and wins (`winOf`: who won by adjudication at
the forced location), and the events of the reveal transaction: the registry's JackpotPaid (each
drawn winner's part of the jackpot) and HoneypotReimbursed (what the honeypot cost its submitter
and how much of it the pool paid back), JobMarket's ForcedErrorMarked (the attesters' slash) and
WinnerSharePaid (its winner share), and the StakeManager's Slashed.

Outcomes of one verifier on one honeypot:
  caught     won a game by adjudication at the forced location (a drawn one gets the jackpot)
  challenged challenged but did not win there
  attested   vouched for the forced error (slashed at the reveal)
  silent     neither: missed it (unslashed)
A winner that was not drawn (a sock puppet, or the whistleblower's own self-challenge of a honeypot
nobody else caught) is listed with `assigned` false: it earns no jackpot, and then the attesters'
slash goes to the treasury.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from assay.chain.deploy import ProtocolContracts
from assay.chain.events import EventReader, EventSource
from assay.protocol.types import JobId, Role

ZERO = "0x0000000000000000000000000000000000000000"

CAUGHT, CHALLENGED, ATTESTED, SILENT = "caught", "challenged", "attested", "silent"


def _eq(a: str, b: str) -> bool:
    return a.lower() == b.lower()


@dataclass(frozen=True)
class VerifierOutcome:
    """One verifier on one revealed honeypot."""

    verifier: str
    outcome: str
    assigned: bool = True
    slashed: int = 0  # wei of Verifier stake slashed at the reveal
    jackpot: int = 0  # wei of jackpot credited
    slash_share: int = 0  # wei of other parties' slashes credited to it


@dataclass(frozen=True)
class HoneypotAudit:
    """One revealed honeypot."""

    job_id: int
    whistleblower: str
    solver: str
    winning_challenger: str
    jackpot: int
    reveal_tx: str
    block: int
    solver_slashed: int
    verifiers: tuple[VerifierOutcome, ...]
    submitter: str = ""
    cost: int = 0  # wei the honeypot cost its submitter (its tax)
    reimbursed: int = 0  # wei of that cost the reveal credited back to the submitter
    step: int = 0  # the forced location: step s ...
    op_index: int = 0  # ... and operator N (its end state)
    drawn_winners: int = 0  # drawn verifiers who won there (they share the jackpot)
    attesters_slashed: int = 0  # wei slashed from the attesters (ForcedErrorMarked)

    @property
    def self_challenged(self) -> bool:
        """Nobody drawn caught it: only an unassigned challenger (e.g. the whistleblower's own
        self-challenge) proved the error, so no jackpot was paid."""
        return self.drawn_winners == 0


@dataclass
class VerifierTotals:
    """One verifier over every revealed honeypot it was drawn for."""

    verifier: str
    assigned: int = 0
    caught: int = 0
    challenged: int = 0
    missed: int = 0
    attested: int = 0
    slashed: int = 0
    jackpot: int = 0
    slash_share: int = 0

    def add(self, o: VerifierOutcome) -> None:
        self.assigned += int(o.assigned)
        self.caught += int(o.outcome == CAUGHT)
        self.challenged += int(o.outcome == CHALLENGED)
        self.missed += int(o.outcome == SILENT)
        self.attested += int(o.outcome == ATTESTED)
        self.slashed += o.slashed
        self.jackpot += o.jackpot
        self.slash_share += o.slash_share


@dataclass(frozen=True)
class AuditReport:
    """Every revealed honeypot and the totals per verifier."""

    honeypots: tuple[HoneypotAudit, ...]
    totals: tuple[VerifierTotals, ...] = field(default_factory=tuple)

    @property
    def reimbursed(self) -> int:
        """Wei the jackpot pool paid back for every honeypot in the report."""
        return sum(h.reimbursed for h in self.honeypots)

    def total(self, verifier: str) -> VerifierTotals:
        for t in self.totals:
            if _eq(t.verifier, verifier):
                return t
        return VerifierTotals(verifier)

    def to_json(self) -> dict[str, Any]:
        return {
            "honeypots": [asdict(h) for h in self.honeypots],
            "totals": [asdict(t) for t in self.totals],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)

    def table(self) -> str:
        """A plain-text report: one block per honeypot, then the totals per verifier."""
        lines: list[str] = []
        for h in self.honeypots:
            lines.append(
                f"honeypot job {h.job_id}: winner {h.winning_challenger or '-'}, "
                f"jackpot {h.jackpot} wei, solver slashed {h.solver_slashed} wei, "
                f"reimbursed {h.reimbursed} of {h.cost} wei to submitter {h.submitter or '-'}"
            )
            caught_by = (
                f"{h.drawn_winners} drawn verifier(s)"
                if h.drawn_winners
                else "no drawn verifier (self-challenged: no jackpot, slash to the treasury)"
            )
            lines.append(
                f"  forced error at step {h.step}, operator {h.op_index} (end state); "
                f"caught by {caught_by}; attesters slashed {h.attesters_slashed} wei"
            )
            for o in h.verifiers:
                lines.append(
                    f"  {o.verifier}  {o.outcome:<10}  slashed {o.slashed}  jackpot {o.jackpot}"
                    + ("" if o.assigned else "  (not drawn)")
                )
        head = (
            "verifier",
            "assigned",
            "caught",
            "chall.",
            "missed",
            "attested",
            "slashed",
            "jackpot",
        )
        rows = [
            (
                t.verifier,
                t.assigned,
                t.caught,
                t.challenged,
                t.missed,
                t.attested,
                t.slashed,
                t.jackpot,
            )
            for t in self.totals
        ]
        cells = [tuple(str(c) for c in head)] + [tuple(str(c) for c in r) for r in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
        lines.append("")
        for r in cells:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        return "\n".join(lines)


def audit(
    protocol: ProtocolContracts,
    *,
    whistleblower: str | None = None,
    from_block: int = 0,
    to_block: int | None = None,
) -> AuditReport:
    """The audit of every honeypot revealed in [from_block, to_block] (by `whistleblower`)."""
    w3 = protocol.registry.sender.w3
    reader = EventReader(
        w3,
        [EventSource(protocol.registry.contract, "ForcedErrorRegistry", ("ForcedErrorRevealed",))],
    )
    batch = reader.fetch(from_block, to_block)
    honeypots: list[HoneypotAudit] = []
    totals: dict[str, VerifierTotals] = {}
    for rec in batch.records:
        a = rec.args
        if whistleblower is not None and not _eq(a["whistleblower"], whistleblower):
            continue
        h = _one(protocol, rec.args, rec.tx_hash, rec.block_number)
        honeypots.append(h)
        for o in h.verifiers:  # totals are per drawn verifier (an unassigned winner is none)
            if o.assigned:
                totals.setdefault(o.verifier.lower(), VerifierTotals(o.verifier)).add(o)
    ordered = tuple(sorted(totals.values(), key=lambda t: t.verifier.lower()))
    return AuditReport(tuple(honeypots), ordered)


def _one(protocol: ProtocolContracts, args: dict[str, Any], tx: str, block: int) -> HoneypotAudit:
    job_id = JobId(int(args["jobId"]))
    step, op_index = int(args["step"]), int(args["opIndex"])
    market = protocol.market
    job = market.get_job(job_id)
    winner = str(job.winning_challenger)  # the first challenger who beat it
    receipt = protocol.registry.sender.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
    slashes = protocol.stakes.events_in(receipt, "Slashed")
    paid = protocol.registry.events_in(receipt, "HoneypotReimbursed")
    marked = market.events_in(receipt, "ForcedErrorMarked")
    # The jackpot is split among the drawn verifiers who won at the forced location (JackpotPaid);
    # the attesters' winner share reaches them through JobMarket (WinnerSharePaid).
    jackpots = protocol.registry.events_in(receipt, "JackpotPaid")
    shares = market.events_in(receipt, "WinnerSharePaid")

    def jackpot_of(account: str) -> int:
        return sum(int(e.args["amount"]) for e in jackpots if _eq(e.args["winner"], account))

    def slashed(account: str, role: Role) -> int:
        return sum(
            int(e.args["amount"])
            for e in slashes
            if _eq(e.args["account"], account) and int(e.args["role"]) == int(role)
        )

    def share(account: str) -> int:
        return sum(int(e.args["amount"]) for e in shares if _eq(e.args["winner"], account))

    def caught(account: str) -> bool:
        w = market.win_of(job_id, account)
        return w.won and w.adjudicated and (w.step, w.op_index) == (step, op_index)

    outcomes: list[VerifierOutcome] = []
    for asg in market.assignments(job_id):
        v = str(asg.verifier)
        if asg.attested:
            kind = ATTESTED
        elif caught(v):
            kind = CAUGHT
        elif asg.challenged:
            kind = CHALLENGED
        else:
            kind = SILENT
        outcomes.append(
            VerifierOutcome(v, kind, True, slashed(v, Role.VERIFIER), jackpot_of(v), share(v))
        )
    assigned = {o.verifier.lower() for o in outcomes}
    if winner != ZERO and winner.lower() not in assigned:  # an unassigned challenger won
        kind = CAUGHT if caught(winner) else CHALLENGED
        outcomes.append(VerifierOutcome(winner, kind, False, 0, 0, share(winner)))
    return HoneypotAudit(
        job_id=int(job_id),
        whistleblower=str(args["whistleblower"]),
        solver=str(job.solver),
        winning_challenger="" if winner == ZERO else winner,
        jackpot=int(args["jackpot"]),
        reveal_tx=tx,
        block=block,
        solver_slashed=slashed(str(job.solver), Role.SOLVER),
        verifiers=tuple(outcomes),
        submitter=str(job.submitter),
        cost=int(paid[0].args["cost"]) if paid else 0,
        reimbursed=int(paid[0].args["reimbursed"]) if paid else 0,
        step=step,
        op_index=op_index,
        drawn_winners=int(args["winners"]),
        attesters_slashed=int(marked[0].args["attestersSlashed"]) if marked else 0,
    )
