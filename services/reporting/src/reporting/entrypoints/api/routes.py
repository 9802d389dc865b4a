"""Reporting HTTP routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import Row, select

from reporting.adapters.orm import TREE, UnitChildCount
from shouhu_kit.auth import Principal, Role, require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.tree import UNSEEN
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork

READERS = (
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.TOWNSHIP_ADMIN,
    Role.SCHOOL_ADMIN,
    Role.VILLAGE_DIRECTOR,
)
router = APIRouter(prefix="/v1", tags=["reporting"])


class UnitCount(BaseModel):
    """单位儿童数 / Children in a unit (subtree included)."""

    unit_id: uuid.UUID
    kind: str
    code: str
    name: str
    children: int


def _visible(uow: UnitOfWork, unit_id: uuid.UUID, user: Principal) -> Row[Any]:
    unit = TREE.row(uow.session, unit_id)
    # A placeholder (kind UNSEEN) is a unit whose creation event has not arrived: not shown yet.
    if unit is None or unit.kind == UNSEEN or not user.sees(decode_path(unit.path)):
        raise not_found("组织单元", "Org unit")
    return unit


def _count(uow: UnitOfWork, unit: Row[Any]) -> UnitCount:
    n = uow.session.scalar(select(UnitChildCount.children).where(UnitChildCount.unit_id == unit.id))
    return UnitCount(unit_id=unit.id, kind=unit.kind, code=unit.code, name=unit.name, children=n or 0)


@router.get(
    "/org-units/{unit_id}/children-count", response_model=UnitCount, summary="单位儿童数 / Children in a unit"
)
def children_count(unit_id: uuid.UUID, user: CurrentUser, uow: Uow) -> UnitCount:
    require_role(user, READERS)
    return _count(uow, _visible(uow, unit_id, user))


@router.get(
    "/coverage", response_model=list[UnitCount], summary="下级单位儿童数 / Children per unit under a parent"
)
def coverage(
    user: CurrentUser, uow: Uow, parent_id: Annotated[uuid.UUID, Query(description="上级单位 / parent unit")]
) -> list[UnitCount]:
    require_role(user, READERS)
    _visible(uow, parent_id, user)
    t = TREE.table
    units = uow.session.execute(
        select(t).where(t.c.parent_id == parent_id, t.c.kind != UNSEEN).order_by(t.c.code)
    ).all()
    return [_count(uow, u) for u in units]
