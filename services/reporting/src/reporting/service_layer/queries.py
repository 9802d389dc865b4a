"""What the reporting API answers: children per unit, subtree included, within the caller's scope."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, select

from reporting.adapters.orm import TREE, UnitChildCount
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork


class UnitCount(BaseModel):
    """单位儿童数 / Children in a unit (subtree included)."""

    unit_id: uuid.UUID
    kind: str
    code: str
    name: str
    children: int


def _visible(uow: UnitOfWork, unit_id: uuid.UUID, principal: Principal) -> Row[Any]:
    unit = TREE.row(uow.session, unit_id)
    # A placeholder (kind UNSEEN) is a unit whose creation event has not arrived: not shown yet.
    if unit is None or unit.kind == UNSEEN or not principal.sees(decode_path(unit.path)):
        raise not_found("组织单元", "Org unit")
    return unit


def _count(uow: UnitOfWork, unit: Row[Any]) -> UnitCount:
    n = uow.session.scalar(select(UnitChildCount.children).where(UnitChildCount.unit_id == unit.id))
    return UnitCount(unit_id=unit.id, kind=unit.kind, code=unit.code, name=unit.name, children=n or 0)


def children_count(*, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID) -> UnitCount:
    """One unit's children, its subtree included."""
    with uow:
        return _count(uow, _visible(uow, unit_id, principal))


def coverage(*, uow: UnitOfWork, principal: Principal, parent_id: uuid.UUID) -> list[UnitCount]:
    """The children of each unit directly under a parent."""
    with uow:
        _visible(uow, parent_id, principal)
        t = TREE.table
        units = uow.session.execute(
            select(t).where(t.c.parent_id == parent_id, t.c.kind != UNSEEN).order_by(t.c.code)
        ).all()
        return [_count(uow, u) for u in units]
