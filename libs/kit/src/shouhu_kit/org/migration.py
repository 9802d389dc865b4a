"""The data step of a service's migration from paths stored on records to unit ids placed by the tree.

Alembic revisions call it, so its behaviour must not change once released.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op

from shouhu_kit.org.paths import decode_path, encode_path
from shouhu_kit.org.tree import PATH_STATISTICS, TABLE, UNSEEN


@dataclass(frozen=True)
class PathColumn:
    """A record's path column ('/…/id/', with its prefix index) that a unit id column replaces."""

    path: str
    unit: str
    path_index: str
    nullable: bool = False
    unit_index: tuple[str, tuple[str, ...]] | None = None  # name and columns; default: the unit alone

    def index_on(self, table: str) -> tuple[str, list[str]]:
        """The name and columns of the unit column's index."""
        name, columns = self.unit_index or (f"ix_{table}_{self.unit}", (self.unit,))
        return name, list(columns)


def replace_paths(*, table: str, columns: Sequence[PathColumn]) -> None:
    """Upgrade a table: add each unit column, fill it from its path, then drop the path and its index."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.add_column(sa.Column(c.unit, sa.Uuid(), nullable=True))
    paths_to_units(table=table, columns={c.path: c.unit for c in columns})
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.alter_column(c.unit, existing_type=sa.Uuid(), nullable=c.nullable)
            batch_op.drop_index(c.path_index, postgresql_ops={c.path: "text_pattern_ops"})
            batch_op.create_index(*c.index_on(table), unique=False)
            batch_op.drop_column(c.path)


def restore_paths(*, table: str, columns: Sequence[PathColumn]) -> None:
    """Downgrade a table: the paths back from the tree, with their indexes; the unit columns go."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.add_column(sa.Column(c.path, sa.VARCHAR(length=800), nullable=True))
    units_to_paths(table=table, columns={c.path: c.unit for c in columns})
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.alter_column(c.path, existing_type=sa.VARCHAR(length=800), nullable=c.nullable)
            batch_op.drop_index(c.index_on(table)[0])
            batch_op.create_index(
                c.path_index, [c.path], unique=False, postgresql_ops={c.path: "text_pattern_ops"}
            )
            batch_op.drop_column(c.unit)


def create_tree_table() -> None:
    """The tree copy's table and indexes, as OrgTree.attach defines them (at this revision)."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("path", sa.String(length=800), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_org_tree_parent_id", ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_org_tree_path_prefix", ["path"], unique=False, postgresql_ops={"path": "text_pattern_ops"}
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PATH_STATISTICS)


def drop_tree_table() -> None:
    """The reverse of create_tree_table."""
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_org_tree_path_prefix", postgresql_ops={"path": "text_pattern_ops"})
        batch_op.drop_index("ix_org_tree_parent_id")
    op.drop_table(TABLE)


def _last_unit(path: Any, dialect: str) -> Any:
    """The last id of a '/…/id/' path, as the dialect stores a UUID (SQLite: 32 hex digits)."""
    last = sa.func.substr(path, sa.func.length(path) - 36, 36)
    return sa.cast(last, sa.Uuid) if dialect == "postgresql" else sa.func.replace(last, "-", "")


def paths_to_units(*, table: str, columns: Mapping[str, str]) -> None:
    """Each unit column gets the last id of its path column; the tree holds every unit the paths name.

    `columns` maps a path column to its (already added) unit column. Units the tree lacks are
    held as placeholders under their parent in the path, as OrgTree.hold would hold them.
    """
    conn = op.get_bind()
    records = sa.table(table, *(sa.column(c) for pair in columns.items() for c in pair))
    tree = sa.table(
        TABLE,
        *(sa.column(c) for c in ("kind", "code", "name", "path")),
        *(sa.column(c, sa.Uuid) for c in ("id", "parent_id")),
    )
    for path, unit in columns.items():
        values = {unit: _last_unit(records.c[path], conn.dialect.name)}
        conn.execute(sa.update(records).where(records.c[path].is_not(None)).values(values))
    held = set(conn.scalars(sa.select(tree.c.id)))
    missing: dict[uuid.UUID, dict[str, Any]] = {}
    for path in columns:
        for (text,) in conn.execute(
            sa.select(records.c[path]).where(records.c[path].is_not(None)).distinct()
        ):
            ids = decode_path(text)
            for depth, unit_id in enumerate(ids):
                if unit_id not in held and unit_id not in missing:
                    parent = ids[depth - 1] if depth else None
                    path_text = encode_path(ids[: depth + 1])
                    missing[unit_id] = {
                        "id": unit_id,
                        "kind": UNSEEN,
                        "code": "",
                        "name": "",
                        "parent_id": parent,
                        "path": path_text,
                    }
    if missing:
        conn.execute(sa.insert(tree), list(missing.values()))


def units_to_paths(*, table: str, columns: Mapping[str, str]) -> None:
    """The reverse (a downgrade): each path column gets the tree's path of its unit column's unit."""
    records = sa.table(table, *(sa.column(c) for pair in columns.items() for c in pair))
    tree = sa.table(TABLE, sa.column("id"), sa.column("path"))
    for path, unit in columns.items():
        found = sa.select(tree.c.path).where(tree.c.id == records.c[unit]).scalar_subquery()
        op.get_bind().execute(sa.update(records).values({path: found}))
