"""The contracts of 2026-12: ops per step, the moving challenge window and unverified jobs,
winners and their shares, jackpots per winner, forced-error locations, scheduled committee
draws, credit passed on between accounts.

Revision ID: 5d2e7c1a9b34
Revises: 8cc4c906e858
Create Date: 2026-12-03 14:30:00

Static: plain SQLAlchemy types and literal names, nothing reflected or imported from the models.
New NOT NULL columns of existing tables are added with a server default of 0 for the rows
already there (a deployment indexed before this revision predates these fields: re-index it),
which is dropped again at once, so the schema equals the models'. SQLite cannot ALTER a column
or a CHECK constraint: batch mode recreates those tables (named CHECK constraints are kept).
The downgrade removes everything this adds and puts the old credit kinds back (deleting the
`transferred` rows, which the old schema cannot hold).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5d2e7c1a9b34"
down_revision: str | Sequence[str] | None = "8cc4c906e858"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _wei() -> sa.types.TypeEngine[object]:
    return sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite")


def _event_columns() -> list[sa.Column[object]]:
    """The columns every event row carries (services.db.base.ChainEvent)."""
    return [
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
    ]


def _deployment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["deployment_id"],
        ["deployments.id"],
        name=op.f(f"fk_{table}_deployments"),
        ondelete="CASCADE",
    )


def _not_null_with_backfill(table: str, columns: Sequence[tuple[str, object]]) -> None:
    """Add NOT NULL `columns` to `table` (rows already there get 0), without a default after."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, type_ in columns:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default="0"))
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, type_ in columns:
            batch_op.alter_column(name, existing_type=type_, server_default=None)


def upgrade() -> None:
    op.create_table(
        "challenge_window_restarts",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("seats_filled", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("challenge_deadline", sa.BigInteger(), nullable=False),
        sa.Column("previous_window_start", sa.BigInteger(), nullable=True),
        sa.Column("previous_deadline", sa.BigInteger(), nullable=True),
        *_event_columns(),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_challenge_window_restarts_jobs"),
            ondelete="CASCADE",
        ),
        _deployment_fk("challenge_window_restarts"),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_challenge_window_restarts")
        ),
    )
    op.create_index(
        op.f("ix_challenge_window_restarts_deployment_id_block_number"),
        "challenge_window_restarts",
        ["deployment_id", "block_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_challenge_window_restarts_deployment_id_job_id"),
        "challenge_window_restarts",
        ["deployment_id", "job_id"],
        unique=False,
    )

    op.create_table(
        "committee_draws",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("draw_block", sa.BigInteger(), nullable=False),
        *_event_columns(),
        sa.ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            name=op.f("fk_committee_draws_games"),
            ondelete="CASCADE",
        ),
        _deployment_fk("committee_draws"),
        sa.PrimaryKeyConstraint(
            "deployment_id", "tx_hash", "log_index", name=op.f("pk_committee_draws")
        ),
    )
    op.create_index(
        op.f("ix_committee_draws_deployment_id_block_number"),
        "committee_draws",
        ["deployment_id", "block_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_committee_draws_deployment_id_request_id"),
        "committee_draws",
        ["deployment_id", "request_id"],
        unique=False,
    )

    op.create_table(
        "job_winners",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("challenger", sa.String(length=42), nullable=False),
        sa.Column("game_id", sa.BigInteger(), nullable=False),
        sa.Column("drawn", sa.Boolean(), nullable=False),
        sa.Column("adjudicated", sa.Boolean(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("op_index", sa.BigInteger(), nullable=True),
        sa.Column("paid_amount", _wei(), nullable=True),
        sa.Column("paid_at", sa.BigInteger(), nullable=True),
        sa.Column("paid_block", sa.BigInteger(), nullable=True),
        sa.Column("paid_tx", sa.String(length=66), nullable=True),
        sa.Column("jackpot", _wei(), nullable=True),
        sa.Column("jackpot_at", sa.BigInteger(), nullable=True),
        sa.Column("jackpot_block", sa.BigInteger(), nullable=True),
        sa.Column("jackpot_tx", sa.String(length=66), nullable=True),
        *_event_columns(),
        sa.ForeignKeyConstraint(
            ["deployment_id", "game_id"],
            ["games.deployment_id", "games.game_id"],
            name=op.f("fk_job_winners_games"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id", "job_id"],
            ["jobs.deployment_id", "jobs.job_id"],
            name=op.f("fk_job_winners_jobs"),
            ondelete="CASCADE",
        ),
        _deployment_fk("job_winners"),
        sa.PrimaryKeyConstraint(
            "deployment_id", "job_id", "challenger", name=op.f("pk_job_winners")
        ),
        sa.UniqueConstraint(
            "deployment_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_job_winners_deployment_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_job_winners_deployment_id_block_number"),
        "job_winners",
        ["deployment_id", "block_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_job_winners_deployment_id_challenger"),
        "job_winners",
        ["deployment_id", "challenger"],
        unique=False,
    )

    _not_null_with_backfill(
        "forced_error_reveals",
        [("step", sa.BigInteger()), ("op_index", sa.BigInteger()), ("winners", sa.Integer())],
    )
    _not_null_with_backfill(
        "jobs",
        [
            ("ops_per_step", sa.BigInteger()),
            ("challenge_window_per_step", sa.BigInteger()),
            ("min_verifier_fee", _wei()),
        ],
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_start", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("seats_filled", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seats_needed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("winner_share", _wei(), nullable=True))
        batch_op.add_column(sa.Column("winner_sharers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("drawn_only", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("forced_error_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("forced_error_op_index", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("forced_error_drawn_winners", sa.Integer(), nullable=True))
    # A job submitted before this revision: its window started at its submission.
    op.execute("UPDATE jobs SET window_start = submitted_at WHERE submitted_at IS NOT NULL")

    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_events_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_credit_events_kind"), "kind IN ('credited', 'claimed', 'transferred')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM credit_events WHERE kind = 'transferred'")
    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_events_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_credit_events_kind"), "kind IN ('credited', 'claimed')"
        )

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("forced_error_drawn_winners")
        batch_op.drop_column("forced_error_op_index")
        batch_op.drop_column("forced_error_step")
        batch_op.drop_column("drawn_only")
        batch_op.drop_column("winner_sharers")
        batch_op.drop_column("winner_share")
        batch_op.drop_column("seats_needed")
        batch_op.drop_column("seats_filled")
        batch_op.drop_column("window_start")
        batch_op.drop_column("min_verifier_fee")
        batch_op.drop_column("challenge_window_per_step")
        batch_op.drop_column("ops_per_step")

    with op.batch_alter_table("forced_error_reveals", schema=None) as batch_op:
        batch_op.drop_column("winners")
        batch_op.drop_column("op_index")
        batch_op.drop_column("step")

    op.drop_index(op.f("ix_job_winners_deployment_id_challenger"), table_name="job_winners")
    op.drop_index(op.f("ix_job_winners_deployment_id_block_number"), table_name="job_winners")
    op.drop_table("job_winners")
    op.drop_index(op.f("ix_committee_draws_deployment_id_request_id"), table_name="committee_draws")
    op.drop_index(
        op.f("ix_committee_draws_deployment_id_block_number"), table_name="committee_draws"
    )
    op.drop_table("committee_draws")
    op.drop_index(
        op.f("ix_challenge_window_restarts_deployment_id_job_id"),
        table_name="challenge_window_restarts",
    )
    op.drop_index(
        op.f("ix_challenge_window_restarts_deployment_id_block_number"),
        table_name="challenge_window_restarts",
    )
    op.drop_table("challenge_window_restarts")
