"""Helper routes: register (one by one), read, change (If-Match), deactivate, list; class teachers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from pairing.service_layer import helpers, roster_helpers
from pairing.service_layer.helpers import ClassTeacherOut, HelperIn, HelperOut, HelperPatch
from pairing.service_layer.roster_helpers import HELPER_ROSTER
from shouhu_contracts.pairing.vocabulary import HelperKind
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.etags import etag, version_from
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import invalid_request
from shouhu_kit.spreadsheets import COMMON_GUIDE, ImportMode, example_row, template_csv, template_xlsx
from shouhu_kit.spreadsheets.http import (
    REPORT_RESPONSES,
    WORKBOOK,
    XLSX,
    ModeForm,
    ModeQuery,
    ReportFormat,
    ReportQuery,
    TemplateFormat,
    Upload,
    attachment,
    read_upload,
    report_response,
)

# Who registers and manages helpers: the officials, the village child director, the school head.
MANAGERS = (
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.TOWNSHIP_ADMIN,
    Role.VILLAGE_DIRECTOR,
    Role.SCHOOL_ADMIN,
)
STAFF = (*MANAGERS, Role.TEACHER)
router = APIRouter(prefix="/v1", tags=["helpers 帮扶人"])


class DeactivateIn(BaseModel):
    """停用帮扶人 / Deactivate a helper."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")


class ClassTeacherIn(BaseModel):
    """指定班主任 / Name a class's class teacher."""

    model_config = ConfigDict(extra="forbid")

    helper_id: uuid.UUID


def _tagged(out: HelperOut, response: Response) -> HelperOut:
    response.headers["ETag"] = etag(out.version)
    return out


@router.post(
    "/helpers",
    status_code=201,
    response_model=HelperOut,
    summary="登记帮扶人 / Register a helper",
    responses=problem_responses(404, 409),
)
def register_helper(body: HelperIn, user: CurrentUser, uow: NewUow, response: Response) -> HelperOut:
    require_role(user, MANAGERS)
    out = helpers.register(uow=uow, body=body, principal=user)
    response.headers["Location"] = f"/v1/helpers/{out.id}"
    return _tagged(out, response)


