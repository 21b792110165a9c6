"""Protocol journeys on a devnet, driven through the bindings, for the indexer tests: a paid job,
a dispute through both phases and the court, a honeypot reveal, a cancelled job, jobs short of a
verifier seat (filled later, or expired unverified)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from eth_hash.auto import keccak

from assay.agents.player import Traces, challenger_move, solver_move
from assay.agents.responder import send_move
from assay.chain.devnet import ACTORS, Actor, Devnet
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Game
from assay.protocol.types import GameId, GameStatus, JobId, Party, Role, StateHash
from tests.conftest import past_challenge, past_reveal

ETH = 10**18
STEPS = 4
N_OPS = 2
ARITY = 2
H0 = StateHash(keccak(b"indexer journeys h0"))


def _op(prev: bytes, step: int, index: int) -> StateHash:
    return StateHash(keccak(bytes(prev) + step.to_bytes(4, "big") + index.to_bytes(4, "big")))


def make_traces(fault: tuple[int, int] | None = None) -> Traces:
    """h_0..h_T with N_OPS operators per step; `fault` = (step, op) computed wrong, then on."""
    steps, ops = [H0], {}
    for s in range(1, STEPS + 1):
        records = [steps[-1]]
        for j in range(1, N_OPS + 1):
            out = _op(records[-1], s, j)
            records.append(StateHash(keccak(b"wrong" + out)) if fault == (s, j) else out)
        ops[s] = records
        steps.append(records[-1])
    return Traces(steps, lambda s: ops[s])


HONEST = make_traces()


def by_address(net: Devnet, address: str) -> Actor:
    """The devnet actor of an address."""
    for name in ACTORS:
        if net.actor(name).address.lower() == address.lower():
            return net.actor(name)
    raise AssertionError(f"{address} is no devnet actor")


def advance(net: Devnet, seconds: int) -> None:
    """Move the chain's clock forward (one empty block)."""
    net.node.increase_time(seconds)
    net.node.mine()


