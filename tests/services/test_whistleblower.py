"""The whistleblower: the pure planner (table-driven) and two honeypot journeys on anvil.

Caught: the whistleblower plants a honeypot (p = 1, one honeypot) from fresh accounts of its own,
solves it with a forced error at the end state of a step, a diligent verifier agent challenges and
wins there by adjudication, a lazy verifier attests without checking; after the challenge window
the whistleblower reveals: the lazy one is slashed, the diligent one gets the jackpot, the honeypot
solver keeps its stake, the pool pays the honeypot's tax back, the honeypot's accounts are emptied
into the whistleblower's, and the audit report says so.

Unchallenged: nobody checks two honeypots; in the last third of their challenge windows the
whistleblower challenges them itself, wins both games, and reveals them one rate window apart: the
lazy attesters are slashed, nobody gets a jackpot, the attesters' slash goes to the treasury.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import structlog.testing
from eth_typing import ChecksumAddress, HexAddress, HexStr

from assay.agents.base import AgentConfig
from assay.agents.runner import InlineRunner
from assay.chain.deploy import ProtocolContracts
from assay.chain.devnet import Devnet
from assay.protocol.params import MarketParams
from assay.protocol.records import Job
from assay.protocol.spec import load_spec
from assay.protocol.types import GameStatus, JobId, JobStatus, Role, StateHash
from referee.agent import RefereeAgent
from referee.recompute import replay_recompute
from services.whistleblower.accounts import ROLES, HoneypotAccounts, account_key, fund
from services.whistleblower.audit import ATTESTED, CAUGHT, audit
from services.whistleblower.planner import (
    HoneypotPlan,
    HoneypotState,
    Posted,
    Template,
    is_honeypot,
    load_state,
    plan,
    rate_gate,
    save_state,
)
from services.whistleblower.self_challenge import self_challenge_due, self_challenge_opens
from services.whistleblower.service import Whistleblower, WhistleblowerConfig, forced_error_hooks
from tests.e2e.conftest import devnet_session, net  # noqa: F401  (fixtures)
from verifier.agent import VerifierAgent

ROOT = Path(__file__).resolve().parents[2]
KEY = bytes(range(32))
JOURNEY_KEY = bytes([3]) * 32  # forced error at step 5 (any key works; fixed to be reproducible)
ETH = 10**18


def _raw(name: str, steps: int = 6) -> dict[str, Any]:
    raw: dict[str, Any] = load_spec(ROOT / "examples" / f"{name}.toml").model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = 1
    return raw


TEMPLATES = (
    Template("digits-mlp", _raw("digits-mlp"), seeds=1000, lrs=(0.001, 0.002, 0.0005)),
    Template("digits-cnn", _raw("digits-cnn", 8), seeds=50),
)


# ---------------------------------------------------------------------------- planner


@pytest.mark.parametrize(
    ("p", "slots", "tolerance"),
    [(0.01, 20_000, 0.004), (0.05, 20_000, 0.008), (0.25, 8_000, 0.03), (0.5, 4_000, 0.04)],
)
@pytest.mark.parametrize("key", [KEY, b"another secret key!!"], ids=["key1", "key2"])
def test_plan_rate_is_p_within_tolerance(
    p: float, slots: int, tolerance: float, key: bytes
) -> None:
    plans = plan(key, slots, p, TEMPLATES)
    assert abs(len(plans) / slots - p) < tolerance
    assert [x.slot for x in plans] == sorted({x.slot for x in plans})


@pytest.mark.parametrize(("p", "expected"), [(0.0, 0), (1.0, 40)])
def test_plan_extremes(p: float, expected: int) -> None:
    assert len(plan(KEY, 40, p, TEMPLATES)) == expected


def test_plan_respects_first_slot_and_is_a_prefix_as_jobs_grow() -> None:
    small = plan(KEY, 300, 0.2, TEMPLATES, first_slot=100)
    big = plan(KEY, 600, 0.2, TEMPLATES, first_slot=100)
    assert small and all(x.slot >= 100 for x in small)
    assert big[: len(small)] == small


def test_plan_draws_are_in_range_and_varied() -> None:
    plans = plan(KEY, 2_000, 0.5, TEMPLATES)
    by_name = {t.name: t for t in TEMPLATES}
    for x in plans:
        t = by_name[x.template]
        assert 1 <= x.step <= t.steps == x.steps
        assert 0 <= x.seed < t.seeds
        assert x.lr in (t.lrs or (None,))
        assert len(x.salt) == 32
        raw = t.materialize(x)
        assert raw["training"]["seed"] == x.seed
    assert {x.template for x in plans} == set(by_name)
    assert len({x.salt for x in plans}) == len(plans)
    assert len({x.step for x in plans}) > 3


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"rng_seed": b"short"}, "16 bytes"),
        ({"rate_p": 1.5}, "rate_p"),
        ({"templates": ()}, "template"),
    ],
)
def test_plan_rejects_bad_inputs(kw: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"rng_seed": KEY, "jobs_seen": 10, "rate_p": 0.1, "templates": TEMPLATES}
    with pytest.raises(ValueError, match=message):
        plan(**{**args, **kw})


def test_different_keys_plan_differently() -> None:
    a = [x.slot for x in plan(KEY, 1_000, 0.1, TEMPLATES)]
    b = [x.slot for x in plan(b"x" * 32, 1_000, 0.1, TEMPLATES)]
    assert a != b


def test_secrets_never_show_in_a_plan_or_state_repr() -> None:
    state = HoneypotState(key=KEY)
    for x in plan(KEY, 200, 0.2, TEMPLATES):
        text = f"{x!r} {x} {state!r} {state}"
        for secret in (x.salt.hex(), KEY.hex(), f"step={x.step}"):
            assert secret not in text
        assert "salt" not in text


def test_restart_reproduces_plans_from_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "wb" / "state.json"
    fresh = load_state(path)  # no file: a new random key
    assert len(fresh.key) == 32 and load_state(path).key != fresh.key
    fresh.first_slot = 3
    before = plan(fresh.key, 500, 0.1, TEMPLATES, fresh.first_slot)
    fresh.posted[before[0].slot] = Posted(before[0], job_id=7, spec_hash="ab" * 32)
    fresh.reveals.append(1_000)
    save_state(path, fresh)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name != "state.json"]  # no temp files left
    again = load_state(path)
    assert again.key == fresh.key and again.first_slot == 3 and again.reveals == [1_000]
    assert again.posted[before[0].slot].plan == before[0]
    assert plan(again.key, 500, 0.1, TEMPLATES, again.first_slot) == before
    assert HoneypotPlan.from_json(json.loads(json.dumps(before[1].to_json()))) == before[1]


@pytest.mark.parametrize(
    ("reveals", "now", "maximum", "window", "expected"),
    [
        ([], 100, 1, 50, None),  # nothing revealed yet
        ([100], 120, 2, 50, None),  # room left in the window
        ([100, 110], 120, 2, 50, 150),  # full: wait until the older one is a window old
        ([100, 110], 150, 2, 50, None),  # the reveal at 100 left the window
        ([110, 100], 149, 2, 50, 150),  # order does not matter
        ([100, 110, 150], 155, 2, 50, 160),  # sliding: the window (105, 155] holds 110 and 150
        ([100, 110, 150], 160, 2, 50, None),  # 110 left it
        ([100, 160, 170], 180, 2, 50, 210),  # (130, 180] holds 160 and 170
        ([100], 101, 1, 1, None),
        ([100], 100, 1, 1, 101),
    ],
)
def test_rate_gate_mirrors_the_registry_window(
    reveals: list[int], now: int, maximum: int, window: int, expected: int | None
) -> None:
    assert rate_gate(reveals, now, maximum, window) == expected


def test_rate_gate_rejects_a_zero_maximum() -> None:
    with pytest.raises(ValueError, match="max_per_window"):
        rate_gate([], 0, 0, 10)


@pytest.mark.parametrize("n_ops", [1, 2, 10])
def test_forced_error_hooks_err_at_the_end_state_of_step_s(n_ops: int) -> None:
    x = plan(KEY, 50, 1.0, TEMPLATES)[0]
    steps, ops = forced_error_hooks(x)
    trace = tuple(bytes([i]) * 32 for i in range(x.steps + 1))
    wrong = steps(trace)  # type: ignore[arg-type]
    assert wrong[: x.step] == trace[: x.step]
    assert all(a != b for a, b in zip(wrong[x.step :], trace[x.step :], strict=True))
    # Step s's op trace r_0..r_N (r_0 = h_{s-1}, r_N = h_s): honest records, wrong end state,
    # the very wrong h_s of the step trace, so bisection lands on (s, N).
    records = (*(bytes([100 + i]) * 32 for i in range(n_ops)), trace[x.step])
    forced = ops(x.step, records)  # type: ignore[arg-type]
    assert len(forced) == n_ops + 1
    assert forced[:n_ops] == records[:n_ops]
    assert forced[n_ops] == wrong[x.step] != records[n_ops]
    assert ops(x.step + 1, records) == records  # type: ignore[arg-type]
    assert ops(x.step - 1, records) == records  # type: ignore[arg-type]
    assert is_honeypot(KEY, 0, 1.0) and not is_honeypot(KEY, 0, 0.0)


def _job(status: JobStatus, window_start: int, open_games: int = 0) -> Job:
    """A job whose challenge window is [window_start, window_start + 600]."""
    zero = ChecksumAddress(HexAddress(HexStr("0x" + "00" * 20)))
    h = StateHash(bytes(32))
    return Job(
        JobId(1), zero, status, 0, zero, 0, window_start, window_start, 7, 0, 6, 4, open_games,
        False, False, False, 10**18, 10**16, zero, 0, 0, 0, h, h, h, h, h, h, "", "",
        MarketParams(challengeWindow=600, challengeWindowPerStep=0),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "open_games", "now", "fraction", "due"),
    [
        (JobStatus.SUBMITTED, 0, 1399, 1 / 3, False),  # diligent verifiers go first
        (JobStatus.SUBMITTED, 0, 1400, 1 / 3, True),  # the last third opens
        (JobStatus.SUBMITTED, 0, 1600, 1 / 3, True),  # the deadline itself still counts
        (JobStatus.SUBMITTED, 0, 1601, 1 / 3, False),  # too late: the window closed
        (JobStatus.SUBMITTED, 1, 1500, 1 / 3, False),  # someone is playing a game on it
        (JobStatus.FAILED, 0, 1500, 1 / 3, False),  # someone already won
        (JobStatus.FINALIZED, 0, 1500, 1 / 3, False),
        (JobStatus.SUBMITTED, 0, 1000, 1.0, True),  # the whole window
        (JobStatus.SUBMITTED, 0, 1539, 0.1, False),
        (JobStatus.SUBMITTED, 0, 1540, 0.1, True),
    ],
)
def test_self_challenge_is_due_in_the_last_fraction_of_an_unplayed_window(
    status: JobStatus, open_games: int, now: int, fraction: float, due: bool
) -> None:
    job = _job(status, 1000, open_games)
    assert job.challenge_deadline == 1600
    assert self_challenge_due(job, now, fraction) is due


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_self_challenge_rejects_a_fraction_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        self_challenge_opens(_job(JobStatus.SUBMITTED, 1000), fraction)


def test_old_state_files_with_an_operator_draw_still_load() -> None:
    x = plan(KEY, 50, 1.0, TEMPLATES)[0]
    old = {**x.to_json(), "op_draw": 12345}
    assert HoneypotPlan.from_json(old) == x


# ---------------------------------------------------------------------------- accounts


def test_account_keys_are_derived_per_role_slot_and_key() -> None:
    keys = {
        account_key(k, role, slot)
        for k in (KEY, JOURNEY_KEY)
        for role in ROLES
        for slot in range(50)
    }
    assert ROLES == ("submitter", "solver", "challenger")
    assert len(keys) == 2 * 3 * 50  # never shared between honeypots, roles or whistleblowers
    assert account_key(KEY, "solver", 7) == account_key(KEY, "solver", 7)  # a restart finds them
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    assert all(len(k) == 32 and 0 < int.from_bytes(k, "big") < n for k in keys)
    with pytest.raises(ValueError, match="a solver or a challenger, not 'verifier'"):
        account_key(KEY, "verifier", 0)


@pytest.mark.anvil
def test_funding_is_idempotent_and_accounts_are_not_the_whistleblower(
    net: Devnet,  # noqa: F811
) -> None:
    wb = net.actor("whistleblower")
    accounts = HoneypotAccounts.derive(KEY, 3, wb.protocol)
    addresses = {
        accounts.submitter_address,
        accounts.solver_address,
        accounts.challenger_address,
        wb.address,
    }
    assert len(addresses) == 4
    assert account_key(KEY, "submitter", 3).hex() not in repr(accounts)
    stake = wb.protocol.market.params().solverStake
    sent = fund(accounts, wb.sender, budget=ETH // 2, solver_stake=stake, gas=10**16)
    assert sent == ETH // 2 + stake + 2 * 10**16
    solver = wb.protocol.stakes.stake_of(accounts.solver_address, Role.SOLVER)
    assert solver.amount == stake and solver.locked == 0
    # A restart after a (partial) funding only adds what is missing: no second budget or stake,
    # just the gas the solver's deposit used.
    again = fund(accounts, wb.sender, budget=ETH // 2, solver_stake=stake, gas=10**16)
    assert 0 < again < 10**15
    assert wb.protocol.stakes.stake_of(accounts.solver_address, Role.SOLVER).amount == stake


# ---------------------------------------------------------------------------- the journey


def _run_until(ticks: Sequence[Callable[[], object]], done: Callable[[], bool], limit: int) -> None:
    for _ in range(limit):
        if done():
            return
        for tick in ticks:
            tick()
    raise AssertionError(f"condition not reached after {limit} rounds of ticks")


def after_unbonding_requested(p: ProtocolContracts, solver: str) -> bool:
    """The honeypot solver asked to withdraw its whole (unlocked) stake."""
    stake = p.stakes.stake_of(solver, Role.SOLVER)
    return stake.locked == 0 and stake.pending_withdrawal == stake.amount > 0


def attester(wb: Whistleblower, protocol: ProtocolContracts) -> Callable[[], None]:
    """A lazy verifier: attests to every honeypot it is assigned to, without checking anything."""
    me = protocol.market.sender.address

    def tick() -> None:
        for posted in wb.state.posted.values():
            job_id = JobId(posted.job_id)
            if protocol.market.job_status(job_id) != JobStatus.SUBMITTED:
                continue
            mine = [a for a in protocol.market.assignments(job_id) if a.verifier == me]
            if mine and not mine[0].attested:
                protocol.market.attest(job_id)

    return tick


def _referees(
    chain: Devnet, wb: Whistleblower, tmp_path: Path, runner: InlineRunner, start: int
) -> list[RefereeAgent]:
    """The devnet's two referees, in process: draw committees, replay the step, vote."""
    return [
        RefereeAgent(
            chain.actor(n).protocol,
            wb.catalogue,
            AgentConfig(tmp_path / n / "cursor.json", tmp_path / n / "work", start, 0, 0),
            runner=runner,
            recompute=replay_recompute(wb.catalogue, tmp_path / n / "replay"),
        )
        for n in ("referee", "referee2")
    ]


