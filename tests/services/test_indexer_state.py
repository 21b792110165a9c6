"""The indexer's pure core: game and stake transitions, and the causes read from a transaction's
logs (the chain-backed tests check the same against getGame/stakeOf; these pin the edge cases)."""

from __future__ import annotations

from typing import Any

from assay.protocol.types import GameStatus, Party, Role
from services.db.enums import MoveKind, ProtocolContract, StakeEventKind
from services.indexer.causes import tx_context
from services.indexer.decode import ChainLog, json_params
from services.indexer.state import (
    ZERO_HASH,
    GameTerms,
    StakeSnapshot,
    game_moved,
    game_started,
    stake_changed,
)

H0, HT, H2 = "0x" + "01" * 32, "0x" + "02" * 32, "0x" + "03" * 32
SOLVER, CHALLENGER, SUBMITTER = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
TERMS = GameTerms(SOLVER, H0, HT, clock_budget=100, min_clock_extension=30)


def test_moves_charge_the_mover_and_top_up_the_opponent() -> None:
    g = game_started(TERMS, steps=4, time=1_000)
    assert (g.status, g.turn, g.lo, g.hi, g.lo_hash, g.hi_hash) == (
        GameStatus.STEP_BISECTION,
        Party.SOLVER,
        0,
        4,
        H0,
        HT,
    )
    g = game_moved(g, MoveKind.OPENED, {}, 1_090, TERMS, CHALLENGER)
    assert (g.solver_clock, g.challenger_clock, g.turn) == (10, 100, Party.CHALLENGER)
    # lo stays 0: the contract logs its unwritten slot, the game keeps h_0
    args = {"lo": 0, "hi": 2, "loHash": ZERO_HASH, "hiHash": H2}
    g = game_moved(g, MoveKind.NARROWED, args, 1_095, TERMS, CHALLENGER)
    assert (g.solver_clock, g.challenger_clock) == (30, 95)  # solver topped up to the minimum
    assert (g.lo, g.hi, g.lo_hash, g.hi_hash, g.rounds, g.turn) == (0, 2, H0, H2, 1, Party.SOLVER)
    g = game_moved(
        g, MoveKind.RESOLVED, {"outcome": 5, "reason": "timeout"}, 2_000, TERMS, CHALLENGER
    )
    assert (g.status, g.turn, g.winner, g.last_move_at) == (
        GameStatus.CHALLENGER_WON,
        None,
        CHALLENGER,
        1_095,  # resolution is not a move: the clocks stay as they were
    )


def test_a_slash_clamps_the_pending_withdrawal() -> None:
    s = StakeSnapshot(total=10, locked=6, pending_withdrawal=4, withdrawable_at=7)
    s = stake_changed(s, StakeEventKind.SLASHED, {"amount": 6})
    assert s == StakeSnapshot(total=4, locked=0, pending_withdrawal=4, withdrawable_at=7)
    s = stake_changed(s, StakeEventKind.WITHDRAWN, {"amount": 4})
    assert (s.total, s.pending_withdrawal) == (0, 0)
    assert stake_changed(s, StakeEventKind.REGISTERED, {}).registered


def _log(contract: ProtocolContract, event: str, index: int, **args: Any) -> ChainLog:
    return ChainLog(contract, event, args, 1, "0x" + "00" * 32, "0x" + "11" * 32, index)


SM, JM, FE = (
    ProtocolContract.STAKE_MANAGER,
    ProtocolContract.JOB_MARKET,
    ProtocolContract.FORCED_ERROR_REGISTRY,
)


def test_finalize_credits_are_told_apart_by_account() -> None:
    tx = [
        _log(JM, "JobFinalized", 0, jobId=3, solver=SOLVER, solverPay=8, verifierPay=1),
        _log(SM, "Unlocked", 1, account=SOLVER, role=int(Role.SOLVER), amount=5, totalLocked=0),
        _log(SM, "Credited", 2, account=SOLVER, amount=8, newCredit=8),
        _log(SM, "Credited", 3, account=SUBMITTER, amount=1, newCredit=1),
        _log(SM, "Credited", 4, account=CHALLENGER, amount=1, newCredit=1),
    ]
    ctx = tx_context(tx, lambda job: SUBMITTER if job == 3 else None)
    assert ctx.job_id == 3
    assert dict(ctx.causes) == {
        1: "solver_release",
        2: "solver_pay",
        3: "refund",
        4: "verifier_fee",
    }


