"""Reporting projections: work per event grows with the depth of the tree, not the city's size."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from reporting.adapters.orm import ChildPlacement, OrgUnitView, UnitChildCount
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated
from shouhu_kit.uow import UnitOfWork


def on_org_unit_created(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Keep the unit's name and place."""
    data: OrgUnitCreated = event.data
    row = uow.session.get(OrgUnitView, data.unit_id)
    path = "/" + "/".join(str(p) for p in data.path) + "/"
    if row is None:
        uow.session.add(
            OrgUnitView(
                id=data.unit_id,
                kind=data.kind.value,
                code=data.code,
                name=data.name,
                parent_id=data.parent_id,
                path_text=path,
            )
        )
    else:
        row.name, row.code, row.parent_id, row.path_text = data.name, data.code, data.parent_id, path


def on_child_registered(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Count the child once in each unit of its school path and its home path."""
    data: ChildRegistered = event.data
    units = list(dict.fromkeys([*data.org_path, *(data.home_path or [])]))
    if uow.session.get(ChildPlacement, data.child_id) is not None:
        return  # already counted (a re-registration is an update, handled by a later issue)
    uow.session.add(ChildPlacement(child_id=data.child_id, units=",".join(str(u) for u in units)))
    for unit_id in units:
        _bump(uow, unit_id, 1)


def _bump(uow: UnitOfWork, unit_id: uuid.UUID, delta: int) -> None:
    """Atomic add: two workers bumping the same unit never lose an update."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, UnitChildCount.__table__)
    stmt = insert(table).values(unit_id=unit_id, children=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id], set_={"children": table.c.children + delta}
    )
    uow.session.execute(stmt)
