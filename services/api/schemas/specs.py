"""Response models of job-spec validation."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.api.schemas.common import EXAMPLE_HASH, Hash32


class SpecEstimate(BaseModel):
    """Analytic size and cost (assay.protocol.estimate): lower bounds good to a small factor."""

    parameters: int = Field(examples=[10_250])
    flops_per_step: int = Field(examples=[3_936_000])
    total_flops: int = Field(examples=[1_968_000_000])
    memory_bytes: int = Field(examples=[1_391_168])


class SpecValidation(BaseModel):
    """The verdict on a job spec: its hashes and cost, or every problem found."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "valid": True,
                    "spec_hash": EXAMPLE_HASH,
                    "graph_hash": None,
                    "graph_hash_note": "pass ?graph_hash=true to compute it",
                    "estimate": {
                        "parameters": 10250,
                        "flops_per_step": 3936000,
                        "total_flops": 1968000000,
                        "memory_bytes": 1391168,
                    },
                    "problems": [],
                },
                {
                    "valid": False,
                    "spec_hash": None,
                    "graph_hash": None,
                    "graph_hash_note": None,
                    "estimate": None,
                    "problems": ["training.steps = 0: input should be greater than or equal to 1"],
                },
            ]
        }
    }

    valid: bool
    spec_hash: Hash32 | None = Field(description="keccak256 of the canonical spec.")
    graph_hash: Hash32 | None = Field(description="The operator-graph hash, when asked for.")
    graph_hash_note: str | None = Field(description="Why graph_hash is null, if it is.")
    estimate: SpecEstimate | None
    problems: list[str] = Field(
        description="One line per problem, `field.path = value: problem — fix`."
    )
