"""Every table of the services database (importing this registers them all on `metadata`)."""

from services.db.models.artifacts import Artifact
from services.db.models.chain import Deployment, IndexedBlock, IndexerCursor
from services.db.models.court import (
    AdjudicationRequest,
    AdjudicationVote,
    CommitteeDraw,
    CommitteeMember,
    CommitteeRound,
)
from services.db.models.forced_errors import ForcedErrorReveal, JackpotFunding, WhistleblowerEvent
from services.db.models.games import Game, GameMove, GameState
from services.db.models.jobs import (
    Attestation,
    ChallengeWindowRestart,
    Job,
    JobAssignment,
    JobWinner,
)
from services.db.models.params import ParamsChange
from services.db.models.stakes import CreditEvent, Stake, StakeEvent, StakeState

__all__ = [
    "AdjudicationRequest",
    "AdjudicationVote",
    "Artifact",
    "Attestation",
    "ChallengeWindowRestart",
    "CommitteeDraw",
    "CommitteeMember",
    "CommitteeRound",
    "CreditEvent",
    "Deployment",
    "ForcedErrorReveal",
    "Game",
    "GameMove",
    "GameState",
    "IndexedBlock",
    "IndexerCursor",
    "JackpotFunding",
    "Job",
    "JobAssignment",
    "JobWinner",
    "ParamsChange",
    "Stake",
    "StakeEvent",
    "StakeState",
    "WhistleblowerEvent",
]
