"""The indexer on a real devnet: protocol journeys -> rows that match the chain's own views,
idempotent re-indexing, confirmations, lag, reorgs (evm_snapshot / evm_revert) and events the
build does not know. Idempotency and reorgs run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import structlog
from eth_hash.auto import keccak
from hexbytes import HexBytes
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web3 import Web3

from assay.chain.artifacts import load_abi
from assay.chain.deploy import Deployment
from assay.chain.devnet import ACTORS, Devnet
from assay.protocol.types import GameStatus, JobStatus, Party, Role
from services.db.enums import CreditEventKind, MoveKind, ProtocolContract, StakeEventKind
from services.db.models import (
    AdjudicationRequest,
    AdjudicationVote,
    Attestation,
    ChallengeWindowRestart,
    CommitteeDraw,
    CommitteeMember,
    CommitteeRound,
    CreditEvent,
    ForcedErrorReveal,
    Game,
    IndexerCursor,
    Job,
    JobAssignment,
    ParamsChange,
    StakeEvent,
)
from services.indexer import IndexerError, status
from services.indexer.decode import LogDecoder
from services.indexer.source import BlockRef, ChainSource
from tests.services import journeys
from tests.services.indexer_db import assert_matches_chain, database, dump, indexer_on

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def devnet_module(contracts_built: Path) -> Iterator[Devnet]:
    """anvil + the protocol, every role-holding actor staked, once per module."""
    with Devnet() as net:
        net.stake_defaults()
        yield net


@pytest.fixture
def net(devnet_module: Devnet) -> Iterator[Devnet]:
    """The module's devnet, reverted after the test."""
    snap = devnet_module.node.snapshot()
    try:
        yield devnet_module
    finally:
        devnet_module.node.revert(snap)
        resync(devnet_module)


def resync(net: Devnet) -> None:
    """After a revert every account's nonce went back: forget the cached ones."""
    for name in ACTORS:
        net.actor(name).sender.resync_nonce()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def request_round(session: Session, request_id: int) -> CommitteeRound:
    """The first committee round of an adjudication request."""
    return session.scalars(
        select(CommitteeRound).where(
            CommitteeRound.request_id == request_id, CommitteeRound.round == 1
        )
    ).one()


def causes(session: Session, model: type[StakeEvent] | type[CreditEvent]) -> list[str | None]:
    """The `cause` column of every row of `model`, in chain order."""
    rows = session.execute(select(model.cause).order_by(model.block_number, model.log_index))
    return [cause for (cause,) in rows]


# ------------------------------------------------------------------------------ journeys


def test_paid_job_is_indexed_as_the_chain_has_it(net: Devnet, tmp_path: Path) -> None:
    paid = journeys.paid_job(net)
    with database("sqlite", tmp_path) as url, indexer_on(net, url, batch_blocks=7) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            job = s.get(Job, (ix.deployment_id, paid.job_id))
            assert job is not None
            chain_job = net.actor("deployer").protocol.market.get_job(paid.job_id)
            assert job.status == JobStatus.FINALIZED
            assert job.solver == net.actor("solver").address.lower()
            assert (job.budget, job.tax) == (chain_job.budget, chain_job.tax)
            assert job.claim_window == chain_job.params.claimWindow
            assert job.ops_per_step == chain_job.ops_per_step == journeys.N_OPS
            assert job.min_verifier_fee == chain_job.params.minVerifierFee
            assert job.challenge_window_per_step == chain_job.params.challengeWindowPerStep
            assert (job.window_start, job.challenge_deadline) == (
                chain_job.window_start,
                chain_job.challenge_deadline,
            )
            assert job.final_state == "0x" + bytes(chain_job.final_state).hex()
            assert job.verifiers_released_block is not None
            assert len(job.assignments) == len(job.attestations) == 2
            assert job.solver_pay is not None and job.verifier_pay is not None
            credits = s.scalars(select(CreditEvent).order_by(CreditEvent.block_number)).all()
            assert [(c.kind.value, c.cause, c.job_id) for c in credits[-4:]] == [
                ("Credited", "solver_pay", paid.job_id),
                ("Credited", "verifier_fee", paid.job_id),
                ("Credited", "verifier_fee", paid.job_id),
                ("Claimed", None, None),  # the solver withdrew its credit
            ]
            stake_causes = set(causes(s, StakeEvent))
            assert {"solver_claim", "verifier_assignment", "solver_release"} <= stake_causes
            assert "verifier_release" in stake_causes
            # The constructors' ParamsSet of every contract, as JSON with amounts as strings.
            params = s.scalars(
                select(ParamsChange).where(ParamsChange.contract == ProtocolContract.JOB_MARKET)
            ).one()
            assert params.params["solverStake"] == str(chain_job.params.solverStake)
            assert params.params["verifiersPerJob"] == 2


