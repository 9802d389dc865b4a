"""Reporting's part in a unit move: the subtree's children counted under its new ancestors.

The kit's tree consumer keeps names and places (shouhu_kit.org.events) and calls this in the
move's transaction, with the subtree locked and its paths not yet rewritten.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union

from reporting.adapters.orm import TREE, ChildPlacement
from reporting.service_layer.counting import ACTIVE, bump_many
from shouhu_kit.org.paths import decode_path, encode_path, in_subtree
from shouhu_kit.uow import UnitOfWork


def _placed_below(old: str) -> ColumnElement[bool]:
    """Placements whose class or home village lies under the moved unit (each through its index)."""
    below = TREE.subtree(old)
    p = ChildPlacement
    moved = union(
        select(p.child_id).where(p.class_id.in_(below)),
        select(p.child_id).where(p.home_village_id.in_(below)),
    )
    return p.child_id.in_(moved.scalar_subquery())


def shift_subtree_counts(uow: UnitOfWork, *, old: str, new: str) -> None:
    """Take the subtree's active children from the ancestors it leaves to those it joins.

    A child counts once per unit, so where its other path (home or school, outside the subtree)
    still passes an ancestor left behind, or already passes one joined, that counter keeps it.
    One SELECT sums every change over the placements under the unit: work grows with the subtree.
    """
    old_ids, new_ids = decode_path(old), decode_path(new)
    left = [(u, encode_path(old_ids[: i + 1])) for i, u in enumerate(old_ids) if u not in new_ids]
    joined = [(u, encode_path(new_ids[: i + 1])) for i, u in enumerate(new_ids) if u not in old_ids]
    if not left and not joined:
        return
    p = ChildPlacement
    klass, village = TREE.table.alias("class_unit"), TREE.table.alias("village_unit")
    org, home = klass.c.path, func.coalesce(village.c.path, "")  # no village: passes nothing
    org_in, home_in = in_subtree(org, old), in_subtree(home, old)
    # Per joined unit: children not counted there yet. Per unit left: children no path keeps there.
    gains = [func.sum(case((or_(in_subtree(org, at), in_subtree(home, at)), 0), else_=1)) for _, at in joined]
    losses = [
        func.sum(
            case((or_(and_(~org_in, in_subtree(org, at)), and_(~home_in, in_subtree(home, at))), 0), else_=1)
        )
        for _, at in left
    ]
    query = (
        select(*gains, *losses)
        .select_from(p)
        .join(klass, klass.c.id == p.class_id)
        .outerjoin(village, village.c.id == p.home_village_id)
        .where(p.status == ACTIVE, _placed_below(old))
    )
    counts = [int(n or 0) for n in uow.session.execute(query).one()]
    gained, lost = counts[: len(joined)], counts[len(joined) :]
    changes: list[tuple[uuid.UUID, int]] = [(u, n) for (u, _), n in zip(joined, gained, strict=True)]
    bump_many(uow, [*changes, *((u, -n) for (u, _), n in zip(left, lost, strict=True))])