@router.get(
    "/helpers",
    response_model=list[HelperOut],
    summary="帮扶人列表 / Helpers in my scope",
    responses=problem_responses(404),
)
def list_helpers(
    user: CurrentUser,
    uow: NewUow,
    unit_id: uuid.UUID | None = None,
    kind: HelperKind | None = None,
    active: bool | None = None,
    has_room: Annotated[bool | None, Query(description="尚有帮扶容量 / with spare capacity")] = None,
    after: Annotated[
        uuid.UUID | None, Query(description="上一页最后一条的编号 / last id of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HelperOut]:
    require_role(user, STAFF)
    return helpers.search(
        uow=uow,
        principal=user,
        unit_id=unit_id,
        kind=kind,
        active=active,
        has_room=has_room,
        after=after,
        limit=limit,
    )


@router.get(
    "/helpers/{helper_id}",
    response_model=HelperOut,
    summary="查看帮扶人 / Get a helper",
    responses=problem_responses(404),
)
def get_helper(helper_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response) -> HelperOut:
    require_role(user, (*STAFF, Role.HELPER))
    return _tagged(helpers.read(uow=uow, helper_id=helper_id, principal=user), response)


@router.patch(
    "/helpers/{helper_id}",
    response_model=HelperOut,
    summary="修改帮扶人（需 If-Match）/ Change a helper (If-Match)",
    responses=problem_responses(404, 412, 428),
)
def change_helper(
    helper_id: uuid.UUID,
    body: HelperPatch,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> HelperOut:
    require_role(user, MANAGERS)
    version = version_from(if_match, what_zh="帮扶人信息", what_en="helper")
    out = helpers.change(uow=uow, helper_id=helper_id, patch=body, version=version, principal=user)
    return _tagged(out, response)


@router.post(
    "/helpers/{helper_id}/deactivate",
    response_model=HelperOut,
    summary="停用帮扶人（其结对一并解除）/ Deactivate a helper (their pairings end)",
    responses=problem_responses(404),
)
def deactivate_helper(
    helper_id: uuid.UUID, body: DeactivateIn, user: CurrentUser, uow: NewUow, response: Response
) -> HelperOut:
    require_role(user, MANAGERS)
    return _tagged(
        helpers.deactivate(uow=uow, helper_id=helper_id, reason=body.reason, principal=user), response
    )


@router.put(
    "/classes/{class_id}/class-teacher",
    response_model=ClassTeacherOut,
    summary="指定班主任 / Name a class's class teacher",
    responses=problem_responses(404),
)
def name_class_teacher(
    class_id: uuid.UUID, body: ClassTeacherIn, user: CurrentUser, uow: NewUow
) -> ClassTeacherOut:
    require_role(user, (Role.SCHOOL_ADMIN, Role.TOWNSHIP_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN))
    return helpers.name_class_teacher(uow=uow, class_id=class_id, helper_id=body.helper_id, principal=user)


@router.get(
    "/classes/{class_id}/class-teacher",
    response_model=ClassTeacherOut,
    summary="班主任 / A class's class teacher",
    responses=problem_responses(404),
)
def get_class_teacher(class_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> ClassTeacherOut:
    require_role(user, STAFF)
    return helpers.class_teacher(uow=uow, class_id=class_id, principal=user)


@router.post(
    "/rosters/helpers",
    summary="导入帮扶人花名册 / Import a helpers' roster (CSV or XLSX)",
    response_class=Response,
    responses={**REPORT_RESPONSES, **problem_responses(404)},
    tags=["rosters 花名册"],
)
def import_helpers(
    user: CurrentUser,
    uow: NewUow,
    file: Upload,
    unit_id: Annotated[
        uuid.UUID | None,
        Query(description="导入到的单位（各行填其下单位代码）/ the unit the rows fall under"),
    ] = None,
    unit_id_form: Annotated[uuid.UUID | None, Form(alias="unit_id")] = None,
    mode: ModeQuery = None,
    mode_form: ModeForm = None,
    report: ReportQuery = ReportFormat.JSON,
) -> Response:
    """Register each good row as `POST /v1/helpers` would, in one transaction; answer a per-row report."""
    require_role(user, MANAGERS)
    unit = unit_id or unit_id_form or user.org_id
    if unit is None:
        raise invalid_request(
            [{"field": "unit_id", "message": "必填字段缺失", "message_en": "unit_id is required"}]
        )
    result = roster_helpers.import_helpers(
        uow=uow,
        data=read_upload(file),
        filename=file.filename or "",
        unit_id=unit,
        mode=mode or mode_form or ImportMode.PARTIAL,
        principal=user,
    )
    return report_response(
        result, report, name="帮扶人花名册", id_header="帮扶人编号", id_keys=("helper_id",)
    )


@router.get(
    "/rosters/helpers/template",
    summary="帮扶人花名册模板 / The helpers' roster template (XLSX with 说明, or CSV)",
    response_class=Response,
    responses={200: {"content": {**WORKBOOK, "text/csv": {"schema": {"type": "string"}}}}},
    tags=["rosters 花名册"],
)
def helpers_template(
    user: CurrentUser,
    fmt: Annotated[
        TemplateFormat, Query(alias="format", description="xlsx（默认）或 csv")
    ] = TemplateFormat.XLSX,
) -> Response:
    """Chinese headers in import order and one example row; the XLSX adds dropdowns and a 说明 sheet."""
    require_role(user, MANAGERS)
    rows = [example_row(HELPER_ROSTER)]
    if fmt is TemplateFormat.CSV:
        body, media = template_csv(HELPER_ROSTER, rows=rows), "text/csv; charset=utf-8"
    else:
        body, media = template_xlsx(HELPER_ROSTER, title="帮扶人", rows=rows, guide=COMMON_GUIDE), XLSX
    disposition = attachment(f"帮扶人花名册模板.{fmt.value}", f"helpers-template.{fmt.value}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})
