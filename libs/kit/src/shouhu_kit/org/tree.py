"""A consuming service's own copy of the org tree, built from registry.org events.

Records in a service name the unit they belong to (a class, a village); their path, and so their
scope, is read from this tree, so a child event applied before or after a unit move it predates
gives the same answer, and a unit move rewrites the tree's paths only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column, Connection, Index, MetaData, Row, Select, String, Table, Uuid, event, select
from sqlalchemy.orm import Session

from shouhu_kit.db import insert_on_conflict, prefix_index
from shouhu_kit.org.paths import ROOT, extend_path, in_subtree

UNSEEN = ""  # the kind of a unit known only from a path, until its creation event arrives
TABLE = "org_tree"  # not org_units: that is the registry's own table, the tree's source of truth

Lock = Literal["share", "update"]
# PostgreSQL estimates a prefix's share of the tree from the path's histogram; its default 100
# buckets cannot tell a school's 41 units from a township's 300, and an overestimate makes the
# planner read a whole city's rows in list order (bench/README.md, "Org scope": p99 250 ms, not 6).
PATH_STATISTICS = f"ALTER TABLE {TABLE} ALTER COLUMN path SET STATISTICS 1000"


def _finer_path_statistics(_table: Table, connection: Connection, **_: Any) -> None:
    """After create_all (migrations run PATH_STATISTICS themselves)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(PATH_STATISTICS)


@dataclass(frozen=True)
class OrgTree:
    """Each unit's names, parent and materialised path ('/id/…/'), as this service knows them.

    A unit's own events (ordered by its key) set its parent. A unit that a path names before its
    creation event has arrived is held as a placeholder (kind UNSEEN) where that path puts it, so
    that every record's unit, and every unit above it, is a row here: the tree is the one version
    of each path this service uses.
    """

    table: Table

    @classmethod
    def attach(cls, metadata: MetaData) -> OrgTree:
        """Add the tree's table to a service's metadata (once)."""
        if TABLE in metadata.tables:
            return cls(metadata.tables[TABLE])
        table = Table(
            TABLE,
            metadata,
            Column("id", Uuid, primary_key=True),
            Column("kind", String(20), nullable=False),
            Column("code", String(64), nullable=False),
            Column("name", String(100), nullable=False),
            Column("parent_id", Uuid, nullable=True),
            Column("path", String(800), nullable=False),
            Index("ix_org_tree_parent_id", "parent_id"),
            prefix_index("ix_org_tree_path_prefix", "path"),
        )
        event.listen(table, "after_create", _finer_path_statistics)
        return cls(table)

    def path_of(self, session: Session, unit_id: uuid.UUID, *, lock: Lock | None = None) -> str | None:
        """The unit's path, or None when the tree does not hold it.

        `lock` (PostgreSQL; SQLite has one writer anyway): "share" for a reader whose writes depend
        on the path, so that a concurrent move of the unit or an ancestor (which locks the moved
        subtree's rows first) either waits for it or is seen by it; "update" for the move itself.
        """
        query = select(self.table.c.path).where(self.table.c.id == unit_id)
        if lock is not None:
            query = query.with_for_update(read=lock == "share")
        found: str | None = session.scalar(query)
        return found

    def hold(self, session: Session, path: Sequence[uuid.UUID]) -> str:
        """The path of the last unit on `path` as this tree knows it, holding every unit on it.

        The deepest unit the tree holds anchors the path; each unit below it is added as a
        placeholder where `path` puts it, so a later path through that unit anchors on it too.
        The anchor is read FOR SHARE: a placeholder must not be written under a path that a
        concurrent move is rewriting.
        """
        for depth in range(len(path) - 1, -1, -1):
            held = self.path_of(session, path[depth], lock="share")
            if held is not None:
                text = held
                break
        else:
            depth, text = -1, ROOT
        for at in range(depth + 1, len(path)):
            text = self._placeholder(session, path[at], parent=path[at - 1] if at else None, path=text)
        return text

    def unit_of(self, session: Session, path: Sequence[uuid.UUID]) -> uuid.UUID:
        """The unit a record on this path belongs to (its last), held with every unit above it."""
        self.hold(session, path)
        return path[-1]

    def _placeholder(
        self, session: Session, unit_id: uuid.UUID, *, parent: uuid.UUID | None, path: str
    ) -> str:
        """The unit's path as held, after adding its placeholder under `path` unless a row is there.

        ON CONFLICT, because another consumer of this service may be adding the same unit at once.
        """
        values = {
            "id": unit_id,
            "kind": UNSEEN,
            "code": "",
            "name": "",
            "parent_id": parent,
            "path": extend_path(path, unit_id),
        }
        insert = insert_on_conflict(session, self.table).values(**values)
        session.execute(insert.on_conflict_do_nothing(index_elements=[self.table.c.id]))
        held = self.path_of(session, unit_id)
        assert held is not None
        return held

    def place(self, session: Session, path: Sequence[uuid.UUID]) -> str:
        """Where `path` puts its last unit in this tree: its parent's path as held, then the unit."""
        return extend_path(self.hold(session, path[:-1]), path[-1])

    def subtree(self, prefix: str) -> Select[tuple[uuid.UUID]]:
        """The ids of the units whose path starts with `prefix` (a range on the path's index)."""
        return select(self.table.c.id).where(in_subtree(self.table.c.path, prefix))

    def row(self, session: Session, unit_id: uuid.UUID) -> Row[Any] | None:
        """The unit's row (id, kind, code, name, parent_id, path), or None."""
        return session.execute(select(self.table).where(self.table.c.id == unit_id)).first()
