"""The API's read routes over a populated database, on SQLite and PostgreSQL: jobs with
pagination and filters, job timelines, disputes, accounts, the leaderboard, protocol stats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.db import make_engine
from services.db.models import (
    AdjudicationRequest,
    ChallengeWindowRestart,
    CommitteeDraw,
    CommitteeRound,
    Job,
)
from tests.services.api_app import BACKENDS, Api, assert_problem, populated_api
from tests.services.api_rows import (
    ATTESTER_SLASH,
    BIG_JOB,
    CHALLENGER,
    CLAIMED_JOB,
    DISPUTED_JOB,
    ETH,
    FAILED_JOB,
    FAILED_OPS,
    FEE_EACH,
    FINALIZED_JOB,
    FORCED_STEP,
    JACKPOT,
    JOBS,
    POOL,
    REFEREE_SLASH,
    REFEREES,
    REIMBURSED,
    RUNNING_GAME,
    SOLVER_1,
    SOLVER_2,
    SOLVER_SLASH,
    SUBMITTER_A,
    SUBMITTER_B,
    VERIFIER_1,
    VERIFIER_2,
    WHISTLEBLOWER,
)
from tests.services.db_rows import event_at


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One populated database per backend, shared by this module's (read-only) tests."""
    with populated_api(request.param, tmp_path_factory.mktemp("api")) as running:
        yield running


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _pages(client: TestClient, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a listing, following next_cursor."""
    pages, cursor = [], None
    while True:
        body = _get(client, path, **params, **({"cursor": cursor} if cursor else {}))
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


# ---------------------------------------------------------------- jobs


@pytest.mark.parametrize("limit", [1, 7, 25, 200])
def test_job_pages_return_every_job_once_newest_first(api: Api, limit: int) -> None:
    pages = _pages(api.client, "/v1/jobs", limit=limit)
    ids = [j["job_id"] for page in pages for j in page]
    assert ids == list(range(JOBS, 0, -1))
    assert all(len(page) <= limit for page in pages)
    assert len(pages) == -(-JOBS // limit)  # a full last page still ends the listing


def test_job_pages_stay_stable_under_filters(api: Api) -> None:
    pages = _pages(api.client, "/v1/jobs", limit=2, status=["open", "cancelled"])
    ids = [j["job_id"] for page in pages for j in page]
    expected = [
        i
        for i, s in sorted(api.scenario.statuses.items(), reverse=True)
        if s in (JobStatus.OPEN, JobStatus.CANCELLED)
    ]
    assert ids == expected and len(set(ids)) == len(ids)


def test_jobs_filter_by_status_submitter_and_solver(api: Api) -> None:
    sc = api.scenario
    finalized = _get(api.client, "/v1/jobs", status="finalized")["items"]
    assert {j["job_id"] for j in finalized} == {
        i for i, s in sc.statuses.items() if s is JobStatus.FINALIZED
    }
    by_b = _get(api.client, "/v1/jobs", submitter=SUBMITTER_B.upper().replace("0X", "0x"))
    assert {j["job_id"] for j in by_b["items"]} == {
        i for i, a in sc.submitters.items() if a == SUBMITTER_B
    }
    solved = _get(api.client, "/v1/jobs", solver=SOLVER_2, status=["claimed", "failed"])["items"]
    assert [j["job_id"] for j in solved] == [CLAIMED_JOB, FAILED_JOB]
    assert _get(api.client, "/v1/jobs", solver=CHALLENGER)["items"] == []


def test_jobs_default_to_the_newest_deployment(api: Api) -> None:
    sc = api.scenario
    assert _get(api.client, "/v1/jobs")["items"][0]["deployment_id"] == sc.main
    old = _get(api.client, "/v1/jobs", deployment=sc.old)["items"]
    assert [(j["deployment_id"], j["job_id"]) for j in old] == [(sc.old, 1)]
    assert _get(api.client, "/v1/jobs/1", deployment=sc.old)["submitter"] == SUBMITTER_A
    deployments = _get(api.client, "/v1/deployments")["items"]
    assert [d["id"] for d in deployments] == [sc.main, sc.old]
    assert deployments[0]["indexed_block"] == 2_600


def test_finalized_job_detail_has_result_settlement_and_verifiers(api: Api) -> None:
    job = _get(api.client, f"/v1/jobs/{FINALIZED_JOB}")
    assert job["status"] == "finalized" and job["solver"] == SOLVER_1
    assert job["budget"] == str(ETH) and job["params"]["verifiers_per_job"] == 2
    assert job["result"]["final_state"].startswith("0x") and job["result"]["trace_root"]
    settlement = job["settlement"]
    assert settlement["outcome"] == "finalized"
    assert settlement["solver_pay"] == str(ETH - 2 * FEE_EACH)
    assert settlement["verifier_pay"] == str(2 * FEE_EACH)
    assert [(v["verifier"], v["attested_at"] is not None) for v in job["verifiers"]] == [
        (VERIFIER_1, True),
        (VERIFIER_2, True),
    ]
    kinds = [e["kind"] for e in job["timeline"]]
    assert kinds == [
        "posted",
        "claimed",
        "submitted",
        "verifier_assigned",
        "verifier_assigned",
        "attested",
        "attested",
        "finalized",
        "payout",
        "payout",
        "payout",
    ]
    payouts = [(e["account"], e["amount"], e["note"]) for e in job["timeline"][-3:]]
    assert payouts[0] == (SOLVER_1, str(ETH - 2 * FEE_EACH), "solver_pay")


def test_failed_job_timeline_tells_the_dispute_in_chain_order(api: Api) -> None:
    job = _get(api.client, f"/v1/jobs/{FAILED_JOB}")
    events = job["timeline"]
    positions = [(e["block_number"], e["log_index"]) for e in events]
    assert [b for b, _ in positions] == sorted(b for b, _ in positions)
    moves = [e["move"] for e in events if e["game_id"] == 1 and e["move"]]
    assert moves == [
        "started",
        "opened",
        "narrowed",
        "step_isolated",
        "op_trace_committed",
        "adjudication_requested",
        "resolved",
    ]
    kinds = [e["kind"] for e in events]
    for kind in ("failed", "failure_settled", "forced_error_marked", "forced_error_revealed"):
        assert kind in kinds
    assert kinds.index("dispute_resolved") < kinds.index("failed")
    slashes = {(e["account"], e["amount"]) for e in events if e["kind"] == "slashed"}
    assert slashes == {(SOLVER_2, str(SOLVER_SLASH)), (VERIFIER_1, str(ATTESTER_SLASH))}
    assert job["settlement"]["winning_challenger"] == CHALLENGER
    assert job["settlement"]["fail_reason"] == "challenge won"
    assert [d["game_id"] for d in job["disputes"]] == [1]


def test_jobs_show_their_ops_per_step_and_challenge_window(api: Api) -> None:
    listed = {j["job_id"]: j for page in _pages(api.client, "/v1/jobs") for j in page}
    assert listed[FAILED_JOB]["ops_per_step"] == FAILED_OPS
    assert listed[FINALIZED_JOB]["ops_per_step"] == 4
    job = _get(api.client, f"/v1/jobs/{DISPUTED_JOB}")
    assert job["ops_per_step"] == 4
    result = job["result"]
    assert result["window_start"] == job["submitted_at"]
    assert result["challenge_deadline"] == result["window_start"] + 600
    assert result["window_restarts"] == 0
    params = job["params"]
    assert (params["challenge_window_per_step"], params["min_verifier_fee"]) == (0, str(10**15))


def test_failed_job_lists_its_winners_shares_and_the_forced_error_location(api: Api) -> None:
    job = _get(api.client, f"/v1/jobs/{FAILED_JOB}")
    (winner,) = job["winners"]
    assert (winner["challenger"], winner["game_id"]) == (CHALLENGER, 1)
    assert (winner["drawn"], winner["adjudicated"]) == (True, True)
    assert (winner["step"], winner["op_index"]) == (FORCED_STEP, FAILED_OPS)
    assert (winner["share_paid"], winner["share_paid_at"]) == (str(ETH), 1_230)
    assert (winner["jackpot"], winner["jackpot_paid_at"]) == (str(JACKPOT), 1_240)
    settlement = job["settlement"]
    assert (settlement["winner_share"], settlement["winner_sharers"]) == (str(ETH), 1)
    assert settlement["drawn_only"] is True
    assert (settlement["seats_filled"], settlement["seats_needed"]) == (None, None)
    forced = settlement["forced_error"]
    # the end state of the step: op_index is the job's ops per step
    assert (forced["step"], forced["op_index"]) == (FORCED_STEP, job["ops_per_step"])
    assert (forced["drawn_winners"], forced["whistleblower"]) == (1, WHISTLEBLOWER)
    assert (forced["jackpot"], forced["reimbursed"]) == (str(JACKPOT), str(REIMBURSED))
    assert forced["attesters_slashed"] == str(ATTESTER_SLASH) and forced["revealed_at"] == 1_240
    # jobs nobody won have no winners and no forced error
    finalized = _get(api.client, f"/v1/jobs/{FINALIZED_JOB}")
    assert finalized["winners"] == [] and finalized["settlement"]["forced_error"] is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_restarted_window_and_an_unverified_expiry_show_on_the_job(
    backend: str, tmp_path: Path
) -> None:
    with populated_api(backend, tmp_path) as running:
        engine = make_engine(running.url)
        try:
            with Session(engine) as session, session.begin():
                dep = running.scenario.main
                job = session.get_one(Job, (dep, DISPUTED_JOB))
                session.add(
                    ChallengeWindowRestart(
                        **event_at(dep, 303, 7),
                        job_id=DISPUTED_JOB,
                        seats_filled=2,
                        window_start=1_303,
                        challenge_deadline=1_903,
                        previous_window_start=job.window_start,
                        previous_deadline=job.challenge_deadline,
                    )
                )
                job.window_start, job.challenge_deadline = 1_303, 1_903
                expired = session.get_one(Job, (dep, 8))
                assert expired.status is JobStatus.EXPIRED
                expired.seats_filled, expired.seats_needed = 1, 2
        finally:
            engine.dispose()
        job = _get(running.client, f"/v1/jobs/{DISPUTED_JOB}")
        assert job["result"]["window_restarts"] == 1
        assert (job["result"]["window_start"], job["result"]["challenge_deadline"]) == (
            1_303,
            1_903,
        )
        (restart,) = [e for e in job["timeline"] if e["kind"] == "challenge_window_restarted"]
        assert restart["block_number"] == 303 and "1903" in restart["note"]
        expired = _get(running.client, "/v1/jobs/8")
        assert (expired["settlement"]["seats_filled"], expired["settlement"]["seats_needed"]) == (
            1,
            2,
        )
        (end,) = [e for e in expired["timeline"] if e["kind"] == "expired"]
        assert end["note"] == "unverified: 1 of 2 verifier seats filled"


def test_open_job_has_no_result_or_settlement(api: Api) -> None:
    open_id = next(i for i, s in api.scenario.statuses.items() if s is JobStatus.OPEN)
    job = _get(api.client, f"/v1/jobs/{open_id}")
    assert (job["result"], job["settlement"], job["solver"]) == (None, None, None)
    assert [e["kind"] for e in job["timeline"]] == ["posted"]


def test_unknown_job_is_a_404_problem(api: Api) -> None:
    body = assert_problem(api.client.get("/v1/jobs/999"), 404, "not-found")
    assert "no job 999" in body["detail"]
    assert_problem(api.client.get("/v1/jobs/1", params={"deployment": 77}), 404, "not-found")


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v1/jobs", {"limit": 0}),
        ("/v1/jobs", {"limit": 201}),
        ("/v1/jobs", {"status": "done"}),
        ("/v1/jobs", {"submitter": "0x1234"}),
        ("/v1/jobs", {"deployment": 0}),
        ("/v1/jobs/-1", {}),
        ("/v1/jobs/abc", {}),
        ("/v1/jobs/9223372036854775808", {}),
        ("/v1/disputes", {"job": -3}),
        ("/v1/accounts/0xnothex", {}),
        ("/v1/leaderboard", {"role": "referee"}),
        ("/v1/leaderboard", {"limit": 101}),
    ],
)
def test_bad_parameters_are_422_problems_naming_them(
    api: Api, path: str, params: dict[str, Any]
) -> None:
    body = assert_problem(api.client.get(path, params=params), 422, "invalid-request")
    assert body["errors"] and all(e["location"] and e["message"] for e in body["errors"])


@pytest.mark.parametrize("cursor", ["garbage!", "eyJ2IjoyfQ", "bm90IGpzb24"])
def test_a_cursor_this_api_did_not_make_is_a_422_problem(api: Api, cursor: str) -> None:
    assert_problem(api.client.get("/v1/jobs", params={"cursor": cursor}), 422, "invalid-cursor")


def test_a_cursor_pages_only_its_own_listing_and_deployment(api: Api) -> None:
    cursor = _get(api.client, "/v1/jobs", limit=1)["next_cursor"]
    response = api.client.get("/v1/disputes", params={"cursor": cursor})
    assert_problem(response, 422, "invalid-cursor")
    response = api.client.get("/v1/jobs", params={"cursor": cursor, "deployment": api.scenario.old})
    assert_problem(response, 422, "invalid-cursor")
    # The cursor keeps its deployment: following it needs no `deployment` parameter.
    page = _get(api.client, "/v1/jobs", cursor=cursor, deployment=api.scenario.main)
    assert page["items"][0]["job_id"] == JOBS - 1


# ---------------------------------------------------------------- disputes


def test_disputes_list_filters_and_pages(api: Api) -> None:
    pages = _pages(api.client, "/v1/disputes", limit=1)
    assert [g["game_id"] for page in pages for g in page] == [2, 1]
    running = _get(api.client, "/v1/disputes", status="step_bisection")["items"]
    assert [(g["game_id"], g["phase"], g["job_id"]) for g in running] == [(2, 1, DISPUTED_JOB)]
    won = _get(api.client, "/v1/disputes", status="challenger_won", challenger=CHALLENGER)
    assert [(g["game_id"], g["winner"], g["phase"]) for g in won["items"]] == [
        (1, CHALLENGER, None)
    ]
    assert [g["game_id"] for g in _get(api.client, "/v1/disputes", job=FAILED_JOB)["items"]] == [1]
    assert _get(api.client, "/v1/disputes", solver=VERIFIER_1)["items"] == []


def test_running_dispute_shows_interval_turn_and_clocks(api: Api) -> None:
    game = _get(api.client, "/v1/disputes/2")
    bisection, clocks = game["bisection"], game["clocks"]
    assert (bisection["lo"], bisection["hi"], bisection["width"]) == (4, 6, 2)
    assert (bisection["turn"], bisection["turn_account"]) == ("solver", SOLVER_1)
    assert (clocks["solver_s"], clocks["challenger_s"]) == (250, 300)
    assert clocks["turn_deadline"] == clocks["last_move_at"] + 250
    assert [m["kind"] for m in game["moves"]] == ["started", "opened", "narrowed"]
    opened = game["moves"][1]
    assert opened["positions"] == [4] and len(opened["hashes"]) == 1
    assert opened["party"] == "solver" and opened["state"]["turn"] == "challenger"
    assert game["adjudications"] == []


def test_resolved_dispute_shows_every_move_and_the_court(api: Api) -> None:
    game = _get(api.client, "/v1/disputes/1")
    assert (game["status"], game["phase"], game["winner"]) == ("challenger_won", None, CHALLENGER)
    assert game["bisection"]["turn"] is None and game["clocks"]["turn_deadline"] is None
    assert len(game["moves"]) == 7 and game["moves"][-1]["state"]["reason"] == "adjudicated"
    (court,) = game["adjudications"]
    assert (court["step"], court["op_index"], court["decided_votes"]) == (5, 17, 2)
    assert court["pending_draw"] is None  # its one round was drawn (and it is decided)
    (round_,) = court["rounds"]
    members = {m["referee"]: m for m in round_["members"]}
    assert list(members) == list(REFEREES)
    assert members[REFEREES[0]]["slashed"] and members[REFEREES[0]]["no_show"]
    assert members[REFEREES[0]]["output"] is None
    assert members[REFEREES[1]]["output"] == court["decision"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_dispute_shows_the_committee_draw_it_waits_for(backend: str, tmp_path: Path) -> None:
    with populated_api(backend, tmp_path) as running:
        engine = make_engine(running.url)
        dep = running.scenario.main
        request = {"request_id": 2, "round": 1, "game_id": RUNNING_GAME}
        try:
            with Session(engine) as session, session.begin():
                session.add(
                    AdjudicationRequest(
                        **event_at(dep, 310, 2),
                        request_id=2,
                        game_id=RUNNING_GAME,
                        job_id=DISPUTED_JOB,
                        step=3,
                        op_index=4,
                    )
                )
                # scheduled with the request, then again: the first block's word expired
                session.add(CommitteeDraw(**event_at(dep, 310, 1), **request, draw_block=310))
                session.add(CommitteeDraw(**event_at(dep, 600, 0), **request, draw_block=600))
            court = _get(running.client, f"/v1/disputes/{RUNNING_GAME}")["adjudications"]
            assert [(c["request_id"], c["rounds"]) for c in court] == [(2, [])]
            assert court[0]["pending_draw"] == {
                "round": 1,
                "draw_block": 600,
                "scheduled_at": 1_600,
            }
            with Session(engine) as session, session.begin():
                session.add(
                    CommitteeRound(**event_at(dep, 601, 0), **request, deadline=2_000, size=3)
                )
            (court,) = _get(running.client, f"/v1/disputes/{RUNNING_GAME}")["adjudications"]
            assert court["pending_draw"] is None and len(court["rounds"]) == 1
        finally:
            engine.dispose()


def test_unknown_dispute_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get("/v1/disputes/42"), 404, "not-found")


# ---------------------------------------------------------------- accounts


def test_account_sums_stakes_slashes_earnings_and_credit(api: Api) -> None:
    solver = _get(api.client, f"/v1/accounts/{SOLVER_2.upper().replace('0X', '0x')}")
    assert solver["address"] == SOLVER_2
    (stake,) = solver["stakes"]
    assert (stake["role"], stake["total"], stake["locked"], stake["free"]) == (
        "solver",
        str(2 * ETH),
        str(2 * ETH),
        "0",
    )
    assert stake["slashed"] == solver["slashed"] == str(SOLVER_SLASH)
    assert solver["earned"] == solver["credits"] == str(3 * ETH)
    assert (solver["jobs_solved"], solver["jobs_submitted"]) == (1, 0)

    first = _get(api.client, f"/v1/accounts/{SOLVER_1}")
    assert first["earned"] == str(2 * ETH - 2 * FEE_EACH)
    assert (first["credits"], first["claimed"]) == (str(ETH), str(ETH - 2 * FEE_EACH))

    challenger = _get(api.client, f"/v1/accounts/{CHALLENGER}")
    causes = {c["cause"]: c["amount"] for c in challenger["earned_by_cause"]}
    assert causes == {
        "bond_refund": str(ETH // 10),
        "jackpot": str(JACKPOT),
        "slash_share": str(ETH),
    }
    assert challenger["earned"] == str(ETH + JACKPOT)  # the bond refund is its own money

    referee = _get(api.client, f"/v1/accounts/{REFEREES[0]}")
    assert referee["stakes"][0]["role"] == "referee" and referee["slashed"] == str(REFEREE_SLASH)


def test_an_address_never_seen_is_all_zeros(api: Api) -> None:
    body = _get(api.client, "/v1/accounts/0x" + "09" * 20)
    assert body["stakes"] == [] and body["earned"] == body["credits"] == "0"
    assert body["deployment_id"] == api.scenario.main


# ---------------------------------------------------------------- leaderboard and stats


def test_leaderboard_ranks_solvers_by_earnings_or_jobs(api: Api) -> None:
    by_pay = _get(api.client, "/v1/leaderboard", role="solver", by="earnings")["entries"]
    assert [(e["rank"], e["account"], e["earnings"], e["jobs"]) for e in by_pay] == [
        (1, SOLVER_2, str(3 * ETH), 1),
        (2, SOLVER_1, str(2 * ETH - 2 * FEE_EACH), 2),
    ]
    by_jobs = _get(api.client, "/v1/leaderboard", role="solver", by="jobs", limit=1)["entries"]
    assert [e["account"] for e in by_jobs] == [SOLVER_1]


def test_leaderboard_ranks_verifiers_by_fee_shares_and_jackpots(api: Api) -> None:
    by_pay = _get(api.client, "/v1/leaderboard", role="verifier")["entries"]
    assert [(e["account"], e["earnings"], e["jobs"]) for e in by_pay] == [
        (CHALLENGER, str(JACKPOT), 0),
        (VERIFIER_1, str(FEE_EACH), 2),
        (VERIFIER_2, str(FEE_EACH), 1),
    ]
    by_jobs = _get(api.client, "/v1/leaderboard", role="verifier", by="jobs")["entries"]
    assert [e["account"] for e in by_jobs] == [VERIFIER_1, VERIFIER_2, CHALLENGER]


def test_stats_count_statuses_and_sum_escrow_slashes_and_pool(api: Api) -> None:
    stats = _get(api.client, "/v1/stats")
    statuses = api.scenario.statuses
    assert stats["jobs"] == JOBS and sum(stats["jobs_by_status"].values()) == JOBS
    for status in JobStatus:
        if status is not JobStatus.NONE:
            expected = sum(1 for s in statuses.values() if s is status)
            assert stats["jobs_by_status"][status.name.lower()] == expected
    escrowed = [i for i, s in statuses.items() if s.name in ("OPEN", "CLAIMED", "SUBMITTED")]
    budgets = {i: 3 * ETH if i == BIG_JOB else ETH for i in statuses}
    assert stats["escrow"] == str(sum(budgets[i] for i in escrowed))
    assert stats["disputes_by_status"]["step_bisection"] == 1
    assert stats["disputes_by_status"]["challenger_won"] == 1
    assert stats["slashed"] == str(SOLVER_SLASH + REFEREE_SLASH + ATTESTER_SLASH)
    assert stats["pool"] == str(POOL)
    assert stats["staked"] == str(5 * ETH + 2 * ETH + 2 * ETH + ETH + ETH - REFEREE_SLASH)
    assert (stats["stakers"], stats["indexed_block"]) == (5, 2_600)
    old = _get(api.client, "/v1/stats", deployment=api.scenario.old)
    assert (old["jobs"], old["pool"], old["indexed_block"]) == (1, "0", None)