def test_a_reveal_pays_the_winner_share_then_the_jackpot_then_the_reimbursement() -> None:
    # The drawn winner is also the honeypot's submitter: three credits to one account.
    market = "0x" + "dd" * 20
    tx = [
        _log(SM, "Unlocked", 0, account=SOLVER, role=int(Role.SOLVER), amount=9, totalLocked=0),
        _log(SM, "Credited", 1, account=market, amount=2, newCredit=2),
        _log(SM, "Credited", 2, account=SOLVER, amount=2, newCredit=2),
        _log(SM, "Slashed", 3, account=SOLVER, role=int(Role.VERIFIER), amount=4,
             beneficiary=market, toBeneficiary=2),
        _log(JM, "ForcedErrorMarked", 4, jobId=1, step=3, opIndex=2, drawnWinners=1,
             attestersSlashed=4),
        _log(JM, "WinnerSharePaid", 5, jobId=1, winner=CHALLENGER, amount=2),
        _log(SM, "CreditTransferred", 6, **{"from": market, "to": CHALLENGER, "amount": 2}),
        _log(SM, "Credited", 7, account=CHALLENGER, amount=2, newCredit=2),
        _log(FE, "ForcedErrorRevealed", 8, jobId=1, whistleblower=SUBMITTER, step=3, opIndex=2,
             winners=1, jackpot=5),
        _log(FE, "HoneypotReimbursed", 9, jobId=1, submitter=CHALLENGER, cost=3, reimbursed=3),
        _log(FE, "JackpotPaid", 10, jobId=1, winner=CHALLENGER, amount=5),
        _log(SM, "Credited", 11, account=CHALLENGER, amount=5, newCredit=7),
        _log(SM, "Credited", 12, account=CHALLENGER, amount=3, newCredit=10),
    ]  # fmt: skip
    causes = tx_context(tx, lambda job: None).causes
    assert dict(causes) == {
        0: "honeypot_solver_spared",
        1: "slash_share",
        2: "slash_share",
        3: "attested_honeypot",
        6: "winner_share",
        7: "winner_share",
        11: "jackpot",
        12: "honeypot_reimbursement",
    }


def test_a_reveal_without_a_drawn_winner_only_reimburses() -> None:
    tx = [
        _log(FE, "ForcedErrorRevealed", 0, jobId=1, whistleblower=SUBMITTER, step=3, opIndex=2,
             winners=0, jackpot=0),
        _log(FE, "HoneypotReimbursed", 1, jobId=1, submitter=SUBMITTER, cost=3, reimbursed=3),
        _log(SM, "Credited", 2, account=SUBMITTER, amount=3, newCredit=3),
    ]  # fmt: skip
    assert dict(tx_context(tx, lambda job: None).causes) == {2: "honeypot_reimbursement"}


def test_a_split_winner_share_leaves_its_dust_to_the_treasury() -> None:
    market, treasury, other = "0x" + "dd" * 20, "0x" + "ee" * 20, "0x" + "ef" * 20
    tx = [
        _log(JM, "FailureSettled", 0, jobId=1, solverSlashed=9, winnerShare=5, winners=2,
             drawnOnly=True),
        _log(JM, "WinnerSharePaid", 1, jobId=1, winner=CHALLENGER, amount=2),
        _log(SM, "CreditTransferred", 2, **{"from": market, "to": CHALLENGER, "amount": 2}),
        _log(SM, "Credited", 3, account=CHALLENGER, amount=2, newCredit=2),
        _log(JM, "WinnerSharePaid", 4, jobId=1, winner=other, amount=2),
        _log(SM, "CreditTransferred", 5, **{"from": market, "to": other, "amount": 2}),
        _log(SM, "Credited", 6, account=other, amount=2, newCredit=2),
        _log(SM, "CreditTransferred", 7, **{"from": market, "to": treasury, "amount": 1}),
        _log(SM, "Credited", 8, account=treasury, amount=1, newCredit=1),
    ]  # fmt: skip
    assert dict(tx_context(tx, lambda job: None).causes) == {
        2: "winner_share",
        3: "winner_share",
        5: "winner_share",
        6: "winner_share",
        7: "rounding_dust",
        8: "rounding_dust",
    }


def test_params_json_flattens_the_struct_and_keeps_wide_amounts_exact() -> None:
    inputs = [
        {
            "name": "params",
            "type": "tuple",
            "components": [
                {"name": "refereeStake", "type": "uint128"},
                {"name": "voteWindow", "type": "uint64"},
            ],
        }
    ]
    args = {"params": {"refereeStake": 2**70, "voteWindow": 600}}
    assert json_params(inputs, args) == {"refereeStake": str(2**70), "voteWindow": 600}
