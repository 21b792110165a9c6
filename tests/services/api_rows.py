"""A populated services database for the API tests: two deployments, 25 jobs in every status,
a dispute game that went to the referee court and failed its job (its winner paid a slash share
and the jackpot), one still running, stakes, slashes, credits, jackpot funding and a honeypot
reveal at the end state of step 5.

Job i's events sit in blocks 100·i … 100·i + 99 (block time = 1000 + block), so no two jobs'
rows share a block. The numbers the tests check are the constants below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from assay.protocol.types import GameStatus, JobStatus, Party, Role
from services.db.enums import CreditEventKind, MoveKind, StakeEventKind
from services.db.models import (
    AdjudicationRequest,
    AdjudicationVote,
    Attestation,
    CommitteeDraw,
    CommitteeMember,
    CommitteeRound,
    CreditEvent,
    ForcedErrorReveal,
    Game,
    GameMove,
    IndexerCursor,
    JackpotFunding,
    Job,
    JobAssignment,
    JobWinner,
    Stake,
    StakeEvent,
)
from tests.services.db_rows import deployment, event_at, h, job

ETH = 10**18
SUBMITTER_A, SUBMITTER_B = "0x" + "a1" * 20, "0x" + "b2" * 20
SOLVER_1, SOLVER_2 = "0x" + "51" * 20, "0x" + "52" * 20
VERIFIER_1, VERIFIER_2 = "0x" + "71" * 20, "0x" + "72" * 20
CHALLENGER = "0x" + "c3" * 20
REFEREES = ("0x" + "e1" * 20, "0x" + "e2" * 20, "0x" + "e3" * 20)
WHISTLEBLOWER = "0x" + "f4" * 20

JOBS = 25  # in the main deployment
FINALIZED_JOB, FAILED_JOB, DISPUTED_JOB, CLAIMED_JOB = 1, 2, 3, 4
BIG_JOB, SECOND_FINAL_JOB = 5, 7  # finalized by SOLVER_2 (budget 3 ETH) and SOLVER_1
FEE_EACH = ETH * 500 // 10_000 // 2  # job 1: two attesters share 5% of 1 ETH
SOLVER_SLASH, REFEREE_SLASH, ATTESTER_SLASH = 2 * ETH, ETH // 10, ETH
JACKPOT, REIMBURSED = 3 * ETH // 10, ETH // 10
POOL = ETH + 2 * ETH // 100 - JACKPOT - REIMBURSED  # donation + 2 taxes, then the reveal
RESOLVED_GAME, RUNNING_GAME = 1, 2
FORCED_STEP, FAILED_OPS = 5, 17  # job 2 has 17 ops per step and erred at the end of step 5
FILLER = (JobStatus.OPEN, JobStatus.CANCELLED, JobStatus.EXPIRED)


@dataclass(frozen=True)
class Scenario:
    """Ids of what `populate` wrote."""

    main: int  # the newest deployment (the API's default)
    old: int
    statuses: dict[int, JobStatus]  # job id -> status, main deployment
    submitters: dict[int, str]
    solvers: dict[int, str | None]


def _group(job_row: Job, group: str, block: int) -> None:
    setattr(job_row, f"{group}_block", block)
    setattr(job_row, f"{group}_at", 1_000 + block)
    setattr(job_row, f"{group}_tx", h(20_000 + block))


def _claim(row: Job, solver: str, block: int) -> None:
    row.solver, row.stake_locked, row.solve_deadline = solver, 2 * ETH, 90_000
    _group(row, "claimed", block)
    row.status = JobStatus.CLAIMED


def _submit(row: Job, block: int) -> None:
    row.final_state, row.trace_root, row.artifact_uri = h(9), h(8), "assay://result"
    row.window_start, row.challenge_deadline = 1_000 + block, 1_000 + block + 600
    _group(row, "submitted", block)
    row.status = JobStatus.SUBMITTED


def _settle(row: Job, outcome: JobStatus, block: int, **data: Any) -> None:
    row.outcome = row.status = outcome
    for name, value in data.items():
        setattr(row, name, value)
    _group(row, "settled", block)


def _credit(
    dep: int, block: int, log: int, account: str, amount: int, balance: int, **ctx: Any
) -> CreditEvent:
    return CreditEvent(
        **event_at(dep, block, log),
        account=account,
        kind=ctx.pop("kind", CreditEventKind.CREDITED),
        amount=amount,
        balance=balance,
        **ctx,
    )


def _stake(
    dep: int,
    block: int,
    log: int,
    account: str,
    role: Role,
    kind: StakeEventKind,
    amount: int | None,
    *,
    total: int,
    locked: int = 0,
    **ctx: Any,
) -> StakeEvent:
    return StakeEvent(
        **event_at(dep, block, log),
        account=account,
        role=role,
        kind=kind,
        amount=amount,
        total=total,
        locked=locked,
        pending_withdrawal=0,
        withdrawable_at=0,
        registered=True,
        **ctx,
    )


def _game_state(block: int, **state: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": GameStatus.STEP_BISECTION,
        "turn": Party.SOLVER,
        "lo": 0,
        "hi": 8,
        "lo_hash": h(3),
        "hi_hash": h(9),
        "rounds": 0,
        "last_move_at": 1_000 + block,
        "solver_clock": 300,
        "challenger_clock": 300,
    }
    return {**base, **state}


def _moves(
    dep: int, game_id: int, moves: list[tuple[int, int, MoveKind, dict[str, Any]]]
) -> list[GameMove]:
    """A game's move rows, each with the state right after it."""
    rows = []
    for block, log, kind, state in moves:
        extra = {k: state.pop(k) for k in ("party", "positions", "hashes", "actor") if k in state}
        rows.append(
            GameMove(
                **event_at(dep, block, log),
                game_id=game_id,
                kind=kind,
                **_game_state(block, **state),
                **extra,
            )
        )
    return rows


