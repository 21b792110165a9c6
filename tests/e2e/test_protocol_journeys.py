"""End-to-end journeys of the on-chain protocol, driven through the Python bindings on anvil.

Every test starts from the same staked devnet (see conftest) and is reverted afterwards.
Amounts are exact wei: with the devnet defaults a 0.5 ETH post escrows 0.49 ETH (2 % tax), each
of the two verifier fee shares is 0.01225 ETH, and a slash credits half to the winner.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from eth_hash.auto import keccak
from hexbytes import HexBytes

from assay.agents.actions import Choose, Open
from assay.agents.player import Traces, challenger_move, choose_at, solver_move
from assay.agents.responder import send_move
from assay.chain.devnet import ACTORS, Actor, Devnet
from assay.chain.errors import RevertError
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Game
from assay.protocol.types import (
    GameId,
    GameStatus,
    JobId,
    JobStatus,
    Party,
    RequestId,
    Role,
    StateHash,
)
from tests.conftest import past_challenge, past_reveal

pytestmark = pytest.mark.anvil

ETH = 10**18
BUDGET = ETH // 2
ESCROW = 490_000_000_000_000_000  # BUDGET minus the 2 % protocol tax
FEE_EACH = 12_250_000_000_000_000  # ESCROW * 5 % / 2 verifiers
SOLVER_STAKE = ETH
VERIFIER_STAKE = ETH // 2
BOND = ETH // 10
REFEREE_STAKE = ETH // 2
STEPS = 8
N_OPS = 4
ARITY = 2

# ------------------------------------------------------------------------------ the computation


def op(prev: bytes, step: int, index: int) -> StateHash:
    """Operator `index` of step `step`: what a referee recomputes from the agreed input."""
    return StateHash(keccak(bytes(prev) + step.to_bytes(4, "big") + index.to_bytes(4, "big")))


H0 = StateHash(keccak(b"assay e2e initial state"))


def make_traces(fault: tuple[int, int] | None = None) -> Traces:
    """h_0..h_T with N_OPS operators per step; `fault` = (step, op) computed wrong, then onwards."""
    steps = [H0]
    ops: dict[int, list[StateHash]] = {}
    for s in range(1, STEPS + 1):
        records = [steps[-1]]
        for j in range(1, N_OPS + 1):
            out = op(records[-1], s, j)
            if fault == (s, j):
                out = StateHash(keccak(b"wrong" + out))
            records.append(out)
        ops[s] = records
        steps.append(records[-1])
    return Traces(steps, lambda s: ops[s])


HONEST = make_traces()


# ------------------------------------------------------------------------------ helpers


def stake(net: Devnet, name: str, role: Role) -> tuple[int, int, int]:
    """(amount, locked, pendingWithdrawal) of an actor's stake."""
    s = net.actor("deployer").protocol.stakes.stake_of(net.actor(name).address, role)
    return s.amount, s.locked, s.pending_withdrawal


