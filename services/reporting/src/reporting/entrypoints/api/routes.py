"""Reporting HTTP routes: parse, call one service function, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from reporting.service_layer import drilldown, queries
from reporting.service_layer.drilldown import ChildPage
from reporting.service_layer.queries import SubUnitPage, UnitKpis
from shouhu_contracts.months import MONTH_PATTERN
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

MonthQ = Annotated[
    str | None,
    Query(
        pattern=MONTH_PATTERN, description="统计月份，缺省为本月 / month, e.g. 2027-04 (default: this one)"
    ),
]
AfterQ = Annotated[
    str | None, Query(max_length=500, description="上一页返回的 next_after / the previous page's next_after")
]


@router.get(
    "/org-units/{unit_id}/kpis",
    response_model=UnitKpis,
    summary="单位指标 / A unit's KPIs, now and month by month",
    responses=problem_responses(404, 422),
)
def unit_kpis(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow, month: MonthQ = None) -> UnitKpis:
    require_role(user, READERS)
    return queries.unit_kpis(uow=uow, principal=user, unit_id=unit_id, month=month)


@router.get(
    "/org-units/{unit_id}/sub-units",
    response_model=SubUnitPage,
    summary="下级单位指标 / The figures of each unit directly under a unit",
    responses=problem_responses(404, 422),
)
def sub_units(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    month: MonthQ = None,
    after: Annotated[
        str | None, Query(max_length=64, description="上一页最后的单位代码 / last code seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="每页条数 / page size")] = 100,
) -> SubUnitPage:
    require_role(user, READERS)
    return queries.sub_units(uow=uow, principal=user, unit_id=unit_id, month=month, after=after, limit=limit)


@router.get(
    "/org-units/{unit_id}/children",
    response_model=ChildPage,
    summary="指标背后的儿童名单 / The children behind a figure",
    responses=problem_responses(404, 422),
)
def children_behind(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    figure: Annotated[
        str,
        Query(
            max_length=60,
            description="指标 / figure: all, paired, unpaired, archive_complete, archive_incomplete, "
            "tasks_open, tasks_overdue, missed, unmet, met, "
            "type:<留守类型>, guardian:<监护情况>, risk:<风险等级>",
        ),
    ] = "all",
    month: MonthQ = None,
    duty: Annotated[
        str | None, Query(max_length=60, description="义务代码 / duty code (missed, unmet, met)")
    ] = None,
    after: AfterQ = None,
    limit: Annotated[int, Query(ge=1, le=200, description="每页条数 / page size")] = 50,
) -> ChildPage:
    require_role(user, READERS)
    return drilldown.children_behind(
        uow=uow,
        principal=user,
        unit_id=unit_id,
        figure=figure,
        month=month,
        duty=duty,
        after=after,
        limit=limit,
    )
