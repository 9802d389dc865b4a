"""monthly attendance per child

Revision ID: f499f4226567
Revises: a20505dd2800
Create Date: 2026-12-01 23:10:19.163865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shouhu_kit.db

revision: str = "f499f4226567"
down_revision: str | None = "a20505dd2800"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply: one row per child and month (月度出勤); the unique index also serves a child's months."""
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("school_days", sa.Integer(), nullable=False),
        sa.Column("days_absent", sa.Integer(), nullable=False),
        sa.Column("excused_days", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", shouhu_kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "month"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("attendance")
