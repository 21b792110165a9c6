"""The self-challenge: the whistleblower challenges its own honeypot when nobody else did.

A honeypot nobody beats finalizes, and a Finalized job proves nothing: a reveal needs a game won
by adjudication at the forced location (s, N). So the lazy attesters of an unchallenged honeypot
would go unpunished. In the last `fraction` of the challenge window (diligent verifiers go first
and take the jackpot), if the honeypot is still Submitted with no game open, the whistleblower's
`SelfChallenger` (the slot's own challenger account) challenges it and plays the game to the end
with the honest trace of a replay, exactly like a verifier: it IS a VerifierAgent (verify_all,
restricted to the one honeypot), so verifier.decide and the player play it. Its challenger is no
drawn verifier, so a reveal pays it no jackpot and the attesters' slash winner share goes to the
treasury: planting and catching honeypots earns the whistleblower nothing.
"""

from __future__ import annotations

from typing import Any

from assay.agents.actions import Action, Challenge
from assay.protocol.records import Job
from assay.protocol.types import JobId, JobStatus
from verifier.agent import VerifierAgent

DEFAULT_FRACTION = 1 / 3
"""The self-challenge waits for the last third of the challenge window."""


def self_challenge_opens(job: Job, fraction: float = DEFAULT_FRACTION) -> int:
    """The first second the whistleblower may challenge its own honeypot `job`: the start of the
    last `fraction` of its challenge window."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"the self-challenge fraction must be in (0, 1], got {fraction}")
    end = job.challenge_deadline
    return end - int((end - job.window_start) * fraction)


def self_challenge_due(job: Job, now: int, fraction: float = DEFAULT_FRACTION) -> bool:
    """Whether the whistleblower should challenge its own honeypot now: still Submitted (nobody
    won a game on it), no game open (nobody is playing one), inside the last `fraction` of the
    challenge window. A game that is lost later, still inside the window, makes it due again."""
    return (
        job.status == JobStatus.SUBMITTED
        and job.open_games == 0
        and self_challenge_opens(job, fraction) <= now <= job.challenge_deadline
    )


class SelfChallenger(VerifierAgent):
    """A VerifierAgent on the slot's challenger account that checks only its honeypot.

    It replays the honeypot as soon as it is submitted (so the honest trace is ready when the
    self-challenge is due), challenges only when `self_challenge_due`, and plays its game like
    any verifier (bisection, op trace, committee draw, resolution). It never attests (it is not
    drawn) and forgets every other job.
    """

    role = "self-challenger"

    def __init__(
        self, *args: Any, job_id: int, fraction: float = DEFAULT_FRACTION, **kwargs: Any
    ) -> None:
        super().__init__(*args, verify_all=True, **kwargs)
        self.job_id, self.fraction = job_id, fraction

    def _decide_job(self, jid: int, now: int) -> list[Action]:
        if jid != self.job_id:
            self.forget_job(jid)
            return []
        actions = super()._decide_job(jid, now)
        if not any(isinstance(a, Challenge) for a in actions):
            return actions
        due = self_challenge_due(self.protocol.market.get_job(JobId(jid)), now, self.fraction)
        return [a for a in actions if due or not isinstance(a, Challenge)]