def test_dispute_through_both_phases_and_the_court(net: Devnet, tmp_path: Path) -> None:
    d = journeys.disputed_job(net)
    with database("sqlite", tmp_path) as url, indexer_on(net, url, batch_blocks=5) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            game = s.get(Game, (ix.deployment_id, d.game_id))
            assert game is not None
            assert game.status == GameStatus.CHALLENGER_WON
            assert game.winner == net.actor("challenger").address.lower()
            assert game.reason == "operator wrong"
            kinds = [m.kind for m in game.moves]
            # log2(4) step rounds, log2(2) op round: open/choose pairs, then the court's answer
            assert kinds == [
                MoveKind.STARTED,
                *[MoveKind.OPENED, MoveKind.NARROWED] * 2,
                MoveKind.STEP_ISOLATED,
                MoveKind.OP_TRACE_COMMITTED,
                MoveKind.OPENED,
                MoveKind.NARROWED,
                MoveKind.ADJUDICATION_REQUESTED,
                MoveKind.RESOLVED,
            ]
            assert [m.party for m in game.moves][:3] == [
                Party.CHALLENGER,
                Party.SOLVER,
                Party.CHALLENGER,
            ]
            assert game.moves[1].positions == [2] and len(game.moves[1].hashes or []) == 1
            request = s.scalars(select(AdjudicationRequest)).one()
            assert (request.game_id, request.step, request.op_index) == (d.game_id, 3, 2)
            # 3 seats, 2 eligible referees (the devnet's): both sit and both vote the truth
            assert request.decided_votes == 2 and request.decision is not None
            # the first round's draw was scheduled by the request, drawn in a later block
            draw = s.scalars(select(CommitteeDraw)).one()
            assert (draw.request_id, draw.round, draw.game_id) == (request.request_id, 1, d.game_id)
            assert draw.draw_block == request.block_number
            round_ = request_round(s, request.request_id)
            assert round_.block_number > draw.draw_block
            members = s.scalars(select(CommitteeMember)).all()
            assert len(members) == 2 and all(m.slashed_block is None for m in members)
            assert s.scalar(select(func.count()).select_from(AdjudicationVote)) == 2
            job = s.get(Job, (ix.deployment_id, d.job_id))
            assert job is not None
            assert job.status == JobStatus.FAILED
            assert (job.fail_reason, job.winning_challenger) == (
                "challenger won",
                net.actor("challenger").address.lower(),
            )
            assert job.solver_slashed == job.solver_stake
            assert job.verifiers_released_block == job.solver_settled_block
            # no drawn verifier won: the one winner's share is left for it to claim
            share = job.solver_stake * job.slash_winner_share_bps // 10_000
            assert (job.winner_share, job.winner_sharers, job.drawn_only) == (share, 1, False)
            (winner,) = job.winners
            assert (winner.challenger, winner.game_id) == (game.winner, d.game_id)
            assert (winner.drawn, winner.adjudicated) == (False, True)
            assert (winner.step, winner.op_index) == (3, journeys.N_OPS)
            assert winner.paid_amount == share and winner.paid_block is not None
            assert winner.jackpot is None
            chain_win = net.actor("deployer").protocol.market.win_of(
                d.job_id, net.actor("challenger").address
            )
            assert (chain_win.drawn, chain_win.adjudicated, chain_win.paid) == (False, True, True)
            # the market passed its credit on: a debit row, then the winner's credit
            debit = s.scalars(
                select(CreditEvent).where(CreditEvent.kind == CreditEventKind.TRANSFERRED)
            ).one()
            market = net.deployment.job_market.lower()  # type: ignore[union-attr]
            assert (debit.account, debit.amount, debit.cause) == (market, share, "winner_share")
            slash = s.scalars(
                select(StakeEvent).where(StakeEvent.kind == StakeEventKind.SLASHED)
            ).one()
            assert (slash.role, slash.cause, slash.job_id) == (
                Role.SOLVER,
                "lost_dispute",
                d.job_id,
            )
            # the winner share is credited to the market, which passes it on to the winners
            assert (slash.beneficiary, slash.to_beneficiary) == (market, share)
            credit_causes = set(causes(s, CreditEvent))
            assert {"bond_refund", "refund", "slash_share", "winner_share"} <= credit_causes
            locks = s.scalars(
                select(StakeEvent).where(
                    StakeEvent.role == Role.REFEREE, StakeEvent.kind == StakeEventKind.LOCKED
                )
            ).all()
            assert len(locks) == 2  # drawn by drawCommittee, in a transaction of its own
            for lock in locks:
                assert (lock.cause, lock.game_id, lock.job_id) == (
                    "committee_draw",
                    d.game_id,
                    d.job_id,
                )