def post_job(net: Devnet, submitter: str = "submitter", budget: int = ETH // 2) -> JobId:
    """Post a STEPS-step job."""
    return net.actor(submitter).protocol.market.post_job(
        spec_hash=keccak(b"indexer job.toml"),
        spec_uri="file://job.toml",
        steps=STEPS,
        graph_hash=keccak(b"indexer graph"),
        ops_per_step=N_OPS,
        initial_state=H0,
        budget_wei=budget,
    )


def submitted_job(net: Devnet, traces: Traces = HONEST, sealed_tag: bytes | None = None) -> JobId:
    """Posted, claimed by `solver` and submitted with `traces`."""
    job_id = post_job(net)
    market = net.actor("solver").protocol.market
    market.claim_job(job_id)
    tag = sealed_tag if sealed_tag is not None else secrets.token_bytes(32)
    market.submit_result(
        job_id, traces.steps[-1], MerkleTree(traces.steps).root, "file://model", tag
    )
    market.draw_verifiers(job_id)  # the next block: seeded by the submission's block
    return job_id


def attest_all(net: Devnet, job_id: JobId) -> None:
    """Every assigned verifier attests."""
    for a in net.actor("deployer").protocol.market.assignments(job_id):
        by_address(net, a.verifier).protocol.market.attest(job_id)


@dataclass(frozen=True)
class Paid:
    job_id: JobId


def paid_job(net: Devnet) -> Paid:
    """Post, claim, submit, both verifiers attest, finalize, the solver claims its credit,
    the verifiers are released after the reveal window."""
    job_id = submitted_job(net)
    attest_all(net, job_id)
    market = net.actor("deployer").protocol.market
    params = market.get_job(job_id).params
    advance(net, past_challenge(net, job_id))
    market.finalize(job_id)
    net.actor("solver").protocol.stakes.claim()
    advance(net, params.revealWindow + 1)
    market.release_verifiers(job_id)
    return Paid(job_id)


@dataclass(frozen=True)
class Disputed:
    job_id: JobId
    game_id: GameId


def disputed_job(net: Devnet) -> Disputed:
    """A cheating solver (wrong op 2 of step 3), one attester, an honest challenger (no drawn
    verifier) who wins through both phases and the court; then the failure is settled and the
    challenger, the only winner, claims its share of the solver's slash."""
    cheat = make_traces(fault=(3, 2))
    job_id = submitted_job(net, cheat)
    first = net.actor("deployer").protocol.market.assignments(job_id)[0]
    by_address(net, first.verifier).protocol.market.attest(job_id)
    game_id = won_by_adjudication(net, job_id, cheat, "challenger")
    market = net.actor("deployer").protocol.market
    advance(net, past_reveal(net, job_id))
    market.settle_failure(job_id)
    net.actor("challenger").protocol.market.claim_winner_share(job_id)
    return Disputed(job_id, game_id)


def won_by_adjudication(net: Devnet, job_id: JobId, cheat: Traces, challenger: str) -> GameId:
    """`challenger` (an actor name) challenges the job, plays the bisection against `cheat` and
    wins in the court: the committee is drawn, every member votes the truth, resolved."""
    protocol = net.actor(challenger).protocol
    job = protocol.market.get_job(job_id)
    game_id = protocol.game.challenge(job_id, job.final_state, job.params.challengeBond)
    g = play(net, game_id, cheat, HONEST, challenger=challenger)
    assert g.status == GameStatus.ADJUDICATING, g
    court = net.actor("deployer").protocol.court
    court.draw_committee(g.request_id)
    req = court.get_request(g.request_id)
    for member in court.committee(g.request_id):
        by_address(net, member).protocol.court.vote(
            g.request_id, _op(req.input, req.step, req.op_index)
        )
    court.resolve(g.request_id)
    assert protocol.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    return game_id


def play(
    net: Devnet,
    game_id: GameId,
    solver_traces: Traces,
    truth: Traces,
    *,
    challenger: str = "challenger",
) -> Game:
    """Solver and honest challenger (the actor named `challenger`) moves until the game leaves
    the bisection phases."""
    solver = net.actor("solver").protocol.game
    opponent = net.actor(challenger).protocol.game
    openings: list[StateHash] = []
    while True:
        g = opponent.get_game(game_id)
        if g.status not in (
            GameStatus.STEP_BISECTION,
            GameStatus.AWAITING_OP_TRACE,
            GameStatus.OP_BISECTION,
        ):
            return g
        if g.turn == Party.SOLVER:
            move = solver_move(g, solver_traces, ARITY)
            assert move is not None
            receipt = send_move(solver, move)
            if g.status != GameStatus.AWAITING_OP_TRACE:
                openings = solver.openings_in(receipt)
        else:
            choice = challenger_move(g, openings, truth, ARITY)
            assert choice is not None
            send_move(opponent, choice)


HONEYPOT_STEP = 3  # a honeypot errs at the end state r_N of this step (N = N_OPS)


def honeypot_job(net: Devnet) -> JobId:
    """A honeypot sealed for the whistleblower that errs at the end state of step 3 (honest op
    records, wrong h_3); one drawn verifier attests it, the other challenges and wins in the
    court; after the challenge window the whistleblower reveals it: the attester is slashed
    (its winner share to the drawn winner), the jackpot goes to the drawn winner and the
    submitter is reimbursed (HoneypotReimbursed). The attester is the job's first assignment,
    the winner its second."""
    step = HONEYPOT_STEP
    wb = net.actor("whistleblower")
    salt = secrets.token_bytes(32)
    job_id = JobId(net.actor("deployer").protocol.market.job_count() + 1)
    tag = wb.protocol.registry.sealed_tag_for(job_id, salt, wb.address, step, N_OPS)
    cheat = make_traces(fault=(step, N_OPS))
    assert submitted_job(net, cheat, sealed_tag=bytes(tag)) == job_id
    market = net.actor("deployer").protocol.market
    attester, winner = (by_address(net, a.verifier) for a in market.assignments(job_id))
    attester.protocol.market.attest(job_id)
    won_by_adjudication(net, job_id, cheat, winner.name)
    # A reveal waits for the challenge window to close (inside the reveal window).
    deadline = market.challenge_deadline(job_id)
    advance(net, max(1, deadline + 1 - net.node.w3.eth.get_block("latest")["timestamp"]))
    wb.protocol.registry.reveal(job_id, salt, step, N_OPS)
    return job_id


def cancelled_job(net: Devnet, submitter: str = "submitter") -> JobId:
    """Posted, then cancelled by its submitter (refund credited)."""
    job_id = post_job(net, submitter)
    net.actor(submitter).protocol.market.cancel_job(job_id)
    return job_id


def short_of_a_seat(net: Devnet) -> JobId:
    """A job submitted while verifier2's stake is leaving: only one of its two seats is
    filled. verifier2's stake stays pending withdrawal (callers restake it to fill the seat)."""
    stakes = net.actor("verifier2").protocol.stakes
    address = net.actor("verifier2").address
    stakes.request_withdrawal(Role.VERIFIER, stakes.free_stake(address, Role.VERIFIER))
    job_id = submitted_job(net)
    assert len(net.actor("deployer").protocol.market.assignments(job_id)) == 1
    return job_id


def restarted_job(net: Devnet) -> JobId:
    """A job short of a seat until verifier2 stakes again and anyone fills it with
    drawVerifiers (the challenge window restarts); both verifiers attest."""
    job_id = short_of_a_seat(net)
    advance(net, 60)
    net.actor("verifier2").protocol.stakes.deposit(Role.VERIFIER, 2 * ETH)
    net.actor("challenger").protocol.market.draw_verifiers(job_id)
    attest_all(net, job_id)
    return job_id


def unverified_job(net: Devnet) -> JobId:
    """A job whose missing seat stays empty for a claim window past its challenge deadline:
    anyone expires it unverified (budget back to the submitter, solver and verifier released)."""
    job_id = short_of_a_seat(net)
    market = net.actor("deployer").protocol.market
    job = market.get_job(job_id)
    now = net.node.w3.eth.get_block("latest")["timestamp"]
    advance(net, job.challenge_deadline + job.params.claimWindow + 1 - now)
    market.expire_unverified(job_id)
    return job_id
