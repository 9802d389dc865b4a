"""Reporting HTTP routes: parse, call one service function, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from reporting.service_layer import queries
from reporting.service_layer.queries import UnitCount
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

READERS = (
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.TOWNSHIP_ADMIN,
    Role.SCHOOL_ADMIN,
    Role.VILLAGE_DIRECTOR,
)
router = APIRouter(prefix="/v1", tags=["reporting"])


@router.get(
    "/org-units/{unit_id}/children-count", response_model=UnitCount, summary="单位儿童数 / Children in a unit"
)
def children_count(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> UnitCount:
    require_role(user, READERS)
    return queries.children_count(uow=uow, principal=user, unit_id=unit_id)


@router.get(
    "/coverage",
    response_model=list[UnitCount],
    summary="下级单位儿童数 / Children per unit under a parent",
    responses=problem_responses(404),
)
def coverage(
    user: CurrentUser,
    uow: NewUow,
    parent_id: Annotated[uuid.UUID, Query(description="上级单位 / parent unit")],
) -> list[UnitCount]:
    require_role(user, READERS)
    return queries.coverage(uow=uow, principal=user, parent_id=parent_id)
