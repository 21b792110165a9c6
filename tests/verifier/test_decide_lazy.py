"""verifier.decide under the devnet-only lazy policy (`assay verifier run --lazy`), no chain.

A lazy verifier attests every job it is assigned, right away and unchecked (no replay, no spec
needed, a wrong result included), and never challenges; the rest of its duty (games it already
plays, release, settlement) is the diligent verifier's.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assay.agents.actions import (
    Attest,
    Choose,
    ReleaseVerifiers,
    SettleFailure,
    StartReplay,
)
from assay.agents.views import GameView, JobView
from assay.protocol.records import Assignment
from assay.protocol.types import GameStatus, JobStatus
from tests.agents.fakes import CHEAT, ME, OTHER, job
from tests.verifier.test_decide import ATTESTED, CHALLENGED, CHEATED, DL, MINE, REPLAYED, REVEAL, g
from verifier.decide import VerifierLocal, decide

LAZY = VerifierLocal(lazy=True)
NOT_MINE = (Assignment(OTHER, False, False),)

CASES: list[tuple[str, JobView, list[GameView], VerifierLocal, int, list[type]]] = [
    ("attest unchecked when assigned", job(assigned=MINE, solver=OTHER), [], LAZY, 1201,
     [Attest]),
    ("no spec needed", job(assigned=MINE, solver=OTHER), [], replace(LAZY, can_replay=False),
     1201, [Attest]),
    ("a wrong result too", CHEATED, [], LAZY, 1201, [Attest]),
    ("a mismatching replay is ignored", CHEATED, [], replace(REPLAYED, lazy=True), 1201,
     [Attest]),
    ("sampled policy is ignored", job(assigned=MINE, solver=OTHER), [],
     replace(LAZY, sampled=True), 1201, [Attest]),
    ("last second of the window", job(assigned=MINE, solver=OTHER), [], LAZY, DL, [Attest]),
    ("window closed", job(assigned=MINE, solver=OTHER), [], LAZY, DL + 1, []),
    ("not assigned", job(assigned=NOT_MINE, solver=OTHER), [], LAZY, 1201, []),
    ("not assigned, verify_all", job(assigned=NOT_MINE, solver=OTHER), [],
     replace(LAZY, verify_all=True), 1201, []),
    ("attested already", job(assigned=ATTESTED, solver=OTHER), [], LAZY, 1201, []),
    ("challenged already", job(assigned=CHALLENGED, solver=OTHER, final_state=CHEAT[-1]), [],
     LAZY, 1201, []),
    ("its own job", job(assigned=MINE, solver=ME), [], LAZY, 1201, []),
    ("a game it already plays", CHEATED, [g(openings=(CHEAT[4],))], replace(REPLAYED, lazy=True),
     1301, [Choose]),
    ("no verdict beside a resolved game", CHEATED, [g(GameStatus.CHALLENGER_WON)], LAZY, 1201,
     []),
    ("release after reveal", job(JobStatus.FINALIZED, assigned=MINE, settled_at=2000), [], LAZY,
     REVEAL, [ReleaseVerifiers]),
    ("settle failure", job(JobStatus.FAILED, assigned=MINE, settled_at=2000), [], LAZY, REVEAL,
     [SettleFailure]),
]  # fmt: skip


@pytest.mark.parametrize(("job_view", "games", "local", "now", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_lazy_decide_table(
    job_view: JobView, games: list[GameView], local: VerifierLocal, now: int, expected: list[type]
) -> None:
    actions = decide(job_view, games, local, now, ME)
    assert [type(a) for a in actions] == expected
    assert all(a.job_id == job_view.job_id for a in actions if isinstance(a, Attest))


def test_only_the_lazy_flag_turns_a_replay_into_an_attestation() -> None:
    view = job(assigned=MINE, solver=OTHER)
    assert [type(a) for a in decide(view, [], VerifierLocal(), 1201, ME)] == [StartReplay]
    assert decide(view, [], LAZY, 1201, ME) == [Attest(view.job_id)]
