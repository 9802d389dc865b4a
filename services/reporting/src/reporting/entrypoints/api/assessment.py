"""Assessment routes (考核及奖励): children, helpers, class teachers, the workbook, stars, the formula."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from reporting.entrypoints.api.routes import READERS
from reporting.service_layer import assessment, assessment_export, assessment_lists, assessment_policy
from reporting.service_layer import commendations as stars
from reporting.service_layer.assessment_models import ChildPage, ClassPage, Commendations, HelperPage
from reporting.service_layer.assessment_policy import PolicyIn, PolicyOut
from shouhu_contracts.terms import SchoolYear
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.spreadsheets.http import WORKBOOK, XLSX, attachment

router = APIRouter(prefix="/v1", tags=["assessment 考核及奖励"])

YearQ = Annotated[SchoolYear, Query(description="学年，如 2025-2026 / school year, e.g. 2025-2026")]
AfterQ = Annotated[
    str | None, Query(max_length=500, description="上一页返回的 next_after / the previous page's next_after")
]
LimitQ = Annotated[int, Query(ge=1, le=200, description="每页条数 / page size")]
TopQ = Annotated[int, Query(ge=1, le=100, description="列出前几名（并列全列出）/ ranks listed (ties: all)")]
CityQ = Annotated[
    uuid.UUID | None, Query(description="城市，缺省为调用者所在城市 / the city (default: the caller's)")
]


@router.get(
    "/org-units/{unit_id}/assessment/children",
    response_model=ChildPage,
    summary="儿童学年考核（每项加分及理由、学生奖励）/ Each child's points, with reasons, and awards",
    responses=problem_responses(404, 422),
)
def assessment_children(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    school_year: YearQ,
    after: AfterQ = None,
    limit: LimitQ = 50,
) -> ChildPage:
    require_role(user, READERS)
    return assessment.children_page(
        uow=uow, principal=user, unit_id=unit_id, school_year=school_year, after=after, limit=limit
    )


@router.get(
    "/org-units/{unit_id}/assessment/helpers",
    response_model=HelperPage,
    summary="帮扶人考核（名下儿童考核分之和）/ Helpers' scores: the sum over their children",
    responses=problem_responses(404, 422),
)
def assessment_helpers(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    school_year: YearQ,
    after: AfterQ = None,
    limit: LimitQ = 50,
) -> HelperPage:
    require_role(user, READERS)
    return assessment_lists.helpers_page(
        uow=uow, principal=user, unit_id=unit_id, school_year=school_year, after=after, limit=limit
    )


@router.get(
    "/org-units/{unit_id}/assessment/class-teachers",
    response_model=ClassPage,
    summary="班主任考核（本班留守儿童考核均分）/ Class teachers' scores: their class's average",
    responses=problem_responses(404, 422),
)
def assessment_class_teachers(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    school_year: YearQ,
    after: AfterQ = None,
    limit: LimitQ = 50,
) -> ClassPage:
    require_role(user, READERS)
    return assessment_lists.class_teachers_page(
        uow=uow, principal=user, unit_id=unit_id, school_year=school_year, after=after, limit=limit
    )


@router.get(
    "/org-units/{unit_id}/assessment/export",
    summary="导出考核表（儿童、帮扶人、班主任三张工作表）/ The assessment as XLSX (three sheets)",
    response_class=Response,
    responses={200: {"content": WORKBOOK}, **problem_responses(404, 413, 422)},
)
def assessment_workbook(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow, school_year: YearQ) -> Response:
    require_role(user, READERS)
    body, filename = assessment_export.export(
        uow=uow, principal=user, unit_id=unit_id, school_year=school_year
    )
    disposition = attachment(filename, f"assessment-{school_year}.xlsx")
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get(
    "/org-units/{unit_id}/commendations",
    response_model=Commendations,
    summary="表彰候选：自强之星、关爱之星 / Commendation candidates: self-improvement and caring stars",
    responses=problem_responses(404, 422),
)
def commendations(
    unit_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    school_year: YearQ,
    top: Annotated[
        int, Query(ge=1, le=100, description="列出前几名（并列全列）/ ranks listed (ties all)")
    ] = 10,
) -> Commendations:
    require_role(user, READERS)
    return stars.commendations(uow=uow, principal=user, unit_id=unit_id, school_year=school_year, top=top)


@router.get(
    "/assessment-policy",
    response_model=PolicyOut,
    summary="本市考核办法（加分、奖励标准）/ The city's assessment formula and award amounts",
    responses=problem_responses(404, 422),
)
def get_policy(user: CurrentUser, uow: NewUow, city_id: CityQ = None) -> PolicyOut:
    require_role(user, READERS)
    return assessment_policy.current(uow=uow, principal=user, city_id=city_id)


@router.get(
    "/assessment-policy/versions",
    response_model=list[PolicyOut],
    summary="考核办法的历次版本 / Every version of the city's assessment formula",
    responses=problem_responses(404, 422),
)
def policy_versions(user: CurrentUser, uow: NewUow, city_id: CityQ = None) -> list[PolicyOut]:
    require_role(user, READERS)
    return assessment_policy.versions(uow=uow, principal=user, city_id=city_id)


@router.put(
    "/assessment-policy",
    response_model=PolicyOut,
    summary="修改本市考核办法（生成新版本）/ Change the city's assessment formula (a new version)",
    responses=problem_responses(404, 409, 422),
)
def change_policy(body: PolicyIn, user: CurrentUser, uow: NewUow, city_id: CityQ = None) -> PolicyOut:
    require_role(user, (Role.CITY_ADMIN,))
    return assessment_policy.change(uow=uow, principal=user, city_id=city_id, body=body)
