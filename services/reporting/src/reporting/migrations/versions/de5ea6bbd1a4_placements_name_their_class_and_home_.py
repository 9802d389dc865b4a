"""placements name their class and home village; the kit"s org tree replaces org_units

Revision ID: de5ea6bbd1a4
Revises: 0468c31d36ae
Create Date: 2026-12-01 20:31:49.181475
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shouhu_kit.org.migration import (
    PathColumn,
    create_tree_table,
    drop_tree_table,
    replace_paths,
    restore_paths,
)


revision: str = "de5ea6bbd1a4"
down_revision: str | None = "0468c31d36ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
PLACES = [
    PathColumn(path="org_path_text", unit="class_id", path_index="ix_child_placements_org_path"),
    PathColumn(
        path="home_path_text",
        unit="home_village_id",
        path_index="ix_child_placements_home_path",
        nullable=True,
    ),
]


def _copy(source: str, source_path: str, target: str, target_path: str) -> None:
    """Every unit row from one table into the other (their path columns differ in name only)."""
    names = ("id", "kind", "code", "name", "parent_id")
    src = sa.table(source, *(sa.column(n) for n in (*names, source_path)))
    dst = sa.table(target, *(sa.column(n) for n in (*names, target_path)))
    query = sa.select(*(src.c[n] for n in names), src.c[source_path])
    op.execute(dst.insert().from_select([*names, target_path], query))


def upgrade() -> None:
    """Apply: org_units becomes the kit's org_tree (same rows), then placements name their units."""
    create_tree_table()
    _copy("org_units", "path_text", "org_tree", "path")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index("ix_org_units_parent_id")
        batch_op.drop_index("ix_org_units_path_prefix", postgresql_ops={"path_text": "text_pattern_ops"})
    op.drop_table("org_units")
    replace_paths(table="child_placements", columns=PLACES)


def downgrade() -> None:
    """Revert: placements get their paths back from the tree, which becomes org_units again."""
    restore_paths(table="child_placements", columns=PLACES)
    op.create_table(
        "org_units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("path_text", sa.String(length=800), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index("ix_org_units_parent_id", ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_org_units_path_prefix",
            ["path_text"],
            unique=False,
            postgresql_ops={"path_text": "text_pattern_ops"},
        )
    _copy("org_tree", "path", "org_units", "path_text")
    drop_tree_table()
