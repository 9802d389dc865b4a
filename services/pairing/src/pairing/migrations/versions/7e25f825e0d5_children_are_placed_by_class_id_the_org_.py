"""children are placed by class id; the org tree copy gives their path

Revision ID: 7e25f825e0d5
Revises: 6297629839f3
Create Date: 2026-12-01 20:28:39.390563
"""

from collections.abc import Sequence

from shouhu_kit.org.migration import (
    PathColumn,
    create_tree_table,
    drop_tree_table,
    replace_paths,
    restore_paths,
)


revision: str = "7e25f825e0d5"
down_revision: str | None = "6297629839f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
CHILD_CLASS = PathColumn(path="org_path_text", unit="class_id", path_index="ix_children_path_prefix")


def upgrade() -> None:
    """Apply: the tree copy, then each child's class id from its path; the path column goes."""
    create_tree_table()
    replace_paths(table="children", columns=[CHILD_CLASS])


def downgrade() -> None:
    """Revert: each child's path back from the tree."""
    restore_paths(table="children", columns=[CHILD_CLASS])
    drop_tree_table()
