"""Counting helpers: paths as '/id/…/' text, the org view's current paths, atomic counter bumps."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from reporting.adapters.orm import ChildPlacement, OrgUnitView, UnitChildCount
from shouhu_contracts.org import ChildStatus
from shouhu_kit.uow import UnitOfWork

ACTIVE = ChildStatus.ACTIVE.value
UNSEEN = ""  # the kind of a unit the view knows only from paths, until its creation event arrives


def path_text(path: Sequence[uuid.UUID]) -> str:
    """'/id/id/…/' for prefix and subtree matching."""
    return "/" + "".join(f"{p}/" for p in path)


def path_units(text: str | None) -> list[uuid.UUID]:
    """The unit ids of a path text, root first."""
    return [uuid.UUID(p) for p in text.split("/") if p] if text else []


def current_path(uow: UnitOfWork, path: Sequence[uuid.UUID]) -> str:
    """The path as this service knows it now, with every unit on it held by the org view.

    Org events reach this service through another consumer than child events, and each unit's
    events through its own key, so an event may carry a path from before or after unit moves
    applied here. The view is the one version every stored path follows: the deepest unit it
    holds anchors the path, and each unit below that it does not hold yet is added as a
    placeholder (kind UNSEEN) where the event puts it, so a later path through that unit anchors
    on it too. Were the rest kept as raw text instead, a unit's later creation event, carrying its
    older place, would give the view another version of the path than those stored rows, and a
    move, found by the view's prefix, would miss them.
    """
    for depth in range(len(path) - 1, -1, -1):
        # FOR SHARE (PostgreSQL): a concurrent move of this unit or an ancestor, which locks the
        # moved subtree's rows first, either waits for this transaction or is seen by it.
        unit = uow.session.get(OrgUnitView, path[depth], with_for_update={"read": True})
        if unit is not None:
            text = unit.path_text
            break
    else:
        depth, text = -1, "/"
    for at in range(depth + 1, len(path)):
        text = _hold(uow, path[at], parent=path[at - 1] if at else None, path=text + f"{path[at]}/")
    return text


def _hold(uow: UnitOfWork, unit_id: uuid.UUID, *, parent: uuid.UUID | None, path: str) -> str:
    """The unit's path as held, after adding its placeholder unless a row is there already.

    ON CONFLICT, because the other consumer may be adding the same unit at the same moment.
    """
    table = cast(Table, OrgUnitView.__table__)
    values = {"id": unit_id, "kind": UNSEEN, "code": "", "name": "", "parent_id": parent, "path_text": path}
    uow.session.execute(
        _insert(uow)(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.id])
    )
    return cast(str, uow.session.scalar(select(OrgUnitView.path_text).where(OrgUnitView.id == unit_id)))


def unit_path(uow: UnitOfWork, path: Sequence[uuid.UUID]) -> str:
    """A unit's path: its parent's current path, then the unit."""
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
    table = cast(Table, UnitChildCount.__table__)
    stmt = _insert(uow)(table).values(unit_id=unit_id, children=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id], set_={"children": table.c.children + delta}
    )
    uow.session.execute(stmt)


def _insert(uow: UnitOfWork) -> Callable[[Table], Any]:
    """The dialect's INSERT, which has ON CONFLICT."""
    return postgresql.insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite.insert
