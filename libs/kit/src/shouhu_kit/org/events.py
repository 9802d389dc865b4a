"""The tree copy's consumer: registry.org events applied to a service's OrgTree, in any cross-key order."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update

from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import OrgUnitCreated, OrgUnitMoved, OrgUnitRenamed
from shouhu_kit.org.paths import encode_path, in_subtree, rewrite_prefix
from shouhu_kit.org.tree import UNSEEN, OrgTree
from shouhu_kit.runtime import ConsumerSpec
from shouhu_kit.uow import UnitOfWork


class MoveHook(Protocol):
    """A service's own work on a subtree move, in the move's transaction.

    Called with the subtree's rows locked and before its paths are rewritten: the tree still
    holds `old`, the subtree root's path before, and `new` is its path after; `at` is when the
    registry moved it (the event's time, so a replay dates the change as the live run did).
    """

    def __call__(self, uow: UnitOfWork, *, old: str, new: str, at: datetime) -> None: ...


class OrgTreeHandlers:
    """OrgUnitCreated, OrgUnitRenamed and OrgUnitMoved kept in one service's tree."""

    def __init__(self, tree: OrgTree, *, on_move: MoveHook | None = None) -> None:
        self.tree = tree
        self.on_move = on_move

    def created(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        """Hold the unit under its parent's current place, and keep its names.

        Creation is a unit's first event, so a row already held (a replay, or the placeholder a
        path through the unit left) is in a place as new or newer: only a placeholder's names
        are missing.
        """
        data: OrgUnitCreated = event.data
        t = self.tree.table
        self.tree.hold(uow.session, data.path)
        uow.session.execute(
            update(t)
            .where(t.c.id == data.unit_id, t.c.kind == UNSEEN)
            .values(kind=data.kind.value, code=data.code, name=data.name)
        )

    def renamed(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        """Keep the new name and code (a unit never seen here is left to its creation event)."""
        data: OrgUnitRenamed = event.data
        t = self.tree.table
        uow.session.execute(update(t).where(t.c.id == data.unit_id).values(name=data.name, code=data.code))

    def moved(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        """Put the unit under its new parent and rewrite its subtree's paths in one UPDATE.

        The unit's own row is locked first, so that a concurrent move of an ancestor is finished
        (and its path read after it) or waits; then the whole subtree, so that a reader anchoring
        on one of its rows is finished or reads the new path (OrgTree.path_of).
        """
        data: OrgUnitMoved = event.data
        s, t = uow.session, self.tree.table
        old = self.tree.path_of(s, data.unit_id, lock="update")
        if old is None:  # never seen, so no stored path passes it: it is where the event puts it
            self.tree.hold(s, data.new_path)
            return
        s.execute(select(t.c.id).where(in_subtree(t.c.path, old)).with_for_update())
        new = self.tree.place(s, data.new_path)
        if new == old:
            return  # already where the event puts it
        if new.startswith(old):  # the tree, ahead or behind, would put the unit under itself
            new = encode_path(data.new_path)
            if new.startswith(old):
                return
        if self.on_move is not None:
            self.on_move(uow, old=old, new=new, at=data.occurred_at)
        rewrite_prefix(s, t, t.c.path, old=old, new=new)
        parent = data.new_path[-2] if len(data.new_path) > 1 else None
        s.execute(update(t).where(t.c.id == data.unit_id).values(parent_id=parent))


def org_tree_consumer(tree: OrgTree, *, on_move: MoveHook | None = None, name: str = "org") -> ConsumerSpec:
    """The consumer that keeps a service's tree from registry.org (include it in the service's list)."""
    handlers = OrgTreeHandlers(tree, on_move=on_move)
    return ConsumerSpec(
        name=name,
        topics=[OrgUnitCreated.topic],
        handlers={
            OrgUnitCreated.event_type: handlers.created,
            OrgUnitRenamed.event_type: handlers.renamed,
            OrgUnitMoved.event_type: handlers.moved,
        },
    )