def _advance_to(chain: Devnet, when: int) -> None:
    now = int(chain.node.w3.eth.get_block("latest")["timestamp"])
    chain.node.increase_time(max(when - now, 0))
    chain.node.mine()


@pytest.mark.anvil
def test_honeypot_journey_diligent_wins_jackpot_lazy_slashed_solver_spared(
    net: Devnet,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert net.deployment is not None
    start = net.deployment.block_number
    wb_actor = net.actor("whistleblower")
    p = net.actor("deployer").protocol
    p.registry.fund(ETH)  # a pool like a live market's: the share caps do not bind
    runner = InlineRunner()
    save_state(tmp_path / "wb" / "state.json", HoneypotState(key=JOURNEY_KEY))  # reproducible s, j
    wb = Whistleblower(
        wb_actor.protocol,
        WhistleblowerConfig(
            state_dir=tmp_path / "wb",
            templates=TEMPLATES[:1],
            rate_p=1.0,
            max_honeypots=1,
            start_block=start,
            min_credit=0,
        ),
        runner=runner,
    )

    def cfg(name: str) -> AgentConfig:
        return AgentConfig(tmp_path / name / "cursor.json", tmp_path / name / "work", start, 0, 0)

    diligent = VerifierAgent(
        net.actor("verifier1").protocol, wb.catalogue, cfg("v1"), runner=runner
    )
    referees = _referees(net, wb, tmp_path, runner, start)
    lazy_actor = net.actor("verifier2")
    good, lazy, me = net.actor("verifier1").address, lazy_actor.address, wb_actor.address
    lazy_stake = p.stakes.stake_of(lazy, Role.VERIFIER).amount
    credit_before = p.stakes.credit_of(good)
    balance_before = wb_actor.sender.balance()

    lazy_tick = attester(wb, lazy_actor.protocol)
    ticks: list[Callable[[], object]] = [wb.tick, lazy_tick, diligent.tick]
    ticks += [r.tick for r in referees]

    with structlog.testing.capture_logs() as logs:
        report = wb.tick()
        assert len(report.posted) == 1
        job_id = JobId(report.posted[0])
        secret = wb.honeypot_of(job_id)
        assert secret is not None
        _run_until(ticks, lambda: p.market.job_status(job_id) == JobStatus.SUBMITTED, 10)
        job = p.market.get_job(job_id)
        # Posted and solved by the slot's own fresh accounts: nothing on chain names the
        # whistleblower until the reveal.
        accounts = wb.accounts(secret.slot)
        assert job.submitter == accounts.submitter_address != me
        assert job.solver == accounts.solver_address != me
        # The tag commits the forced location (s, N): the end state of step s.
        assert wb.state.posted[secret.slot].op_index == job.ops_per_step > 1
        assert job.sealed_tag == p.registry.sealed_tag_for(
            job_id, secret.salt, me, secret.step, job.ops_per_step
        )

        # A reveal waits until every game is resolved and the challenge window closed.
        def beaten() -> bool:
            j = p.market.get_job(job_id)
            return j.status == JobStatus.FAILED and j.open_games == 0

        _run_until(ticks, beaten, 120)
        now = int(net.node.w3.eth.get_block("latest")["timestamp"])
        net.node.increase_time(max(0, p.market.challenge_deadline(job_id) - now) + 1)
        net.node.mine()
        _run_until(ticks, lambda: wb.state.posted[secret.slot].revealed, 20)
    assert {"whistleblower.posted", "whistleblower.revealed"} <= {e["event"] for e in logs}
    account_keys = [
        account_key(wb.state.key, r, secret.slot).hex() for r in ("submitter", "solver")
    ]
    for entry in logs:
        text = repr(entry)
        assert secret.salt.hex() not in text and wb.state.key.hex() not in text
        assert not any(k in text for k in account_keys)

    # The diligent verifier won a game on the honeypot and failed the job.
    job = p.market.get_job(job_id)
    assert job.status == JobStatus.FAILED and job.winning_challenger == good and job.forced_error
    game = p.game.get_game(p.game.game_of(job_id, good))
    assert game.status == GameStatus.CHALLENGER_WON and game.step == secret.step
    win = p.market.win_of(job_id, good)  # by adjudication, at the forced end state
    assert (win.drawn, win.adjudicated, win.step, win.op_index) == (
        True,
        True,
        secret.step,
        job.ops_per_step,
    )
    # A drawn verifier caught it: the whistleblower never challenged (nor funded its challenger).
    challenger = accounts.challenger_address
    assert int(p.game.game_of(job_id, challenger)) == 0
    assert net.node.w3.eth.get_balance(challenger) == 0
    assert p.registry.revealed(job_id)
    jackpot = wb.state.posted[secret.slot].jackpot
    assert jackpot > 0
    # The lazy attester was slashed; the honeypot solver keeps its whole stake, unlocked.
    verifier_stake = job.params.verifierStake
    assert p.stakes.stake_of(lazy, Role.VERIFIER).amount == lazy_stake - verifier_stake
    after = p.stakes.stake_of(job.solver, Role.SOLVER)
    assert after.amount == job.params.solverStake and after.locked == 0
    assert p.stakes.credit_of(good) > credit_before + jackpot - 1
    # The budget came back when the job failed; the reveal paid the tax back from the pool.
    assert job.tax > 0 and wb.state.posted[secret.slot].reimbursed == job.tax

    # Closed: the accounts are emptied into the whistleblower's once the solver stake unbonds.
    _run_until([wb.tick], lambda: after_unbonding_requested(p, job.solver), 5)
    net.node.increase_time(p.stakes.unbonding_delay() + 1)
    net.node.mine()
    _run_until([wb.tick], lambda: wb.state.posted[secret.slot].swept, 5)
    for account in (job.submitter, job.solver):
        assert p.stakes.credit_of(account) == 0 and net.node.w3.eth.get_balance(account) < 10**15
    assert p.stakes.stake_of(job.solver, Role.SOLVER).amount == 0
    # Budget, stake and the reimbursed tax all came back: the honeypot cost the whistleblower gas.
    assert 0 < balance_before - wb_actor.sender.balance() < 10**16

    rep = audit(p, whistleblower=me, from_block=start)
    assert [h.job_id for h in rep.honeypots] == [job_id]
    h = rep.honeypots[0]
    assert h.winning_challenger == good and h.jackpot == jackpot and h.solver_slashed == 0
    assert (h.step, h.op_index, h.drawn_winners) == (secret.step, job.ops_per_step, 1)
    assert h.attesters_slashed == verifier_stake and not h.self_challenged
    assert h.submitter == job.submitter and h.cost == h.reimbursed == job.tax
    assert rep.reimbursed == job.tax
    outcome = {o.verifier: o for o in h.verifiers}
    assert outcome[good].outcome == CAUGHT and outcome[good].jackpot == jackpot
    assert outcome[lazy].outcome == ATTESTED and outcome[lazy].slashed == verifier_stake
    assert rep.total(good).caught == 1 and rep.total(good).slashed == 0
    assert rep.total(lazy).attested == 1 and rep.total(lazy).caught == 0
    assert json.loads(rep.dumps())["totals"][0]["assigned"] == 1
    table = rep.table()
    assert f"honeypot job {job_id}" in table and good in table and "attested" in table
    assert f"reimbursed {job.tax} of {job.tax} wei" in table

    # A restarted whistleblower plants nothing more (max 1) and knows the honeypot is closed.
    again = Whistleblower(wb_actor.protocol, wb.config, runner=runner)
    assert again.tick().posted == () and again.state.posted[secret.slot].closed == "revealed"


@pytest.mark.anvil
def test_unchallenged_honeypots_are_self_challenged_revealed_on_the_rate_limit_attesters_slashed(
    net: Devnet,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert net.deployment is not None
    start = net.deployment.block_number
    p = net.actor("deployer").protocol
    p.registry.fund(ETH)  # a pool like a live market's: the share caps do not bind
    window = 120
    p.registry.set_params(
        p.registry.params().model_copy(update={"maxRevealsPerWindow": 1, "rateWindow": window})
    )
    wb_actor = net.actor("whistleblower")
    runner = InlineRunner()
    wb = Whistleblower(
        wb_actor.protocol,
        WhistleblowerConfig(
            state_dir=tmp_path / "wb",
            templates=TEMPLATES[:1],
            rate_p=1.0,
            max_in_flight=2,
            max_honeypots=2,
            start_block=start,
            min_credit=0,
        ),
        runner=runner,
    )
    names = ("verifier1", "verifier2")
    stake0 = {n: p.stakes.stake_of(net.actor(n).address, Role.VERIFIER).amount for n in names}
    ticks: list[Callable[[], object]] = [wb.tick]
    ticks += [attester(wb, net.actor(n).protocol) for n in names]
    ticks += [r.tick for r in _referees(net, wb, tmp_path, runner, start)]

    def all_attested() -> bool:
        jobs = [JobId(x.job_id) for x in wb.state.posted.values()]
        return len(jobs) == 2 and all(
            p.market.assignments(j) and all(a.attested for a in p.market.assignments(j))
            for j in jobs
        )

    _run_until(ticks, all_attested, 20)
    jobs = sorted(JobId(x.job_id) for x in wb.state.posted.values())
    slots = {x.job_id: x.plan.slot for x in wb.state.posted.values()}
    challengers = {j: wb.accounts(slots[j]).challenger_address for j in jobs}
    # Nobody challenged; before the last third of the window the whistleblower waits too, and
    # its challenger accounts hold nothing (funded only when the self-challenge is due).
    for _ in range(3):
        for tick in ticks:
            tick()
    for j in jobs:
        assert int(p.game.game_of(j, challengers[j])) == 0
        assert net.node.w3.eth.get_balance(challengers[j]) == 0
    opens = max(self_challenge_opens(p.market.get_job(j)) for j in jobs)
    assert all(opens <= p.market.get_job(j).challenge_deadline for j in jobs)
    _advance_to(net, opens)
    assert all(self_challenge_due(p.market.get_job(j), opens) for j in jobs)

    def beaten() -> bool:
        return all(
            p.market.job_status(j) == JobStatus.FAILED and p.market.get_job(j).open_games == 0
            for j in jobs
        )

    with structlog.testing.capture_logs() as logs:
        _run_until(ticks, beaten, 150)
    assert sum(e["event"] == "whistleblower.self_challenged" for e in logs) == 2
    for j in jobs:
        job = p.market.get_job(j)
        plan_ = wb.honeypot_of(j)
        assert plan_ is not None
        # The whistleblower's own challenger won by adjudication at the forced end state.
        assert job.winning_challenger == challengers[j] and job.drawn_winners == 0
        win = p.market.win_of(j, challengers[j])
        assert (win.won, win.drawn, win.adjudicated) == (True, False, True)
        assert (win.step, win.op_index) == (plan_.step, job.ops_per_step)

    _advance_to(net, max(p.market.get_job(j).challenge_deadline for j in jobs) + 1)
    treasury = p.stakes.treasury()
    treasury_before = p.stakes.credit_of(treasury)
    # One reveal fits the rate window; the other waits in the queue until it slides on.
    _run_until(ticks, lambda: len(wb.state.reveals) == 1, 5)
    first = wb.tick()
    assert first.revealed == {} and len(first.queued) == 1
    (queued,) = first.queued
    assert p.registry.revealed(next(j for j in jobs if j != queued))
    assert not p.registry.revealed(JobId(queued))
    _advance_to(net, p.registry.next_reveal_at(wb_actor.address))
    _run_until(ticks, lambda: p.registry.revealed(JobId(queued)), 5)
    assert all(x.closed == "revealed" and x.jackpot == 0 for x in wb.state.posted.values())

    stake_each = p.market.get_job(jobs[0]).params.verifierStake
    # No drawn verifier won: the attesters' whole slash went to the treasury, no jackpot to anyone.
    assert p.stakes.credit_of(treasury) - treasury_before == 2 * len(names) * stake_each
    rep = audit(p, whistleblower=wb_actor.address, from_block=start)
    assert sorted(h.job_id for h in rep.honeypots) == jobs
    for h in rep.honeypots:
        job = p.market.get_job(JobId(h.job_id))
        assert h.self_challenged and h.drawn_winners == 0 and h.jackpot == 0
        assert h.winning_challenger == challengers[JobId(h.job_id)]
        assert h.op_index == job.ops_per_step
        assert h.attesters_slashed == len(names) * stake_each
        assert h.cost == h.reimbursed == job.tax  # the budget came back when it failed
        unassigned = [o for o in h.verifiers if not o.assigned]
        assert [(o.verifier, o.outcome, o.jackpot) for o in unassigned] == [
            (h.winning_challenger, CAUGHT, 0)
        ]
    submitters = {p.market.get_job(j).submitter for j in jobs}
    solvers = {p.market.get_job(j).solver for j in jobs}
    accounts = submitters | solvers | set(challengers.values())
    assert len(accounts) == 6 and wb_actor.address not in accounts
    for n in names:
        address = net.actor(n).address
        assert p.stakes.stake_of(address, Role.VERIFIER).amount == stake0[n] - 2 * stake_each
        tot = rep.total(address)
        assert (tot.assigned, tot.attested, tot.caught, tot.jackpot) == (2, 2, 0, 0)
        assert tot.slashed == 2 * stake_each
    # Totals are per drawn verifier: the self-challengers are not among them.
    assert {tot.verifier for tot in rep.totals} == {net.actor(n).address for n in names}
    assert "self-challenged" in rep.table()

    # Closed: every honeypot account, the challengers' too (bond back), is emptied.
    _run_until([wb.tick], lambda: all(after_unbonding_requested(p, s) for s in solvers), 5)
    net.node.increase_time(p.stakes.unbonding_delay() + 1)
    net.node.mine()
    _run_until([wb.tick], lambda: all(x.swept for x in wb.state.posted.values()), 5)
    for account in accounts:
        assert p.stakes.credit_of(account) == 0
        assert net.node.w3.eth.get_balance(account) < 10**15