def credits(net: Devnet) -> dict[str, int]:
    """Every actor's claimable credit (the deployer is also the treasury)."""
    stakes = net.actor("deployer").protocol.stakes
    return {name: stakes.credit_of(net.actor(name).address) for name in ACTORS}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Non-zero credit changes by actor."""
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def by_address(net: Devnet, address: str) -> Actor:
    for name in ACTORS:
        if net.actor(name).address == address:
            return net.actor(name)
    raise AssertionError(f"{address} is no devnet actor")


def advance(net: Devnet, seconds: int) -> None:
    net.node.increase_time(seconds)
    net.node.mine()


def post_job(net: Devnet) -> JobId:
    return net.actor("submitter").protocol.market.post_job(
        spec_hash=keccak(b"e2e job.toml"),
        spec_uri="file://job.toml",
        steps=STEPS,
        graph_hash=keccak(b"e2e graph"),
        ops_per_step=N_OPS,
        initial_state=H0,
        budget_wei=BUDGET,
    )


def submit(net: Devnet, job_id: JobId, traces: Traces, sealed_tag: bytes | None = None) -> None:
    market = net.actor("solver").protocol.market
    market.submit_result(
        job_id,
        traces.steps[-1],
        MerkleTree(traces.steps).root,
        "file://model.safetensors",
        sealed_tag if sealed_tag is not None else secrets.token_bytes(32),
    )
    market.draw_verifiers(job_id)  # the next block: seeded by the submission's block


def submitted_job(net: Devnet, traces: Traces) -> JobId:
    job_id = post_job(net)
    net.actor("solver").protocol.market.claim_job(job_id)
    submit(net, job_id, traces)
    return job_id


def assigned_verifiers(net: Devnet, job_id: JobId) -> list[Actor]:
    assigned = net.actor("deployer").protocol.market.assignments(job_id)
    return [by_address(net, a.verifier) for a in assigned]


def challenge(net: Devnet, job_id: JobId) -> GameId:
    p = net.actor("challenger").protocol
    return p.game.challenge(job_id, p.market.get_job(job_id).final_state, BOND)


Chooser = Callable[[Game, Sequence[StateHash]], Choose]


def honest_chooser(truth: Traces) -> Chooser:
    def choose(game: Game, openings: Sequence[StateHash]) -> Choose:
        move = challenger_move(game, openings, truth, ARITY)
        assert move is not None
        return move

    return choose


def always_first(game: Game, openings: Sequence[StateHash]) -> Choose:
    """A dishonest challenger: disputes the first opening whatever it is."""
    return choose_at(game, openings, 0)


def play(
    net: Devnet,
    game_id: GameId,
    solver_traces: Traces,
    chooser: Chooser,
    until: Callable[[Game], bool] = lambda g: False,
) -> Game:
    """Play solver and challenger moves until adjudication, resolution or `until(game)`."""
    solver = net.actor("solver").protocol.game
    challenger = net.actor("challenger").protocol.game
    openings: list[StateHash] = []
    while True:
        g = challenger.get_game(game_id)
        moving = g.status in (
            GameStatus.STEP_BISECTION,
            GameStatus.AWAITING_OP_TRACE,
            GameStatus.OP_BISECTION,
        )
        if not moving or until(g):
            return g
        if g.turn == Party.SOLVER:
            move = solver_move(g, solver_traces, ARITY)
            assert move is not None
            receipt = send_move(solver, move)
            if isinstance(move, Open):
                openings = solver.openings_in(receipt)
                assert openings == list(move.hashes)
        else:
            send_move(challenger, chooser(g, openings))


def referee_votes(net: Devnet, request_id: RequestId, truth: Callable[..., StateHash] = op) -> None:
    """Draw a pending committee; every member of it recomputes the operator and votes."""
    court = net.actor("deployer").protocol.court
    req = court.get_request(request_id)
    if req.awaiting_draw:
        court.draw_committee(request_id)  # the next block: its seed (the request's block) is known
        req = court.get_request(request_id)
    for member in court.committee(request_id):
        by_address(net, member).protocol.court.vote(
            request_id, truth(req.input, req.step, req.op_index)
        )


def adjudicate(net: Devnet, game_id: GameId) -> Game:
    """Vote the true output of the disputed operator and resolve the request."""
    p = net.actor("deployer").protocol
    g = p.game.get_game(game_id)
    assert g.status == GameStatus.ADJUDICATING
    referee_votes(net, g.request_id)
    p.court.resolve(g.request_id)
    return p.game.get_game(game_id)


def expect_revert(name: str, fn: Callable[[], object]) -> RevertError:
    with pytest.raises(RevertError) as info:
        fn()
    assert info.value.name == name, info.value
    return info.value


def claim_credit(net: Devnet, name: str, expected: int) -> None:
    """Claim an actor's credit and check the exact ETH it received (net of gas)."""
    actor = net.actor(name)
    w3 = net.node.w3
    before = w3.eth.get_balance(actor.address)
    paid = actor.protocol.stakes.claim()
    tx = w3.eth.get_block("latest")["transactions"][0]
    receipt = w3.eth.get_transaction_receipt(HexBytes(tx if isinstance(tx, bytes) else tx["hash"]))
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert paid == expected
    assert w3.eth.get_balance(actor.address) == before + paid - gas
    assert actor.protocol.stakes.credit_of(actor.address) == 0


# ------------------------------------------------------------------------------ lifecycles


