"""children and tasks are placed by class id; the org tree copy gives their path

Revision ID: 1dbbea7ad61e
Revises: a2663f26c681
Create Date: 2026-12-01 20:29:32.826768
"""

from collections.abc import Sequence

from shouhu_kit.org.migration import (
    PathColumn,
    create_tree_table,
    drop_tree_table,
    replace_paths,
    restore_paths,
)


revision: str = "1dbbea7ad61e"
down_revision: str | None = "a2663f26c681"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
PLACES = {
    "children": PathColumn(path="org_path_text", unit="class_id", path_index="ix_children_path_prefix"),
    "follow_up_tasks": PathColumn(
        path="org_path_text",
        unit="class_id",
        path_index="ix_tasks_path_prefix",
        unit_index=("ix_tasks_class_status_due", ("class_id", "status", "due_at")),
    ),
}


def upgrade() -> None:
    """Apply: the tree copy, then each child's and task's class id from its path; the paths go."""
    create_tree_table()
    for table, place in PLACES.items():
        replace_paths(table=table, columns=[place])


def downgrade() -> None:
    """Revert: each child's and task's path back from the tree."""
    for table, place in PLACES.items():
        restore_paths(table=table, columns=[place])
    drop_tree_table()
