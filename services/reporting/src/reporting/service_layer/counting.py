"""Counting helpers: paths as '/id/…/' text, the org view's current paths, atomic counter bumps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from reporting.adapters.orm import ChildPlacement, OrgUnitView, UnitChildCount
from shouhu_contracts.org import ChildStatus
from shouhu_kit.uow import UnitOfWork

ACTIVE = ChildStatus.ACTIVE.value


def path_text(path: Sequence[uuid.UUID]) -> str:
    """'/id/id/…/' for prefix and subtree matching."""
    return "/" + "".join(f"{p}/" for p in path)


def path_units(text: str | None) -> list[uuid.UUID]:
    """The unit ids of a path text, root first."""
    return [uuid.UUID(p) for p in text.split("/") if p] if text else []


def current_path(uow: UnitOfWork, path: Sequence[uuid.UUID]) -> str:
    """The path as this service knows it now: the deepest unit the org view holds, then the rest.

    Org events reach this service through another consumer than child events, so an event may
    carry a path from before or after a unit move applied here. Anchoring every stored path on
    the org view keeps them all in the view's version; a move applied later rewrites them.
    """
    for depth in range(len(path) - 1, -1, -1):
        unit = uow.session.get(OrgUnitView, path[depth])
        if unit is not None:
            return unit.path_text + "".join(f"{p}/" for p in path[depth + 1 :])
    return path_text(path)


def unit_path(uow: UnitOfWork, path: Sequence[uuid.UUID]) -> str:
    """A unit's path: its parent's current path, then the unit."""
    if len(path) == 1:
        return path_text(path)
    return current_path(uow, path[:-1]) + f"{path[-1]}/"


def counted_units(row: ChildPlacement) -> set[uuid.UUID]:
    """The units a placement counts in: every unit of both paths while the child is active."""
    if row.status != ACTIVE:
        return set()
    return {*path_units(row.org_path_text), *path_units(row.home_path_text)}


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
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, UnitChildCount.__table__)
    stmt = insert(table).values(unit_id=unit_id, children=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id], set_={"children": table.c.children + delta}
    )
    uow.session.execute(stmt)
