"""Initial schema: deployments, indexer cursor and block hashes, jobs, games and moves,
adjudication, stakes and credits, forced errors, parameter changes, artifacts.

Revision ID: 8cc4c906e858
Revises:
Create Date: 2026-11-29 14:49:59.651361

Static: plain SQLAlchemy types and literal names, nothing reflected or imported from the models.
Wei amounts are NUMERIC(78, 0) on PostgreSQL and zero-padded VARCHAR(78) on SQLite (see
services.db.types.Wei). The downgrade drops every table this creates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "8cc4c906e858"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("content_hash", sa.String(length=66), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_artifacts_size")),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_artifacts")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("deployer", sa.String(length=42), nullable=False),
        sa.Column("start_block", sa.BigInteger(), nullable=False),
        sa.Column("stake_manager", sa.String(length=42), nullable=False),
        sa.Column("randomness", sa.String(length=42), nullable=False),
        sa.Column("job_market", sa.String(length=42), nullable=False),
        sa.Column("referee_court", sa.String(length=42), nullable=False),
        sa.Column("dispute_game", sa.String(length=42), nullable=False),
        sa.Column("forced_error_registry", sa.String(length=42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint(
            "chain_id", "job_market", name=op.f("uq_deployments_chain_id_job_market")
        ),
    )
    op.create_table(
        "credit_events",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "amount",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "balance",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("game_id", sa.BigInteger(), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('credited', 'claimed')", name=op.f("ck_credit_events_kind")),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_credit_events_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_credit_events")
        ),
    )
    op.create_index(
        op.f("ix_credit_events_deployment_id_account"),
        "credit_events",
        ["deployment_id", "account"],
    )
    op.create_index(
        op.f("ix_credit_events_deployment_id_block_number"),
        "credit_events",
        ["deployment_id", "block_number"],
    )

    op.create_table(
        "indexed_blocks",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("parent_hash", sa.String(length=66), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_indexed_blocks_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "number", name=op.f("pk_indexed_blocks")),
    )
    op.create_table(
        "indexer_cursors",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("last_block", sa.BigInteger(), nullable=False),
        sa.Column("last_block_hash", sa.String(length=66), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_indexer_cursors_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", name=op.f("pk_indexer_cursors")),
    )
    op.create_table(
        "jackpot_fundings",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=42), nullable=False),
        sa.Column(
            "amount",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "pool",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_jackpot_fundings_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_jackpot_fundings")
        ),
    )
    op.create_index(
        op.f("ix_jackpot_fundings_deployment_id_block_number"),
        "jackpot_fundings",
        ["deployment_id", "block_number"],
    )

    op.create_table(
        "jobs",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitter", sa.String(length=42), nullable=False),
        sa.Column(
            "budget",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "tax",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("steps", sa.BigInteger(), nullable=False),
        sa.Column("spec_hash", sa.String(length=66), nullable=False),
        sa.Column("graph_hash", sa.String(length=66), nullable=False),
        sa.Column("initial_state", sa.String(length=66), nullable=False),
        sa.Column("spec_uri", sa.Text(), nullable=False),
        sa.Column(
            "solver_stake",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "verifier_stake",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "challenge_bond",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("claim_window", sa.BigInteger(), nullable=False),
        sa.Column("solve_window", sa.BigInteger(), nullable=False),
        sa.Column("challenge_window", sa.BigInteger(), nullable=False),
        sa.Column("reveal_window", sa.BigInteger(), nullable=False),
        sa.Column("clock_budget", sa.BigInteger(), nullable=False),
        sa.Column("min_clock_extension", sa.BigInteger(), nullable=False),
        sa.Column("verifiers_per_job", sa.Integer(), nullable=False),
        sa.Column("bisection_arity", sa.Integer(), nullable=False),
        sa.Column("verifier_fee_bps", sa.Integer(), nullable=False),
        sa.Column("protocol_tax_bps", sa.Integer(), nullable=False),
        sa.Column("slash_winner_share_bps", sa.Integer(), nullable=False),
        sa.Column("max_ops_per_step", sa.BigInteger(), nullable=False),
        sa.Column("solver", sa.String(length=42), nullable=True),
        sa.Column(
            "stake_locked",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("solve_deadline", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", sa.BigInteger(), nullable=True),
        sa.Column("claimed_block", sa.BigInteger(), nullable=True),
        sa.Column("claimed_tx", sa.String(length=66), nullable=True),
        sa.Column("final_state", sa.String(length=66), nullable=True),
        sa.Column("trace_root", sa.String(length=66), nullable=True),
        sa.Column("sealed_tag", sa.String(length=66), nullable=True),
        sa.Column("artifact_uri", sa.Text(), nullable=True),
        sa.Column("challenge_deadline", sa.BigInteger(), nullable=True),
        sa.Column("submitted_at", sa.BigInteger(), nullable=True),
        sa.Column("submitted_block", sa.BigInteger(), nullable=True),
        sa.Column("submitted_tx", sa.String(length=66), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("fail_reason", sa.Text(), nullable=True),
        sa.Column("winning_challenger", sa.String(length=42), nullable=True),
        sa.Column(
            "solver_pay",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "verifier_pay",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("settled_at", sa.BigInteger(), nullable=True),
        sa.Column("settled_block", sa.BigInteger(), nullable=True),
        sa.Column("settled_tx", sa.String(length=66), nullable=True),
        sa.Column(
            "solver_slashed",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("solver_settled_at", sa.BigInteger(), nullable=True),
        sa.Column("solver_settled_block", sa.BigInteger(), nullable=True),
        sa.Column("solver_settled_tx", sa.String(length=66), nullable=True),
        sa.Column("verifiers_released_at", sa.BigInteger(), nullable=True),
        sa.Column("verifiers_released_block", sa.BigInteger(), nullable=True),
        sa.Column("verifiers_released_tx", sa.String(length=66), nullable=True),
        sa.Column("forced_error_challenger", sa.String(length=42), nullable=True),
        sa.Column(
            "attesters_slashed",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("forced_error_at", sa.BigInteger(), nullable=True),
        sa.Column("forced_error_block", sa.BigInteger(), nullable=True),
        sa.Column("forced_error_tx", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('finalized', 'failed', 'cancelled', 'expired')",
            name=op.f("ck_jobs_outcome"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'submitted', 'finalized', 'failed', 'cancelled', "
            "'expired')",
            name=op.f("ck_jobs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_jobs_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "job_id", name=op.f("pk_jobs")),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_jobs_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_jobs_deployment_id_block_number"), "jobs", ["deployment_id", "block_number"]
    )
    op.create_index(op.f("ix_jobs_solver"), "jobs", ["solver"])
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"])
    op.create_index(op.f("ix_jobs_submitter"), "jobs", ["submitter"])

    op.create_table(
        "params_changes",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("contract", sa.String(length=24), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "contract IN ('stake_manager', 'job_market', 'dispute_game', 'referee_court', "
            "'forced_error_registry')",
            name=op.f("ck_params_changes_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_params_changes_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_params_changes")
        ),
    )
    op.create_index(
        op.f("ix_params_changes_deployment_id_block_number"),
        "params_changes",
        ["deployment_id", "block_number"],
    )

    op.create_table(
        "stake_events",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column(
            "amount",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("beneficiary", sa.String(length=42), nullable=True),
        sa.Column(
            "to_beneficiary",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("game_id", sa.BigInteger(), nullable=True),
        sa.Column("request_id", sa.BigInteger(), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=True),
        sa.Column(
            "total",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "locked",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "pending_withdrawal",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("withdrawable_at", sa.BigInteger(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('deposited', 'withdrawal_requested', 'withdrawn', 'locked', 'unlocked', "
            "'slashed', 'registered', 'deregistered')",
            name=op.f("ck_stake_events_kind"),
        ),
        sa.CheckConstraint(
            "role IN ('solver', 'verifier', 'referee', 'whistleblower')",
            name=op.f("ck_stake_events_role"),
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_stake_events_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_stake_events")
        ),
    )
    op.create_index(
        op.f("ix_stake_events_deployment_id_account_role"),
        "stake_events",
        ["deployment_id", "account", "role"],
    )
    op.create_index(
        op.f("ix_stake_events_deployment_id_block_number"),
        "stake_events",
        ["deployment_id", "block_number"],
    )

    op.create_table(
        "stakes",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column(
            "total",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "locked",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "pending_withdrawal",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("withdrawable_at", sa.BigInteger(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "role IN ('solver', 'verifier', 'referee', 'whistleblower')",
            name=op.f("ck_stakes_role"),
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_stakes_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "account", "role", name=op.f("pk_stakes")),
    )
    op.create_index(op.f("ix_stakes_deployment_id_role"), "stakes", ["deployment_id", "role"])

    op.create_table(
        "whistleblower_events",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("whistleblower", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('registered', 'removed')", name=op.f("ck_whistleblower_events_kind")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_whistleblower_events_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_whistleblower_events")
        ),
    )
    op.create_index(
        op.f("ix_whistleblower_events_deployment_id_block_number"),
        "whistleblower_events",
        ["deployment_id", "block_number"],
    )
    op.create_index(
        op.f("ix_whistleblower_events_whistleblower"), "whistleblower_events", ["whistleblower"]
    )

    op.create_table(
        "forced_error_reveals",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("whistleblower", sa.String(length=42), nullable=False),
        sa.Column("winning_challenger", sa.String(length=42), nullable=True),
        sa.Column(
            "jackpot",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "honeypot_cost",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "reimbursed",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=True,
        ),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_forced_error_reveals_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_forced_error_reveals_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "job_id", name=op.f("pk_forced_error_reveals")),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_forced_error_reveals_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_forced_error_reveals_deployment_id_block_number"),
        "forced_error_reveals",
        ["deployment_id", "block_number"],
    )
    op.create_index(
        op.f("ix_forced_error_reveals_whistleblower"), "forced_error_reveals", ["whistleblower"]
    )
    op.create_index(
        op.f("ix_forced_error_reveals_winning_challenger"),
        "forced_error_reveals",
        ["winning_challenger"],
    )

    op.create_table(
        "games",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("challenger", sa.String(length=42), nullable=False),
        sa.Column("solver", sa.String(length=42), nullable=False),
        sa.Column("steps", sa.BigInteger(), nullable=False),
        sa.Column(
            "bond",
            sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite"),
            nullable=False,
        ),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("turn", sa.String(length=12), nullable=True),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.Column("lo_hash", sa.String(length=66), nullable=True),
        sa.Column("hi_hash", sa.String(length=66), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("n_ops", sa.BigInteger(), nullable=True),
        sa.Column("op_root", sa.String(length=66), nullable=True),
        sa.Column("request_id", sa.BigInteger(), nullable=True),
        sa.Column("last_move_at", sa.BigInteger(), nullable=False),
        sa.Column("solver_clock", sa.BigInteger(), nullable=True),
        sa.Column("challenger_clock", sa.BigInteger(), nullable=True),
        sa.Column("winner", sa.String(length=42), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('step_bisection', 'awaiting_op_trace', 'op_bisection', 'adjudicating', "
            "'challenger_won', 'solver_won')",
            name=op.f("ck_games_status"),
        ),
        sa.CheckConstraint("turn IN ('solver', 'challenger')", name=op.f("ck_games_turn")),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_games_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_games_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "game_id", name=op.f("pk_games")),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_games_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(op.f("ix_games_challenger"), "games", ["challenger"])
    op.create_index(
        op.f("ix_games_deployment_id_block_number"), "games", ["deployment_id", "block_number"]
    )
    op.create_index(op.f("ix_games_deployment_id_job_id"), "games", ["deployment_id", "job_id"])
    op.create_index(op.f("ix_games_solver"), "games", ["solver"])

    op.create_table(
        "job_assignments",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("verifier", sa.String(length=42), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_job_assignments_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_job_assignments_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "job_id", "verifier", name=op.f("pk_job_assignments")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            "position",
            name=op.f("uq_job_assignments_deployment_id_tx_hash_log_index_position"),
        ),
    )
    op.create_index(
        op.f("ix_job_assignments_deployment_id_block_number"),
        "job_assignments",
        ["deployment_id", "block_number"],
    )
    op.create_index(op.f("ix_job_assignments_verifier"), "job_assignments", ["verifier"])

    op.create_table(
        "adjudication_requests",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("op_index", sa.BigInteger(), nullable=False),
        sa.Column("input_hash", sa.String(length=66), nullable=True),
        sa.Column("claimed_output", sa.String(length=66), nullable=True),
        sa.Column("decision", sa.String(length=66), nullable=True),
        sa.Column("decided_votes", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_block", sa.BigInteger(), nullable=True),
        sa.Column("decided_tx", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            name=op.f("fk_adjudication_requests_games"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_adjudication_requests_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "request_id", name=op.f("pk_adjudication_requests")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_adjudication_requests_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_adjudication_requests_deployment_id_block_number"),
        "adjudication_requests",
        ["deployment_id", "block_number"],
    )
    op.create_index(
        op.f("ix_adjudication_requests_deployment_id_game_id"),
        "adjudication_requests",
        ["deployment_id", "game_id"],
    )

    op.create_table(
        "attestations",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("verifier", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id", "verifier"],
            ["job_assignments.deployment_id", "job_assignments.job_id", "job_assignments.verifier"],
            name=op.f("fk_attestations_job_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_attestations_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_attestations_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "job_id", "verifier", name=op.f("pk_attestations")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_attestations_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_attestations_deployment_id_block_number"),
        "attestations",
        ["deployment_id", "block_number"],
    )
    op.create_index(op.f("ix_attestations_verifier"), "attestations", ["verifier"])

    op.create_table(
        "committee_rounds",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("no_majority_at", sa.BigInteger(), nullable=True),
        sa.Column("no_majority_block", sa.BigInteger(), nullable=True),
        sa.Column("no_majority_tx", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            name=op.f("fk_committee_rounds_games"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_committee_rounds_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "request_id", "round", name=op.f("pk_committee_rounds")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_committee_rounds_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_committee_rounds_deployment_id_block_number"),
        "committee_rounds",
        ["deployment_id", "block_number"],
    )

    op.create_table(
        "game_moves",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("party", sa.String(length=12), nullable=True),
        sa.Column("actor", sa.String(length=42), nullable=True),
        sa.Column(
            "positions",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "hashes",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("turn", sa.String(length=12), nullable=True),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.Column("lo_hash", sa.String(length=66), nullable=True),
        sa.Column("hi_hash", sa.String(length=66), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("n_ops", sa.BigInteger(), nullable=True),
        sa.Column("op_root", sa.String(length=66), nullable=True),
        sa.Column("request_id", sa.BigInteger(), nullable=True),
        sa.Column("last_move_at", sa.BigInteger(), nullable=False),
        sa.Column("solver_clock", sa.BigInteger(), nullable=True),
        sa.Column("challenger_clock", sa.BigInteger(), nullable=True),
        sa.Column("winner", sa.String(length=42), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('started', 'opened', 'narrowed', 'step_isolated', 'op_trace_committed', "
            "'adjudication_requested', 'resolved')",
            name=op.f("ck_game_moves_kind"),
        ),
        sa.CheckConstraint("party IN ('solver', 'challenger')", name=op.f("ck_game_moves_party")),
        sa.CheckConstraint(
            "status IN ('step_bisection', 'awaiting_op_trace', 'op_bisection', 'adjudicating', "
            "'challenger_won', 'solver_won')",
            name=op.f("ck_game_moves_status"),
        ),
        sa.CheckConstraint("turn IN ('solver', 'challenger')", name=op.f("ck_game_moves_turn")),
        sa.ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            name=op.f("fk_game_moves_games"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_game_moves_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_game_moves")
        ),
    )
    op.create_index(
        op.f("ix_game_moves_deployment_id_block_number"),
        "game_moves",
        ["deployment_id", "block_number"],
    )
    op.create_index(
        op.f("ix_game_moves_deployment_id_game_id_block_number_log_index"),
        "game_moves",
        ["deployment_id", "game_id", "block_number", "log_index"],
    )

    op.create_table(
        "committee_members",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("referee", sa.String(length=42), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("no_show", sa.Boolean(), nullable=True),
        sa.Column("slashed_at", sa.BigInteger(), nullable=True),
        sa.Column("slashed_block", sa.BigInteger(), nullable=True),
        sa.Column("slashed_tx", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "request_id", "round"],
            [
                "committee_rounds.deployment_id",
                "committee_rounds.request_id",
                "committee_rounds.round",
            ],
            name=op.f("fk_committee_members_committee_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_committee_members_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "request_id", "round", "referee", name=op.f("pk_committee_members")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            "position",
            name=op.f("uq_committee_members_deployment_id_tx_hash_log_index_position"),
        ),
    )
    op.create_index(
        op.f("ix_committee_members_deployment_id_block_number"),
        "committee_members",
        ["deployment_id", "block_number"],
    )
    op.create_index(op.f("ix_committee_members_referee"), "committee_members", ["referee"])

    op.create_table(
        "adjudication_votes",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("referee", sa.String(length=42), nullable=False),
        sa.Column("output", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id", "request_id", "round", "referee"],
            [
                "committee_members.deployment_id",
                "committee_members.request_id",
                "committee_members.round",
                "committee_members.referee",
            ],
            name=op.f("fk_adjudication_votes_committee_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_adjudication_votes_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "request_id", "round", "referee", name=op.f("pk_adjudication_votes")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_adjudication_votes_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_adjudication_votes_deployment_id_block_number"),
        "adjudication_votes",
        ["deployment_id", "block_number"],
    )
    op.create_index(op.f("ix_adjudication_votes_referee"), "adjudication_votes", ["referee"])


def downgrade() -> None:
    # Children before parents (foreign keys); a table's indexes go with it.
    op.drop_table("adjudication_votes")
    op.drop_table("committee_members")
    op.drop_table("game_moves")
    op.drop_table("committee_rounds")
    op.drop_table("attestations")
    op.drop_table("adjudication_requests")
    op.drop_table("job_assignments")
    op.drop_table("games")
    op.drop_table("forced_error_reveals")
    op.drop_table("whistleblower_events")
    op.drop_table("stakes")
    op.drop_table("stake_events")
    op.drop_table("params_changes")
    op.drop_table("jobs")
    op.drop_table("jackpot_fundings")
    op.drop_table("indexer_cursors")
    op.drop_table("indexed_blocks")
    op.drop_table("credit_events")
    op.drop_table("deployments")
    op.drop_table("artifacts")
