"""Counting helpers: the units a placement counts in, as the tree places them, and atomic counter bumps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table

from reporting.adapters.orm import TREE, ChildPlacement, UnitChildCount
from shouhu_contracts.org import ChildStatus
from shouhu_kit.db import insert_on_conflict
from shouhu_kit.org.paths import decode_path
from shouhu_kit.uow import UnitOfWork

ACTIVE = ChildStatus.ACTIVE.value


def _units_above(uow: UnitOfWork, unit_id: uuid.UUID | None) -> list[uuid.UUID]:
    """The unit and every unit above it, as the tree holds them now.

    FOR SHARE (PostgreSQL): a concurrent move of the unit or an ancestor, which locks the moved
    subtree's rows first, either waits for this transaction or is seen by it, so a count moved by
    one is never moved again, or missed, by the other.
    """
    if unit_id is None:
        return []
    path = TREE.path_of(uow.session, unit_id, lock="share")
    assert path is not None, "a placement's units are held in the tree (TREE.unit_of)"
    return decode_path(path)


def counted_units(uow: UnitOfWork, row: ChildPlacement) -> set[uuid.UUID]:
    """The units a placement counts in: every unit above its class and its home village while active."""
    if row.status != ACTIVE:
        return set()
    return {*_units_above(uow, row.class_id), *_units_above(uow, row.home_village_id)}


def shift(uow: UnitOfWork, *, before: set[uuid.UUID], after: set[uuid.UUID]) -> None:
    """Decrement the units a child left and increment those it joined; the rest stay."""
    deltas = dict.fromkeys(before - after, -1) | dict.fromkeys(after - before, 1)
    bump_many(uow, deltas.items())


def bump_many(uow: UnitOfWork, deltas: Iterable[tuple[uuid.UUID, int]]) -> None:
    """Bump several counters in a fixed order (by id), so two workers never deadlock."""
    for unit_id, delta in sorted(deltas, key=lambda item: str(item[0])):
        if delta:
            bump(uow, unit_id, delta)


def bump(uow: UnitOfWork, unit_id: uuid.UUID, delta: int) -> None:
    """Atomic add: two workers bumping the same unit never lose an update."""
    table = cast(Table, UnitChildCount.__table__)
    stmt = insert_on_conflict(uow.session, table).values(unit_id=unit_id, children=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id], set_={"children": table.c.children + delta}
    )
    uow.session.execute(stmt)