def test_happy_lifecycle_pays_everyone_and_unbonds(net: Devnet) -> None:
    market = net.actor("submitter").protocol.market
    stakes = net.actor("deployer").protocol.stakes
    assert stakes.treasury() == net.actor("deployer").address
    job_id = post_job(net)
    job = market.get_job(job_id)
    assert job.budget == ESCROW
    assert job.status == JobStatus.OPEN

    net.actor("solver").protocol.market.claim_job(job_id)
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH, SOLVER_STAKE, 0)
    submit(net, job_id, HONEST)
    verifiers = assigned_verifiers(net, job_id)
    assert sorted(v.name for v in verifiers) == ["verifier1", "verifier2"]
    for v in verifiers:
        assert stake(net, v.name, Role.VERIFIER) == (2 * ETH, VERIFIER_STAKE, 0)
        v.protocol.market.attest(job_id)

    expect_revert("TooEarly", lambda: market.finalize(job_id))
    advance(net, past_challenge(net, job_id))
    before = credits(net)
    market.finalize(job_id)
    assert market.job_status(job_id) == JobStatus.FINALIZED
    solver_pay = ESCROW - 2 * FEE_EACH
    assert delta(before, credits(net)) == {
        "solver": solver_pay,
        "verifier1": FEE_EACH,
        "verifier2": FEE_EACH,
    }
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH, 0, 0)
    # Attesters stay slashable until the reveal window closes.
    assert stake(net, "verifier1", Role.VERIFIER) == (2 * ETH, VERIFIER_STAKE, 0)

    claim_credit(net, "solver", solver_pay)
    claim_credit(net, "verifier1", FEE_EACH)
    claim_credit(net, "verifier2", FEE_EACH)
    expect_revert("NoCredit", lambda: net.actor("solver").protocol.stakes.claim())

    # Unbonding: the solver's whole stake, and the verifier's free part (its job lock still holds).
    solver_stakes = net.actor("solver").protocol.stakes
    verifier_stakes = net.actor("verifier1").protocol.stakes
    solver_stakes.request_withdrawal(Role.SOLVER, 3 * ETH)
    expect_revert(
        "InsufficientFreeStake",
        lambda: verifier_stakes.request_withdrawal(Role.VERIFIER, 2 * ETH),
    )
    verifier_stakes.request_withdrawal(Role.VERIFIER, 2 * ETH - VERIFIER_STAKE)
    err = expect_revert("StillUnbonding", lambda: solver_stakes.withdraw(Role.SOLVER))
    assert err.args["role"] == Role.SOLVER
    err = expect_revert("StillUnbonding", lambda: verifier_stakes.withdraw(Role.VERIFIER))
    assert err.args["role"] == Role.VERIFIER

    advance(net, job.params.revealWindow + 1)
    market.release_verifiers(job_id)
    assert stake(net, "verifier1", Role.VERIFIER) == (2 * ETH, 0, 2 * ETH - VERIFIER_STAKE)
    advance(net, solver_stakes.unbonding_delay())
    w3 = net.node.w3
    solver_balance = w3.eth.get_balance(net.actor("solver").address)
    receipt = solver_stakes.withdraw(Role.SOLVER)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(net.actor("solver").address) == solver_balance + 3 * ETH - gas
    assert stake(net, "solver", Role.SOLVER) == (0, 0, 0)
    verifier_stakes.withdraw(Role.VERIFIER)
    assert stake(net, "verifier1", Role.VERIFIER) == (VERIFIER_STAKE, 0, 0)


def test_missed_deadline_refunds_submitter_and_slashes_solver(net: Devnet) -> None:
    job_id = post_job(net)
    net.actor("solver").protocol.market.claim_job(job_id)
    reporter = net.actor("challenger").protocol.market
    solve_window = reporter.get_job(job_id).params.solveWindow
    expect_revert("TooEarly", lambda: reporter.report_missed_deadline(job_id))
    advance(net, solve_window + 1)
    expect_revert(
        "TooLate",
        lambda: net.actor("solver").protocol.market.submit_result(
            job_id, HONEST.steps[-1], MerkleTree(HONEST.steps).root, "x", secrets.token_bytes(32)
        ),
    )
    before = credits(net)
    reporter.report_missed_deadline(job_id)
    assert reporter.job_status(job_id) == JobStatus.FAILED
    # The slash share goes to the delayed submitter, not the reporter (a solver could self-report).
    assert delta(before, credits(net)) == {
        "submitter": ESCROW + SOLVER_STAKE // 2,
        "deployer": SOLVER_STAKE // 2,
    }
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH - SOLVER_STAKE, 0, 0)
    assert reporter.total_escrow() == 0


