"""a structured exit kind on the archive

Revision ID: 1d7ba2c55452
Revises: f499f4226567
Create Date: 2026-12-01 23:10:25.495588
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1d7ba2c55452"
down_revision: str | None = "f499f4226567"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply: why a child exited, as counted (辍学 among them); empty for the exits recorded before."""
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exit_kind", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_column("exit_kind")