def _game(dep: int, job_id: int, solver: str, moves: list[GameMove]) -> Game:
    """The game row: started by its first move, at the state of its last."""
    first, last = moves[0], moves[-1]
    return Game(
        **event_at(dep, first.block_number, first.log_index),
        game_id=first.game_id,
        job_id=job_id,
        challenger=CHALLENGER,
        solver=solver,
        steps=8,
        bond=ETH // 10,
        updated_block=last.block_number,
        updated_at=last.block_time,
        **last.snapshot(),
    )


def _disputes(session: Session, dep: int) -> None:
    """Game 1 on job 2: bisected to step 5, op 17, adjudicated, challenger won. Game 2 on job 3:
    still bisecting, the solver to move."""
    opened = {"turn": Party.CHALLENGER, "party": Party.SOLVER, "positions": [4], "hashes": [h(4)]}
    rows = _moves(
        dep,
        RESOLVED_GAME,
        [
            (204, 0, MoveKind.STARTED, {}),
            (205, 0, MoveKind.OPENED, dict(opened)),
            (206, 0, MoveKind.NARROWED, {"lo": 4, "hi": 6, "rounds": 1, "party": Party.CHALLENGER}),
            (207, 0, MoveKind.STEP_ISOLATED, {"lo": 4, "hi": 5, "step": 5, "rounds": 2}),
            (
                208,
                0,
                MoveKind.OP_TRACE_COMMITTED,
                {"status": GameStatus.OP_BISECTION, "step": 5, "n_ops": 40, "op_root": h(40)},
            ),
            (
                209,
                2,
                MoveKind.ADJUDICATION_REQUESTED,
                {"status": GameStatus.ADJUDICATING, "turn": None, "step": 5, "request_id": 1},
            ),
            (
                212,
                2,
                MoveKind.RESOLVED,
                {
                    "status": GameStatus.CHALLENGER_WON,
                    "turn": None,
                    "step": 5,
                    "winner": CHALLENGER,
                    "reason": "adjudicated",
                },
            ),
        ],
    )
    session.add(_game(dep, FAILED_JOB, SOLVER_2, rows))
    session.flush()
    session.add_all(rows)
    session.add(
        CommitteeDraw(**event_at(dep, 209, 3), request_id=1, round=1, game_id=1, draw_block=209)
    )
    session.add(
        CommitteeRound(
            **event_at(dep, 210, 9), request_id=1, round=1, game_id=1, deadline=1_300, size=3
        )
    )
    session.flush()
    for i, referee in enumerate(REFEREES):
        member = CommitteeMember(
            **event_at(dep, 210, 9), request_id=1, round=1, referee=referee, position=i
        )
        if i == 0:
            member.no_show = True
            member.slashed_at, member.slashed_block, member.slashed_tx = 1_212, 212, h(20_212)
        session.add(member)
    session.add(
        AdjudicationRequest(
            **event_at(dep, 209, 1),
            request_id=1,
            game_id=1,
            job_id=FAILED_JOB,
            step=FORCED_STEP,
            op_index=FAILED_OPS,
            input_hash=h(16),
            claimed_output=h(99),
            decision=h(77),
            decided_votes=2,
            decided_at=1_212,
            decided_block=212,
            decided_tx=h(20_212),
        )
    )
    session.flush()
    for block, referee in ((210, REFEREES[1]), (211, REFEREES[2])):
        session.add(
            AdjudicationVote(
                **event_at(dep, block), request_id=1, round=1, referee=referee, output=h(77)
            )
        )
    rows = _moves(
        dep,
        RUNNING_GAME,
        [
            (304, 0, MoveKind.STARTED, {}),
            (305, 0, MoveKind.OPENED, dict(opened)),
            (
                306,
                0,
                MoveKind.NARROWED,
                {"lo": 4, "hi": 6, "rounds": 1, "party": Party.CHALLENGER, "solver_clock": 250},
            ),
        ],
    )
    session.add(_game(dep, DISPUTED_JOB, SOLVER_1, rows))
    session.flush()
    session.add_all(rows)
    session.flush()
    # The court ruled at the end state of step 5; the winner took the solver's slash share at
    # settlement (230) and the jackpot at the reveal (240).
    session.add(
        JobWinner(
            **event_at(dep, 212, 5),
            job_id=FAILED_JOB,
            challenger=CHALLENGER,
            game_id=RESOLVED_GAME,
            drawn=True,
            adjudicated=True,
            step=FORCED_STEP,
            op_index=FAILED_OPS,
            paid_amount=ETH,
            paid_at=1_230,
            paid_block=230,
            paid_tx=h(20_230),
            jackpot=JACKPOT,
            jackpot_at=1_240,
            jackpot_block=240,
            jackpot_tx=h(20_240),
        )
    )