def test_cancelled_job_is_refunded_and_cannot_be_claimed(net: Devnet) -> None:
    market = net.actor("submitter").protocol.market
    job_id = post_job(net)
    err = expect_revert(
        "NotSubmitter", lambda: net.actor("solver").protocol.market.cancel_job(job_id)
    )
    assert err.args["caller"] == net.actor("solver").address
    before = credits(net)
    market.cancel_job(job_id)
    assert market.job_status(job_id) == JobStatus.CANCELLED
    assert delta(before, credits(net)) == {"submitter": ESCROW}
    err = expect_revert(
        "WrongStatus", lambda: net.actor("solver").protocol.market.claim_job(job_id)
    )
    assert err.args["actual"] == JobStatus.CANCELLED
    assert err.args["expected"] == JobStatus.OPEN
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH, 0, 0)
    claim_credit(net, "submitter", ESCROW)


# ------------------------------------------------------------------------------ disputes


def one_seat_court(net: Devnet) -> None:
    """A one-referee committee (the devnet default is 3), for exact stake assertions."""
    court = net.actor("deployer").protocol.court
    court.set_params(court.params().model_copy(update={"committeeSize": 1}))


def draw(net: Devnet, request_id: RequestId) -> list[str]:
    """Draw the pending committee (the next block, so the request block's hash seeds it)."""
    court = net.actor("deployer").protocol.court
    assert court.get_request(request_id).awaiting_draw
    court.draw_committee(request_id)
    return list(court.committee(request_id))


def test_dishonest_solver_loses_both_phases_and_is_slashed_attesters_released(net: Devnet) -> None:
    one_seat_court(net)
    cheat = make_traces(fault=(5, 3))
    job_id = submitted_job(net, cheat)
    attester, silent = assigned_verifiers(net, job_id)
    attester.protocol.market.attest(job_id)
    game_id = challenge(net, job_id)
    p = net.actor("deployer").protocol
    assert p.market.get_job(job_id).open_games == 1
    assert p.game.total_bonds() == BOND

    g = play(net, game_id, cheat, honest_chooser(HONEST), until=lambda g: g.step != 0)
    assert g.status == GameStatus.AWAITING_OP_TRACE
    assert (g.lo, g.hi, g.step, g.rounds) == (4, 5, 5, 3)
    assert (g.lo_hash, g.hi_hash) == (HONEST.steps[4], cheat.steps[5])

    g = play(net, game_id, cheat, honest_chooser(HONEST))
    assert g.status == GameStatus.ADJUDICATING
    assert (g.n_ops, g.lo, g.hi, g.rounds) == (N_OPS, 2, 3, 5)
    req = p.court.get_request(g.request_id)
    assert (req.step, req.op_index, req.round) == (5, 3, 1)
    assert req.input == HONEST.ops(5)[2]
    assert req.claimed_output == cheat.ops(5)[3] != HONEST.ops(5)[3]
    assert p.court.committee(g.request_id) == []  # scheduled, not drawn in the solver's transaction
    (referee,) = draw(net, g.request_id)
    referee_name = by_address(net, referee).name
    assert stake(net, referee_name, Role.REFEREE) == (2 * ETH, REFEREE_STAKE, 0)

    before = credits(net)
    g = adjudicate(net, game_id)
    assert g.status == GameStatus.CHALLENGER_WON
    assert stake(net, referee_name, Role.REFEREE) == (2 * ETH, 0, 0)
    job = p.market.get_job(job_id)
    assert job.status == JobStatus.FAILED
    assert job.winning_challenger == net.actor("challenger").address
    assert job.open_games == 0
    assert delta(before, credits(net)) == {"submitter": ESCROW, "challenger": BOND}
    assert p.game.total_bonds() == 0

    expect_revert("TooEarly", lambda: p.market.settle_failure(job_id))
    advance(net, past_reveal(net, job_id))
    before = credits(net)
    p.market.settle_failure(job_id)
    half = SOLVER_STAKE // 2
    # The challenger is no drawn verifier and the only winner: its share waits for its claim.
    assert delta(before, credits(net)) == {"deployer": half}
    net.actor("challenger").protocol.market.claim_winner_share(job_id)
    assert delta(before, credits(net)) == {"challenger": half, "deployer": half}
    expect_revert(
        "NothingToClaim", lambda: net.actor("challenger").protocol.market.claim_winner_share(job_id)
    )
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH - SOLVER_STAKE, 0, 0)
    # A lost game does not prove the attester lazy (a solver can lose on purpose from a second
    # address); only a forced-error reveal slashes attesters.
    assert stake(net, attester.name, Role.VERIFIER) == (2 * ETH, 0, 0)
    assert stake(net, silent.name, Role.VERIFIER) == (2 * ETH, 0, 0)
    expect_revert("AlreadySettled", lambda: p.market.settle_failure(job_id))


