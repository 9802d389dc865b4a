"""unit_counts keyed (unit_id, month, metric): a read of a unit's totals and recent months reads only them

Revision ID: 3c5d2b1e9a47
Revises: 8e1a5fe7e139
Create Date: 2026-12-02 04:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3c5d2b1e9a47"
down_revision: str | None = "8e1a5fe7e139"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(columns: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE unit_counts DROP CONSTRAINT unit_counts_pkey, "
            f"ADD CONSTRAINT unit_counts_pkey PRIMARY KEY ({', '.join(columns)})"
        )
        return
    with op.batch_alter_table("unit_counts", recreate="always") as batch_op:  # SQLite copies the table
        batch_op.create_primary_key("unit_counts_pkey", columns)


def upgrade() -> None:
    """Apply."""
    _key(["unit_id", "month", "metric"])


def downgrade() -> None:
    """Revert."""
    _key(["unit_id", "metric", "month"])