def test_honeypot_reveal_fills_the_reimbursement(net: Devnet, tmp_path: Path) -> None:
    job_id = journeys.honeypot_job(net)
    market = net.actor("deployer").protocol.market
    attester, winner = (a.verifier.lower() for a in market.assignments(job_id))
    with database("sqlite", tmp_path) as url, indexer_on(net, url) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            reveal = s.get(ForcedErrorReveal, (ix.deployment_id, job_id))
            assert reveal is not None
            assert reveal.whistleblower == net.actor("whistleblower").address.lower()
            # the end state of the sealed step, where the drawn winner won in the court
            assert (reveal.step, reveal.op_index) == (journeys.HONEYPOT_STEP, journeys.N_OPS)
            assert (reveal.winners, reveal.winning_challenger) == (1, winner)
            assert reveal.jackpot > 0
            assert reveal.honeypot_cost is not None and reveal.honeypot_cost > 0
            assert reveal.reimbursed is not None and reveal.reimbursed > 0
            job = s.get(Job, (ix.deployment_id, job_id))
            assert job is not None and job.forced_error_block is not None
            assert job.status == JobStatus.FAILED
            assert (job.forced_error_step, job.forced_error_op_index) == (
                journeys.HONEYPOT_STEP,
                journeys.N_OPS,
            )
            assert job.forced_error_drawn_winners == 1
            assert job.attesters_slashed == job.verifier_stake  # the one attester
            assert job.solver_settled_block is None  # spared, not settled by settleFailure
            (won,) = job.winners
            assert (won.challenger, won.drawn, won.adjudicated) == (winner, True, True)
            assert (won.step, won.op_index) == (journeys.HONEYPOT_STEP, journeys.N_OPS)
            assert won.jackpot == reveal.jackpot and won.jackpot_block == reveal.block_number
            # the attester's winner share went to the drawn winner, in the reveal
            assert won.paid_amount == job.verifier_stake * job.slash_winner_share_bps // 10_000
            assert won.paid_block == reveal.block_number
            slashed = s.scalars(
                select(StakeEvent).where(StakeEvent.kind == StakeEventKind.SLASHED)
            ).all()
            assert [(e.account, e.cause) for e in slashed] == [(attester, "attested_honeypot")]
            paid = {(c.account, c.cause) for c in s.scalars(select(CreditEvent))}
            assert {(winner, "jackpot"), (winner, "winner_share")} <= paid
            assert (job.submitter, "honeypot_reimbursement") in paid


def test_seats_filled_late_restart_the_window_and_empty_seats_expire_the_job(
    net: Devnet, tmp_path: Path
) -> None:
    restarted = journeys.restarted_job(net)
    unverified = journeys.unverified_job(net)
    market = net.actor("deployer").protocol.market
    with database("sqlite", tmp_path) as url, indexer_on(net, url) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            job = s.get(Job, (ix.deployment_id, restarted))
            assert job is not None and job.status == JobStatus.SUBMITTED
            on_chain = market.get_job(restarted)
            assert (job.window_start, job.challenge_deadline) == (
                on_chain.window_start,
                on_chain.challenge_deadline,
            )
            # The first draw (the block after submission) fills one seat, the refill the second.
            first, restart = s.scalars(
                select(ChallengeWindowRestart)
                .where(ChallengeWindowRestart.job_id == restarted)
                .order_by(ChallengeWindowRestart.block_number)
            ).all()
            assert (first.seats_filled, restart.seats_filled) == (1, 2)
            assert first.previous_window_start == job.submitted_at
            assert restart.window_start == restart.block_time == job.window_start
            assert restart.previous_window_start == first.window_start
            assert restart.previous_deadline is not None
            assert restart.previous_deadline < restart.challenge_deadline
            assert len(job.assignments) == 2

            expired = s.get(Job, (ix.deployment_id, unverified))
            assert expired is not None and expired.status == JobStatus.EXPIRED
            assert (expired.seats_filled, expired.seats_needed) == (1, 2)
            assert expired.verifiers_released_block == expired.settled_block
            refund = s.scalars(
                select(CreditEvent).where(
                    CreditEvent.job_id == unverified, CreditEvent.cause == "refund"
                )
            ).one()
            assert refund.account == expired.submitter