def test_dishonest_challenger_loses_bond_and_job_finalizes(net: Devnet) -> None:
    job_id = submitted_job(net, HONEST)
    game_id = challenge(net, job_id)
    p = net.actor("deployer").protocol
    g = play(net, game_id, HONEST, always_first)
    assert g.status == GameStatus.ADJUDICATING
    assert (g.step, g.lo, g.hi) == (1, 0, 1)
    req = p.court.get_request(g.request_id)
    assert (req.step, req.op_index, req.input) == (1, 1, H0)

    before = credits(net)
    g = adjudicate(net, game_id)
    assert g.status == GameStatus.SOLVER_WON
    assert delta(before, credits(net)) == {"solver": BOND // 2, "deployer": BOND // 2}
    assert p.market.job_status(job_id) == JobStatus.SUBMITTED
    assert p.market.get_job(job_id).open_games == 0

    advance(net, past_challenge(net, job_id))
    before = credits(net)
    p.market.finalize(job_id)
    assert p.market.job_status(job_id) == JobStatus.FINALIZED
    # Nobody attested: both fee shares go back to the submitter.
    assert delta(before, credits(net)) == {
        "solver": ESCROW - 2 * FEE_EACH,
        "submitter": 2 * FEE_EACH,
    }
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH, 0, 0)


def test_phase1_timeout_solver_never_opens(net: Devnet) -> None:
    job_id = submitted_job(net, make_traces(fault=(2, 1)))
    game_id = challenge(net, job_id)
    p = net.actor("challenger").protocol
    err = expect_revert("ClockNotExpired", lambda: p.game.timeout(game_id))
    assert err.args["turn"] == Party.SOLVER
    clock = p.market.get_job(job_id).params.clockBudget
    advance(net, clock + 1)
    assert p.game.clocks(game_id).solver == 0
    before = credits(net)
    p.game.timeout(game_id)
    g = p.game.get_game(game_id)
    assert g.status == GameStatus.CHALLENGER_WON
    assert p.market.job_status(job_id) == JobStatus.FAILED
    assert delta(before, credits(net)) == {"submitter": ESCROW, "challenger": BOND}


def test_phase2_timeout_solver_never_commits_op_trace(net: Devnet) -> None:
    cheat = make_traces(fault=(7, 2))
    job_id = submitted_job(net, cheat)
    game_id = challenge(net, job_id)
    g = play(
        net,
        game_id,
        cheat,
        honest_chooser(HONEST),
        until=lambda g: g.status == GameStatus.AWAITING_OP_TRACE,
    )
    assert (g.step, g.turn) == (7, Party.SOLVER)
    p = net.actor("challenger").protocol
    advance(net, p.market.get_job(job_id).params.clockBudget + 1)
    # A flag that fell stays fallen: the late commit is refused.
    late = solver_move(g, cheat, ARITY)
    assert late is not None
    expect_revert("ClockExpired", lambda: send_move(net.actor("solver").protocol.game, late))
    before = credits(net)
    p.game.timeout(game_id)
    assert p.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    assert p.market.job_status(job_id) == JobStatus.FAILED
    assert delta(before, credits(net)) == {"submitter": ESCROW, "challenger": BOND}


