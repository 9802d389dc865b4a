"""Reporting projections of org events: names, places, and counts that follow a moved subtree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, or_, select, update

from reporting.adapters.orm import ChildPlacement, OrgUnitView
from reporting.service_layer.counting import (
    ACTIVE,
    UNSEEN,
    bump_many,
    current_path,
    path_text,
    path_units,
    unit_path,
)
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import OrgUnitCreated, OrgUnitMoved, OrgUnitRenamed
from shouhu_kit.uow import UnitOfWork


def on_org_unit_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the unit's name and place (under its parent's current place).

    Creation is a unit's first event, so a row already held (a replay, or the placeholder a path
    through the unit left) is in a place as new or newer: only a placeholder's names are missing.
    """
    data: OrgUnitCreated = event.data
    current_path(uow, data.path)  # holds the unit, as a placeholder, if it was not held
    row = uow.session.get(OrgUnitView, data.unit_id)
    if row is not None and row.kind == UNSEEN:
        row.kind, row.code, row.name = data.kind.value, data.code, data.name


def on_org_unit_renamed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the new name and code (a unit never seen here is left to its creation event)."""
    data: OrgUnitRenamed = event.data
    row = uow.session.get(OrgUnitView, data.unit_id)
    if row is not None:
        row.name, row.code = data.name, data.code


def on_org_unit_moved(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Rewrite every path below the unit and move the subtree's count to the new ancestors.

    One SELECT sums the counter changes and one UPDATE per table rewrites the paths, each over
    the rows under the unit's old path only: the work grows with the subtree, not the city.
    """
    data: OrgUnitMoved = event.data
    s = uow.session
    unit = s.get(OrgUnitView, data.unit_id)
    if unit is None:  # never seen, so no stored path passes it: it is where the event puts it
        current_path(uow, data.new_path)
        return
    old = unit.path_text
    # Lock the whole subtree's org rows before any path is rewritten, so that a child handler
    # anchoring a path on one of them is either finished (its row is seen by the UPDATEs below) or
    # waits and then reads the new path (see counting.current_path).
    s.execute(select(OrgUnitView.id).where(OrgUnitView.path_text.startswith(old)).with_for_update())
    new = unit_path(uow, data.new_path)
    if new == old:
        return  # already where the event puts it
    if new.startswith(old):  # the view, ahead or behind, would put the unit under itself
        new = path_text(data.new_path)
        if new.startswith(old):
            return
    _shift_subtree_counts(uow, old=old, new=new)
    _rewrite_paths(uow, old=old, new=new)
    s.expire(unit)  # its path was rewritten in the database
    unit.parent_id = data.new_path[-2] if len(data.new_path) > 1 else None


def _rewrite_paths(uow: UnitOfWork, *, old: str, new: str) -> None:
    """Swap the prefix `old` for `new` in placements (school or home side) and in the org view."""
    cut = len(old) + 1
    p = ChildPlacement
    org_in, home_in = p.org_path_text.like(f"{old}%"), p.home_path_text.like(f"{old}%")
    uow.session.execute(
        update(p)
        .where(or_(org_in, home_in))
        .values(
            org_path_text=case((org_in, new + func.substr(p.org_path_text, cut)), else_=p.org_path_text),
            home_path_text=case((home_in, new + func.substr(p.home_path_text, cut)), else_=p.home_path_text),
        )
        .execution_options(synchronize_session=False)
    )
    uow.session.execute(
        update(OrgUnitView)
        .where(OrgUnitView.path_text.like(f"{old}%"))
        .values(path_text=new + func.substr(OrgUnitView.path_text, cut))
        .execution_options(synchronize_session=False)
    )


def _passes(column: SQLColumnExpression[str], unit: object) -> ColumnElement[bool]:
    """The path passes the unit."""
    return column.like(f"%/{unit}/%")


def _shift_subtree_counts(uow: UnitOfWork, *, old: str, new: str) -> None:
    """Take the subtree's active children from the ancestors it leaves to those it joins.

    A child counts once per unit, so where its other path (home or school, outside the subtree)
    still passes an ancestor left behind, or already passes one joined, that counter keeps it.
    """
    old_ids, new_ids = path_units(old), path_units(new)
    left = [u for u in old_ids if u not in new_ids]
    joined = [u for u in new_ids if u not in old_ids]
    if not left and not joined:
        return
    p = ChildPlacement
    org, home = p.org_path_text, func.coalesce(p.home_path_text, "")
    org_in, home_in = org.like(f"{old}%"), home.like(f"{old}%")
    # Per joined unit: children not counted there yet. Per unit left: children no path keeps there.
    gains = [func.sum(case((or_(_passes(org, u), _passes(home, u)), 0), else_=1)) for u in joined]
    losses = [
        func.sum(case((or_(and_(~org_in, _passes(org, u)), and_(~home_in, _passes(home, u))), 0), else_=1))
        for u in left
    ]
    row = uow.session.execute(select(*gains, *losses).where(p.status == ACTIVE, or_(org_in, home_in))).one()
    counts = [int(n or 0) for n in row]
    gained, lost = counts[: len(joined)], counts[len(joined) :]
    bump_many(uow, [*zip(joined, gained, strict=True), *((u, -n) for u, n in zip(left, lost, strict=True))])