# ------------------------------------------------------------------------------ idempotency


def test_indexing_a_range_twice_changes_nothing(net: Devnet, tmp_path: Path, backend: str) -> None:
    journeys.paid_job(net)
    journeys.cancelled_job(net)
    with database(backend, tmp_path) as url, indexer_on(net, url, batch_blocks=9) as (ix, eng):
        ix.run_until_caught_up()
        before = dump(eng)
        assert before["jobs"] and before["stake_events"] and before["credit_events"]
        head = net.node.w3.eth.block_number
        start = net.deployment.block_number  # type: ignore[union-attr]
        assert ix.index_range(start, head) > 0  # every log seen again ...
        assert ix.index_range(start + 20, head - 3) > 0
        assert dump(eng) == before  # ... and nothing changed
        with pytest.raises(IndexerError, match="would be skipped"):
            ix.index_range(head + 2, head + 3)


# ------------------------------------------------------------------------------ confirmations, lag


def test_waits_for_confirmations_and_reports_lag(net: Devnet, tmp_path: Path) -> None:
    journeys.post_job(net)
    head = net.node.w3.eth.block_number
    with database("sqlite", tmp_path) as url, indexer_on(net, url, confirmations=3) as (ix, eng):
        with structlog.testing.capture_logs() as logs:
            ix.run_until_caught_up()
        batch = [e for e in logs if e["event"] == "indexer.batch"][-1]
        assert (batch["head"], batch["lag"]) == (head, 3)
        with Session(eng) as s:
            st = status(s, net.node.w3)
            assert (st.cursor_block, st.head, st.lag) == (head - 3, head, 3)
            assert s.scalar(select(func.count()).select_from(Job)) == 0  # posted at the head
        net.node.mine(3)
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert status(s, net.node.w3).cursor_block == head
            assert s.scalar(select(func.count()).select_from(Job)) == 1


def test_status_without_an_index_says_what_to_do(net: Devnet, tmp_path: Path) -> None:
    with (
        database("sqlite", tmp_path) as url,
        indexer_on(net, url) as (_, eng),
        Session(eng) as s,
        pytest.raises(IndexerError, match="assay indexer run"),
    ):
        status(s, net.node.w3, deployment_id=99)


# ------------------------------------------------------------------------------ reorgs