def _jobs(session: Session, dep: int) -> dict[int, Job]:
    rows: dict[int, Job] = {}
    for i in range(1, JOBS + 1):
        row = job(dep, i, 100 * i, submitter=SUBMITTER_A if i % 2 else SUBMITTER_B)
        rows[i] = row
        if i == BIG_JOB:
            row.budget = 3 * ETH
        if i in (FINALIZED_JOB, FAILED_JOB, DISPUTED_JOB, CLAIMED_JOB, BIG_JOB, SECOND_FINAL_JOB):
            solver = SOLVER_2 if i in (FAILED_JOB, CLAIMED_JOB, BIG_JOB) else SOLVER_1
            _claim(row, solver, 100 * i + 1)
            if i != CLAIMED_JOB:
                _submit(row, 100 * i + 3)
        elif FILLER[i % 3] is not JobStatus.OPEN:
            _settle(row, FILLER[i % 3], 100 * i + 50)
    _settle(
        rows[FINALIZED_JOB],
        JobStatus.FINALIZED,
        119,
        solver_pay=ETH - 2 * FEE_EACH,
        verifier_pay=2 * FEE_EACH,
    )
    for i in (BIG_JOB, SECOND_FINAL_JOB):
        _settle(
            rows[i], JobStatus.FINALIZED, 100 * i + 19, solver_pay=rows[i].budget, verifier_pay=0
        )
    failed = rows[FAILED_JOB]
    _settle(
        failed, JobStatus.FAILED, 212, fail_reason="challenge won", winning_challenger=CHALLENGER
    )
    failed.ops_per_step = FAILED_OPS
    failed.solver_slashed, failed.winner_share, failed.winner_sharers = SOLVER_SLASH, ETH, 1
    failed.drawn_only = True
    _group(failed, "solver_settled", 230)
    failed.forced_error_challenger, failed.attesters_slashed = CHALLENGER, ATTESTER_SLASH
    failed.forced_error_step, failed.forced_error_op_index = FORCED_STEP, FAILED_OPS
    failed.forced_error_drawn_winners = 1
    _group(failed, "forced_error", 240)
    session.add_all(rows.values())
    session.flush()
    return rows