def test_phase2_timeout_challenger_stops_choosing(net: Devnet) -> None:
    job_id = submitted_job(net, HONEST)
    game_id = challenge(net, job_id)
    g = play(
        net,
        game_id,
        HONEST,
        always_first,
        until=lambda g: g.status == GameStatus.OP_BISECTION and g.turn == Party.CHALLENGER,
    )
    assert (g.step, g.n_ops, g.lo, g.hi) == (1, N_OPS, 0, N_OPS)
    p = net.actor("solver").protocol
    err = expect_revert("ClockNotExpired", lambda: p.game.timeout(game_id))
    assert err.args["turn"] == Party.CHALLENGER
    advance(net, p.market.get_job(job_id).params.clockBudget + 1)
    before = credits(net)
    p.game.timeout(game_id)
    assert p.game.get_game(game_id).status == GameStatus.SOLVER_WON
    assert delta(before, credits(net)) == {"solver": BOND // 2, "deployer": BOND // 2}
    p.market.finalize(job_id)
    assert p.market.job_status(job_id) == JobStatus.FINALIZED


# ------------------------------------------------------------------------------ referee court


def test_referee_no_show_is_slashed_and_committee_redrawn(net: Devnet) -> None:
    one_seat_court(net)
    cheat = make_traces(fault=(3, 4))
    job_id = submitted_job(net, cheat)
    game_id = challenge(net, job_id)
    g = play(net, game_id, cheat, honest_chooser(HONEST))
    assert g.status == GameStatus.ADJUDICATING
    p = net.actor("deployer").protocol
    rid = g.request_id
    (first,) = draw(net, rid)
    no_show = by_address(net, first)
    other = "referee2" if no_show.name == "referee" else "referee"
    assert p.court.get_request(rid).round == 1
    # The drawn referee walks away: it unbonds all its free stake and never votes, so a redraw
    # cannot pick it again (it still holds 1.5 ETH, enough for another round otherwise).
    no_show.protocol.stakes.request_withdrawal(Role.REFEREE, 2 * ETH - REFEREE_STAKE)
    err = expect_revert("VotingOpen", lambda: p.court.resolve(rid))
    assert err.args["votes"] == 0

    advance(net, p.court.get_request(rid).vote_window + 1)
    expect_revert(
        "VotingClosed",
        lambda: no_show.protocol.court.vote(rid, op(HONEST.ops(3)[3], 3, 4)),
    )
    before = credits(net)
    receipt = p.court.resolve(rid)
    names = [e.event for e in p.court.events_in(receipt)]
    assert names == ["RefereeSlashed", "NoMajority", "DrawScheduled"]
    slashed = p.court.events_in(receipt, "RefereeSlashed")[0].args
    assert (slashed["referee"], slashed["noShow"]) == (no_show.address, True)
    assert delta(before, credits(net)) == {"deployer": REFEREE_STAKE}
    assert stake(net, no_show.name, Role.REFEREE) == (
        2 * ETH - REFEREE_STAKE,
        0,
        2 * ETH - REFEREE_STAKE,
    )
    assert p.court.get_request(rid).round == 2
    assert draw(net, rid) in ([net.actor(other).address], [])
    # The bounded draw may come back empty (8 tries over 2 registered referees, 1 eligible);
    # an empty round then waits out its window and draws again.
    while not p.court.committee(rid):
        advance(net, p.court.get_request(rid).vote_window + 1)
        p.court.resolve(rid)
        draw(net, rid)
    req = p.court.get_request(rid)
    assert req.round >= 2 and not req.resolved
    assert p.court.committee(rid) == [net.actor(other).address]
    assert stake(net, other, Role.REFEREE) == (2 * ETH, REFEREE_STAKE, 0)

    g = adjudicate(net, game_id)
    assert g.status == GameStatus.CHALLENGER_WON
    assert p.court.get_request(rid).decision == HONEST.ops(3)[4]
    assert stake(net, other, Role.REFEREE) == (2 * ETH, 0, 0)
    assert p.market.job_status(job_id) == JobStatus.FAILED


# ------------------------------------------------------------------------------ forced errors


@dataclass(frozen=True)
class Honeypot:
    job_id: JobId
    salt: bytes
    cheat: Traces
    step: int
    op_index: int


def plant_honeypot(net: Devnet, step: int = 6, op_index: int = N_OPS) -> Honeypot:
    """The solver submits a deliberately wrong result sealed for the whistleblower.

    A real honeypot errs at the end state of its step (op_index = N): honest op records, wrong
    h_step. Another op_index plants a mid-step fault a reveal must not accept.
    """
    cheat = make_traces(fault=(step, op_index))
    job_id = post_job(net)
    solver = net.actor("solver").protocol
    solver.market.claim_job(job_id)
    salt = secrets.token_bytes(32)
    wb = net.actor("whistleblower").address
    tag = solver.registry.sealed_tag_for(job_id, salt, wb, step, op_index)
    words = (job_id, step, op_index)
    assert tag == keccak(
        words[0].to_bytes(32, "big")
        + salt
        + bytes(12)
        + bytes.fromhex(wb[2:])
        + words[1].to_bytes(32, "big")
        + words[2].to_bytes(32, "big")
    )
    submit(net, job_id, cheat, sealed_tag=tag)
    return Honeypot(job_id, salt, cheat, step, op_index)


def beat_honeypot(net: Devnet, pot: Honeypot, challenger: Actor) -> Game:
    """`challenger` challenges the honeypot, bisects to its fault honestly and wins in court."""
    p = net.actor("deployer").protocol
    solver = net.actor("solver").protocol.game
    game_id = challenger.protocol.game.challenge(
        pot.job_id, p.market.get_job(pot.job_id).final_state, BOND
    )
    openings: list[StateHash] = []
    g = p.game.get_game(game_id)
    while g.status in (
        GameStatus.STEP_BISECTION,
        GameStatus.AWAITING_OP_TRACE,
        GameStatus.OP_BISECTION,
    ):
        if g.turn == Party.SOLVER:
            move = solver_move(g, pot.cheat, ARITY)
            assert move is not None
            receipt = send_move(solver, move)
            if isinstance(move, Open):
                openings = solver.openings_in(receipt)
        else:
            choice = challenger_move(g, openings, HONEST, ARITY)
            assert choice is not None
            send_move(challenger.protocol.game, choice)
        g = p.game.get_game(game_id)
    req = p.court.get_request(g.request_id)
    assert (req.step, req.op_index) == (pot.step, pot.op_index)
    g = adjudicate(net, game_id)
    assert g.status == GameStatus.CHALLENGER_WON
    return g


def past_challenge_window(net: Devnet, job_id: JobId) -> None:
    now = int(net.node.w3.eth.get_block("latest")["timestamp"])
    deadline = net.actor("deployer").protocol.market.get_job(job_id).challenge_deadline
    advance(net, max(deadline - now, 0) + 1)


def test_forced_error_reveal_pays_jackpot_and_slashes_lazy_attester(net: Devnet) -> None:
    p = net.actor("deployer").protocol
    p.registry.fund(10 * ETH)
    pot = plant_honeypot(net)
    lazy, diligent = assigned_verifiers(net, pot.job_id)
    lazy.protocol.market.attest(pot.job_id)
    beat_honeypot(net, pot, diligent)
    assert p.market.job_status(pot.job_id) == JobStatus.FAILED
    assert p.market.error_proven_at(pot.job_id, pot.step, N_OPS)
    win = p.market.win_of(pot.job_id, diligent.address)
    assert (win.won, win.drawn, win.adjudicated, win.step, win.op_index) == (
        True,
        True,
        True,
        pot.step,
        N_OPS,
    )
    wb = net.actor("whistleblower").protocol.registry
    # Games may still open until the challenge window closes: no reveal before.
    err = expect_revert("TooEarly", lambda: wb.reveal(pot.job_id, pot.salt, pot.step, N_OPS))
    assert err.args["opensAt"] == p.market.get_job(pot.job_id).challenge_deadline + 1
    past_challenge_window(net, pot.job_id)

    params = p.registry.params()
    pool = p.registry.pool()
    assert pool == 10 * ETH + BUDGET - ESCROW
    expected = min(
        params.verificationCost * 10_000 // params.forcedErrorRateBps,
        pool * params.maxJackpotShareBps // 10_000,
    )
    assert expected == ETH  # 0.01 ETH cost at a 1 % honeypot rate, under the 20 % pool cap
    assert p.registry.jackpot_amount() == expected

    before = credits(net)
    paid = wb.reveal(pot.job_id, pot.salt, pot.step, N_OPS)
    assert (paid.step, paid.op_index, paid.winners) == (pot.step, N_OPS, 1)
    assert paid.jackpot == expected and paid.jackpot_to == (diligent.address,)
    # The job failed (budget refunded), so the honeypot cost its submitter the tax: paid back.
    tax = BUDGET - ESCROW
    assert paid.submitter == net.actor("submitter").address
    assert paid.cost == paid.reimbursed == tax == p.market.get_job(pot.job_id).tax
    assert p.registry.pool() == pool - expected - tax
    assert p.registry.revealed(pot.job_id)
    # The drawn winner gets the jackpot and the winner share of the lazy attester's slash.
    assert delta(before, credits(net)) == {
        diligent.name: expected + VERIFIER_STAKE // 2,
        "deployer": VERIFIER_STAKE // 2,
        "submitter": tax,
    }
    job = p.market.get_job(pot.job_id)
    assert job.forced_error and job.solver_settled and job.verifiers_released
    assert stake(net, "solver", Role.SOLVER) == (3 * ETH, 0, 0)
    assert stake(net, lazy.name, Role.VERIFIER) == (2 * ETH - VERIFIER_STAKE, 0, 0)
    assert stake(net, diligent.name, Role.VERIFIER) == (2 * ETH, 0, 0)
    expect_revert("AlreadyRevealed", lambda: wb.reveal(pot.job_id, pot.salt, pot.step, N_OPS))
    advance(net, job.params.revealWindow + 1)
    expect_revert("AlreadySettled", lambda: p.market.settle_failure(pot.job_id))


def test_reveal_rejects_non_whistleblower_and_wrong_salt(net: Devnet) -> None:
    pot = plant_honeypot(net)
    s, n = pot.step, N_OPS
    outsider = net.actor("challenger")
    err = expect_revert(
        "NotWhistleblower", lambda: outsider.protocol.registry.reveal(pot.job_id, pot.salt, s, n)
    )
    assert err.args["caller"] == outsider.address
    registry = net.actor("whistleblower").protocol.registry
    me = net.actor("whistleblower").address
    wrong = secrets.token_bytes(32)
    err = expect_revert("TagMismatch", lambda: registry.reveal(pot.job_id, wrong, s, n))
    assert err.args["expected"] == registry.sealed_tag_for(pot.job_id, pot.salt, me, s, n)
    assert err.args["computed"] == registry.sealed_tag_for(pot.job_id, wrong, me, s, n)
    # The tag also commits the location: the right salt at another (step, op) does not match.
    err = expect_revert("TagMismatch", lambda: registry.reveal(pot.job_id, pot.salt, s - 1, n))
    assert err.args["computed"] == registry.sealed_tag_for(pot.job_id, pot.salt, me, s - 1, n)
    # The right tag proves nothing before a game was won there by adjudication.
    err = expect_revert("ErrorNotProven", lambda: registry.reveal(pot.job_id, pot.salt, s, n))
    assert (err.args["step"], err.args["opIndex"]) == (s, n)
    assert not registry.revealed(pot.job_id)


def test_reveal_rejects_a_ruling_inside_the_step(net: Devnet) -> None:
    """A fault at an operator j < N, won in court there, proves only the op trace committed in
    the game wrong (a whistleblower's own solver and challenger could stage it): no reveal."""
    p = net.actor("deployer").protocol
    pot = plant_honeypot(net, step=4, op_index=2)
    _, diligent = assigned_verifiers(net, pot.job_id)
    beat_honeypot(net, pot, diligent)
    assert p.market.error_proven_at(pot.job_id, 4, 2)
    past_challenge_window(net, pot.job_id)
    registry = net.actor("whistleblower").protocol.registry
    err = expect_revert("ErrorNotProven", lambda: registry.reveal(pot.job_id, pot.salt, 4, 2))
    assert (err.args["step"], err.args["opIndex"]) == (4, 2)
    assert not registry.revealed(pot.job_id)


def test_openings_cache_reads_only_new_blocks_and_agrees_with_a_full_scan(net: Devnet) -> None:
    """At every challenger turn of a two-phase game, the agents' cached read of the pending
    openings equals a full scan from the deployment block and the opened hashes themselves,
    and each cached read starts after the block the previous one ended at."""
    from assay.agents.views import OpeningsCache, latest_openings

    cheat = make_traces(fault=(5, 3))
    game_id = challenge(net, submitted_job(net, cheat))
    assert net.deployment is not None
    start, game = net.deployment.block_number, net.actor("challenger").protocol.game
    cache, scanned = OpeningsCache(), []
    honest = honest_chooser(HONEST)

    def chooser(g: Game, openings: Sequence[StateHash]) -> Choose:
        cached = latest_openings(game, g, start, cache)
        assert cached == latest_openings(game, g, start) == tuple(openings)
        scanned.append(cache._seen[int(g.game_id)][0])
        return honest(g, openings)

    g = play(net, game_id, cheat, chooser)
    assert g.status == GameStatus.ADJUDICATING
    assert len(scanned) == g.rounds and scanned == sorted(set(scanned))
