"""The referee's pure decision on an adjudication request: (view, recompute state, now) -> action.

Referee duty (`decide_referee`), on an adjudication request:

| condition                                                   | action              |
|-------------------------------------------------------------|---------------------|
| the round's committee awaits its draw                       | DrawCommittee       |
| on the committee, not voted, window open, output recomputed | Vote                |
| on the committee, not voted, window open, nothing yet       | StartRecompute      |
| everyone voted or the window closed, not resolved           | ResolveAdjudication |
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.agents.actions import Action, DrawCommittee, ResolveAdjudication, StartRecompute, Vote
from assay.agents.views import RequestView
from assay.protocol.types import StateHash


@dataclass(frozen=True)
class RefereeLocal:
    """The referee's recompute of one request: the output once done, or that it is running."""

    output: StateHash | None = None
    pending: bool = False


def decide_referee(req: RequestView, local: RefereeLocal, now: int, me: str) -> list[Action]:
    """The referee's action on an adjudication request."""
    r = req.request
    if r.resolved:
        return []
    if req.awaiting_draw:
        return [DrawCommittee(r.request_id)]
    if req.on_committee(me) and req.my_vote.is_zero and now <= r.deadline:
        if local.output is not None:
            return [Vote(r.request_id, local.output)]
        return [] if local.pending else [StartRecompute(r.request_id)]
    if req.resolvable(now):
        return [ResolveAdjudication(r.request_id)]
    return []
