"""referee.decide, table-driven, without a chain."""

from __future__ import annotations

import pytest

from assay.agents.actions import DrawCommittee, ResolveAdjudication, StartRecompute, Vote
from assay.agents.views import RequestView
from referee.decide import RefereeLocal, decide_referee
from tests.agents.fakes import ME, OTHER, h, request

REF: list[tuple[str, RequestView, RefereeLocal, int, list[type]]] = [
    ("recompute when drawn", request(), RefereeLocal(), 4000, [StartRecompute]),
    ("wait for recompute", request(), RefereeLocal(pending=True), 4000, []),
    ("vote", request(), RefereeLocal(h(5)), 5000, [Vote]),
    ("voted: resolve", request(votes=1, my_vote=h(5)), RefereeLocal(h(5)), 4000,
     [ResolveAdjudication]),
    ("not drawn, voting", request((OTHER,)), RefereeLocal(), 4000, []),
    ("window closed", request((OTHER,)), RefereeLocal(), 5001, [ResolveAdjudication]),
    ("resolved", request(resolved=True), RefereeLocal(h(5)), 5001, []),
    # two-phase draw: any referee draws a scheduled round; nobody resolves or votes before it
    ("draw pending committee", request((), draw_block=9, deadline=0), RefereeLocal(), 4000,
     [DrawCommittee]),
    ("draw pending re-draw", request((), round=2, draw_block=9, deadline=0), RefereeLocal(h(5)),
     9000, [DrawCommittee]),
    ("resolved, draw stale", request((), resolved=True, draw_block=9), RefereeLocal(), 4000, []),
]  # fmt: skip


@pytest.mark.parametrize(("req", "local", "now", "expected"), [c[1:] for c in REF],
                         ids=[c[0] for c in REF])  # fmt: skip
def test_referee_table(
    req: RequestView, local: RefereeLocal, now: int, expected: list[type]
) -> None:
    assert [type(a) for a in decide_referee(req, local, now, ME)] == expected