def test_reorg_is_rolled_back_and_matches_a_fresh_index(
    net: Devnet, tmp_path: Path, backend: str
) -> None:
    node = net.node
    fork_block = node.w3.eth.block_number
    snap = node.snapshot()
    # Chain A: a job submitted and attested, a cancelled job.
    job_a = journeys.submitted_job(net)
    journeys.attest_all(net, job_a)
    journeys.cancelled_job(net)
    with database(backend, tmp_path, "a") as url, indexer_on(net, url, batch_blocks=4) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert s.scalar(select(func.count()).select_from(Attestation)) == 2
        old_cursor = node.w3.eth.block_number

        # Chain B from the fork: other transactions (another submitter, a claim, no submission),
        # and longer than A, so the cursor's block exists with another hash.
        node.revert(snap)
        resync(net)
        job_b = journeys.post_job(net, submitter="challenger", budget=journeys.ETH // 4)
        net.actor("solver").protocol.market.claim_job(job_b)
        journeys.cancelled_job(net)
        node.mine(old_cursor - node.w3.eth.block_number + 3)
        assert node.w3.eth.get_block(old_cursor) is not None

        result = ix.tick()
        assert result.reorg_fork == fork_block
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            assert s.scalar(select(func.count()).select_from(Attestation)) == 0
            assert s.scalar(select(func.count()).select_from(JobAssignment)) == 0
            job = s.get(Job, (ix.deployment_id, job_b))
            assert job is not None and job.status == JobStatus.CLAIMED
            assert job.submitter == net.actor("challenger").address.lower()
        with (
            database(backend, tmp_path, "b") as fresh_url,
            indexer_on(net, fresh_url) as (fresh, fresh_eng),
        ):
            fresh.run_until_caught_up()
            assert dump(eng) == dump(fresh_eng)


def test_a_reorged_window_restart_puts_the_submission_window_back(
    net: Devnet, tmp_path: Path, backend: str
) -> None:
    node = net.node
    job_id = journeys.short_of_a_seat(net)
    snap = node.snapshot()
    journeys.advance(net, 60)
    net.actor("verifier2").protocol.stakes.deposit(Role.VERIFIER, 2 * journeys.ETH)
    net.actor("challenger").protocol.market.draw_verifiers(job_id)
    with database(backend, tmp_path, "a") as url, indexer_on(net, url, batch_blocks=3) as (ix, eng):
        ix.run_until_caught_up()
        with Session(eng) as s:
            job = s.get(Job, (ix.deployment_id, job_id))
            assert job is not None and job.window_start != job.submitted_at
        old_head = node.w3.eth.block_number
        node.revert(snap)  # chain B: the seat is never filled
        resync(net)
        node.mine(old_head - node.w3.eth.block_number + 2)
        assert ix.tick().reorg_fork is not None
        ix.run_until_caught_up()
        with Session(eng) as s:
            assert_matches_chain(net, s)
            # Only the first draw's restart (before the fork) is left; the refill's is undone.
            (first,) = s.scalars(select(ChallengeWindowRestart)).all()
            assert first.seats_filled == 1
            job = s.get(Job, (ix.deployment_id, job_id))
            on_chain = net.actor("deployer").protocol.market.get_job(job_id)
            assert job is not None and job.window_start == first.window_start
            assert (job.window_start, job.challenge_deadline) == (
                on_chain.window_start,
                on_chain.challenge_deadline,
            )
        with (
            database(backend, tmp_path, "b") as fresh_url,
            indexer_on(net, fresh_url) as (fresh, fresh_eng),
        ):
            fresh.run_until_caught_up()
            assert dump(eng) == dump(fresh_eng)


def test_reorg_deeper_than_the_window_reindexes_everything(net: Devnet, tmp_path: Path) -> None:
    node = net.node
    snap = node.snapshot()
    journeys.submitted_job(net)
    node.mine(5)
    with (
        database("sqlite", tmp_path, "a") as url,
        indexer_on(net, url, batch_blocks=2, reorg_window=2) as (ix, eng),
    ):
        ix.run_until_caught_up()
        node.revert(snap)
        resync(net)
        journeys.cancelled_job(net)  # chain B is shorter: the cursor's block is gone
        with structlog.testing.capture_logs() as logs:
            assert ix.tick().reorg_fork == net.deployment.block_number - 1  # type: ignore[union-attr]
        assert any(e["event"] == "indexer.reorg_too_deep" for e in logs)
        ix.run_until_caught_up()
        with (
            database("sqlite", tmp_path, "b") as fresh_url,
            indexer_on(net, fresh_url) as (
                fresh,
                fresh_eng,
            ),
        ):
            fresh.run_until_caught_up()
            assert dump(eng) == dump(fresh_eng)


class ReorgWhileReading(ChainSource):
    """A node whose chain is replaced once, right after a batch's eth_getLogs (when `armed`)."""

    def __init__(self, net: Devnet, replace: Callable[[], None]) -> None:
        assert net.deployment is not None
        super().__init__(net.node.w3, net.deployment)
        self.replace = replace
        self.armed = False

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockRef | None]:
        if self.armed:
            self.armed = False
            self.replace()
        return super().blocks(numbers)


def test_a_chain_replaced_while_a_batch_is_read_is_not_written(net: Devnet, tmp_path: Path) -> None:
    node = net.node
    snap = node.snapshot()

    def replace() -> None:  # chain B: a cancelled job instead of a submitted one
        node.revert(snap)
        resync(net)
        journeys.cancelled_job(net, submitter="solver2")
        node.mine(4)

    source = ReorgWhileReading(net, replace)
    with database("sqlite", tmp_path, "a") as url, indexer_on(net, url, source=source) as (ix, eng):
        ix.run_until_caught_up()
        journeys.submitted_job(net)  # chain A
        source.armed = True
        with structlog.testing.capture_logs() as logs:
            assert ix.tick().retried
        assert [e["event"] for e in logs if e["event"].startswith("indexer.")] == [
            "indexer.chain_moved"
        ]
        ix.run_until_caught_up()
        with (
            database("sqlite", tmp_path, "b") as fresh_url,
            indexer_on(net, fresh_url) as (
                fresh,
                fresh_eng,
            ),
        ):
            fresh.run_until_caught_up()
            assert dump(eng) == dump(fresh_eng)
        with Session(eng) as s:
            (job,) = s.scalars(select(Job)).all()
            assert job.status == JobStatus.CANCELLED