def _verifiers(session: Session, dep: int) -> None:
    for block, job_id, verifiers in (
        (103, FINALIZED_JOB, (VERIFIER_1, VERIFIER_2)),
        (203, FAILED_JOB, (VERIFIER_1,)),
    ):
        for pos, verifier in enumerate(verifiers):
            session.add(
                JobAssignment(
                    **event_at(dep, block, 1), job_id=job_id, verifier=verifier, position=pos
                )
            )
    session.flush()
    session.add_all(
        [
            Attestation(**event_at(dep, 104), job_id=FINALIZED_JOB, verifier=VERIFIER_1),
            Attestation(**event_at(dep, 105), job_id=FINALIZED_JOB, verifier=VERIFIER_2),
            Attestation(**event_at(dep, 204, 1), job_id=FAILED_JOB, verifier=VERIFIER_1),
        ]
    )


def _money(session: Session, dep: int) -> None:
    verifier, referee, solver = Role.VERIFIER, Role.REFEREE, Role.SOLVER
    deposited, slashed = StakeEventKind.DEPOSITED, StakeEventKind.SLASHED
    session.add_all(
        [
            _stake(dep, 2, 0, SOLVER_1, solver, deposited, 5 * ETH, total=5 * ETH),
            _stake(dep, 3, 0, SOLVER_2, solver, deposited, 4 * ETH, total=4 * ETH),
            _stake(dep, 4, 0, VERIFIER_1, verifier, deposited, 3 * ETH, total=3 * ETH),
            _stake(dep, 5, 0, VERIFIER_2, verifier, deposited, ETH, total=ETH),
            _stake(dep, 6, 0, REFEREES[0], referee, deposited, ETH, total=ETH),
            _stake(
                dep,
                212,
                4,
                REFEREES[0],
                referee,
                slashed,
                REFEREE_SLASH,
                total=ETH - REFEREE_SLASH,
                request_id=1,
                cause="referee_no_show",
            ),
            _stake(
                dep,
                230,
                1,
                SOLVER_2,
                solver,
                slashed,
                SOLVER_SLASH,
                total=2 * ETH,
                job_id=FAILED_JOB,
                beneficiary=CHALLENGER,
                to_beneficiary=ETH,
            ),
            _stake(
                dep,
                240,
                3,
                VERIFIER_1,
                verifier,
                slashed,
                ATTESTER_SLASH,
                total=2 * ETH,
                job_id=FAILED_JOB,
                cause="attested_honeypot",
            ),
        ]
    )
    stakes = {
        (SOLVER_1, solver): (5 * ETH, 2 * ETH),  # locked for job 3
        (SOLVER_2, solver): (2 * ETH, 2 * ETH),  # locked for job 4
        (VERIFIER_1, verifier): (2 * ETH, 0),
        (VERIFIER_2, verifier): (ETH, 0),
        (REFEREES[0], referee): (ETH - REFEREE_SLASH, 0),
    }
    for (account, role), (total, locked) in stakes.items():
        session.add(
            Stake(
                deployment_id=dep,
                account=account,
                role=role,
                updated_block=240,
                updated_at=1_240,
                total=total,
                locked=locked,
                pending_withdrawal=0,
                withdrawable_at=0,
                registered=True,
            )
        )
    claimed = CreditEventKind.CLAIMED
    session.add_all(
        [
            _credit(
                dep,
                119,
                1,
                SOLVER_1,
                ETH - 2 * FEE_EACH,
                ETH - 2 * FEE_EACH,
                job_id=FINALIZED_JOB,
                cause="solver_pay",
            ),
            _credit(dep, 119, 2, VERIFIER_1, FEE_EACH, FEE_EACH, job_id=1, cause="verifier_fee"),
            _credit(dep, 119, 3, VERIFIER_2, FEE_EACH, FEE_EACH, job_id=1, cause="verifier_fee"),
            _credit(dep, 150, 0, SOLVER_1, ETH - 2 * FEE_EACH, 0, kind=claimed),
            _credit(
                dep,
                212,
                3,
                CHALLENGER,
                ETH // 10,
                ETH // 10,
                job_id=FAILED_JOB,
                game_id=1,
                cause="bond_refund",
            ),
            _credit(
                dep,
                230,
                2,
                CHALLENGER,
                ETH,
                ETH + ETH // 10,
                job_id=FAILED_JOB,
                cause="slash_share",
            ),
            _credit(
                dep,
                240,
                1,
                CHALLENGER,
                JACKPOT,
                ETH + ETH // 10 + JACKPOT,
                job_id=FAILED_JOB,
                cause="jackpot",
            ),
            _credit(
                dep,
                240,
                2,
                SUBMITTER_B,
                REIMBURSED,
                REIMBURSED,
                job_id=FAILED_JOB,
                cause="honeypot_reimbursement",
            ),
            _credit(dep, 519, 1, SOLVER_2, 3 * ETH, 3 * ETH, job_id=BIG_JOB, cause="solver_pay"),
            _credit(dep, 719, 1, SOLVER_1, ETH, ETH, job_id=SECOND_FINAL_JOB, cause="solver_pay"),
        ]
    )
    pool = 0
    for block, amount in ((50, ETH), (100, ETH // 100), (200, ETH // 100)):
        pool += amount
        session.add(
            JackpotFunding(**event_at(dep, block, 1), funder=SUBMITTER_A, amount=amount, pool=pool)
        )
    session.add(
        ForcedErrorReveal(
            **event_at(dep, 240),
            job_id=FAILED_JOB,
            whistleblower=WHISTLEBLOWER,
            step=FORCED_STEP,
            op_index=FAILED_OPS,
            winners=1,
            winning_challenger=CHALLENGER,
            jackpot=JACKPOT,
            honeypot_cost=ETH // 5,
            reimbursed=REIMBURSED,
        )
    )


def populate(session: Session) -> Scenario:
    """Write the whole scenario (the caller commits)."""
    old = deployment(session, chain_id=1)
    session.add(job(old, 1, 10, submitter=SUBMITTER_A))
    main = deployment(session)
    rows = _jobs(session, main)
    _verifiers(session, main)
    _disputes(session, main)
    _money(session, main)
    session.add(
        IndexerCursor(
            deployment_id=main,
            last_block=2_600,
            last_block_hash=h(12_600),
            updated_at=datetime.now(UTC),
        )
    )
    session.flush()
    return Scenario(
        main=main,
        old=old,
        statuses={i: r.status for i, r in rows.items()},
        submitters={i: r.submitter for i, r in rows.items()},
        solvers={i: r.solver for i, r in rows.items()},
    )
