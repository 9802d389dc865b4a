"""The kit's tables: outbox, processed events, scheduled jobs

Revision ID: kit_0001
Revises: (none)
Create Date: 2026-12-01

Every service's history depends on this step (its first revision has depends_on="kit_0001"), so
the kit's tables are defined once. A database made before the kit had its own step already holds
the outbox and processed_events tables (its service's first revision made them): they are kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shouhu_kit.db

revision: str = "kit_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("kit",)
depends_on: str | Sequence[str] | None = None


def _has(table: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    """Apply."""
    if not _has("outbox"):
        op.create_table(
            "outbox",
            sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("event_id", sa.String(length=36), nullable=False),
            sa.Column("topic", sa.String(length=200), nullable=False),
            sa.Column("event_key", sa.String(length=200), nullable=False),
            sa.Column("event_type", sa.String(length=200), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("created_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("published_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("seq"),
            sa.UniqueConstraint("event_id"),
        )
        with op.batch_alter_table("outbox", schema=None) as batch_op:
            batch_op.create_index(
                "ix_outbox_unpublished",
                ["seq"],
                unique=False,
                postgresql_where=sa.text("published_at IS NULL"),
                sqlite_where=sa.text("published_at IS NULL"),
            )
    if not _has("processed_events"):
        op.create_table(
            "processed_events",
            sa.Column("consumer_group", sa.String(length=200), nullable=False),
            sa.Column("event_id", sa.String(length=36), nullable=False),
            sa.Column("event_type", sa.String(length=200), nullable=False),
            sa.Column("processed_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("consumer_group", "event_id"),
        )
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("next_run_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_started_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_owner", sa.String(length=200), nullable=True),
        sa.Column("last_handled", sa.Integer(), nullable=True),
        sa.Column("last_note", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("scheduled_jobs")
    op.drop_table("processed_events")
    op.drop_table("outbox")