# ------------------------------------------------------------------------------ unknown events


def test_an_event_the_build_does_not_know_is_logged_and_skipped(
    net: Devnet, tmp_path: Path
) -> None:
    # An older build of ForcedErrorRegistry, without HoneypotReimbursed.
    assert net.deployment is not None
    abis = {c: load_abi(c.value) for c in ProtocolContract}
    registry = ProtocolContract.FORCED_ERROR_REGISTRY
    abis[registry] = [e for e in abis[registry] if e.get("name") != "HoneypotReimbursed"]
    w3 = net.node.w3
    source = ChainSource(w3, net.deployment, LogDecoder(w3, net.deployment, abis))
    job_id = journeys.honeypot_job(net)
    with database("sqlite", tmp_path) as url, indexer_on(net, url, source=source) as (ix, eng):
        with structlog.testing.capture_logs() as logs:
            ix.run_until_caught_up()
        unknown = [e for e in logs if e["event"] == "indexer.unknown_event"]
        assert len(unknown) == 1 and unknown[0]["contract"] == "ForcedErrorRegistry"
        with Session(eng) as s:
            reveal = s.get(ForcedErrorReveal, (ix.deployment_id, job_id))
            assert reveal is not None and reveal.honeypot_cost is None
            cursor = s.get(IndexerCursor, ix.deployment_id)
            assert cursor is not None and cursor.last_block == w3.eth.block_number


def test_decoder_skips_a_topic_in_no_abi(contracts_built: Path) -> None:
    address = "0x" + "11" * 20
    deployment = Deployment(
        chain_id=1,
        deployer=Web3.to_checksum_address("0x" + "22" * 20),
        block_number=1,
        stake_manager=Web3.to_checksum_address("0x" + "33" * 20),
        randomness=Web3.to_checksum_address("0x" + "44" * 20),
        job_market=Web3.to_checksum_address(address),
        referee_court=Web3.to_checksum_address("0x" + "55" * 20),
        dispute_game=Web3.to_checksum_address("0x" + "66" * 20),
        forced_error_registry=Web3.to_checksum_address("0x" + "77" * 20),
    )
    decoder = LogDecoder(Web3(), deployment)
    entry = {
        "address": Web3.to_checksum_address(address),
        "topics": [HexBytes(keccak(b"Surprise(uint256)"))],
        "data": HexBytes(b"\x00" * 32),
        "blockNumber": 7,
        "blockHash": HexBytes(b"\x01" * 32),
        "transactionHash": HexBytes(b"\x02" * 32),
        "logIndex": 0,
    }
    with structlog.testing.capture_logs() as logs:
        assert decoder.decode([entry, entry]) == []  # type: ignore[list-item]
    assert decoder.unknown == 2
    assert [e["event"] for e in logs] == ["indexer.unknown_event"]  # warned once per topic


def test_job_parameters_are_read_in_batches_and_one_by_one_alike(
    net: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getJob for many posted jobs in JSON-RPC batches gives what single calls give; a batch
    the node refuses falls back to single calls."""
    ids = [journeys.post_job(net) for _ in range(3)]
    assert net.deployment is not None
    source = ChainSource(net.node.w3, net.deployment)
    head = net.node.w3.eth.get_block("latest")["hash"].to_0x_hex()
    wanted = [(int(j), head) for j in ids]
    batched = source.jobs(wanted)
    assert batched == {j: source.job(j, h) for j, h in wanted}
    assert {int(job["submitter"], 16) for job in batched.values()} == {
        int(net.actor("submitter").address, 16)
    }

    def refuse(*args: object, **kwargs: object) -> None:
        raise ValueError("batch requests are not supported by this node")

    monkeypatch.setattr(source.w3, "batch_requests", refuse)
    assert source.jobs(wanted) == batched
