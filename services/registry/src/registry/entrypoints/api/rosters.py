"""Roster routes (花名册): children, term results and attendance from CSV/XLSX; templates; the export."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Response

from registry.adapters.rosters import (
    ATTENDANCE_ROSTER,
    CHILD_ROSTER,
    attendance_xlsx,
    roster_xlsx,
    template_row,
)
from registry.entrypoints.api.roles import CHILD_WRITERS, READERS, RESULT_WRITERS
from registry.service_layer import roster_attendance, roster_children, roster_export, roster_results
from shouhu_contracts.months import Month
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.terms import Term
from shouhu_kit.auth import Principal, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import invalid_request
from shouhu_kit.spreadsheets import ImportMode, RosterReport, example_row, template_csv
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

router = APIRouter(prefix="/v1/rosters", tags=["rosters 花名册"])


def _answer(report: RosterReport, fmt: ReportFormat, name: str) -> Response:
    """The report; its workbook names each row's child (儿童编号)."""
    return report_response(
        report, fmt, name=name, id_header="儿童编号", id_keys=("child_id", "existing_child_id")
    )


def _unit(user: Principal, *candidates: uuid.UUID | None) -> uuid.UUID:
    """The unit named in the query or form, else the caller's own unit."""
    for unit in (*candidates, user.org_id):
        if unit is not None:
            return unit
    raise invalid_request(
        [{"field": "unit_id", "message": "必填字段缺失", "message_en": "unit_id is required"}]
    )


@router.post(
    "/children",
    summary="导入花名册（建档）/ Import a children's roster (CSV or XLSX)",
    response_class=Response,
    responses={**REPORT_RESPONSES, **problem_responses(409)},
)
def import_children(
    user: CurrentUser,
    uow: NewUow,
    file: Upload,
    unit_id: Annotated[
        uuid.UUID | None,
        Query(description="班级，或学校等上级单位（各行填班级代码）/ a class or a unit above"),
    ] = None,
    unit_id_form: Annotated[uuid.UUID | None, Form(alias="unit_id")] = None,
    mode: ModeQuery = None,
    mode_form: ModeForm = None,
    report: ReportQuery = ReportFormat.JSON,
) -> Response:
    """Register each good row as `POST /v1/children` would, in one transaction; answer a per-row report."""
    require_role(user, CHILD_WRITERS)
    result = roster_children.import_children(
        uow=uow,
        data=read_upload(file),
        filename=file.filename or "",
        unit_id=_unit(user, unit_id, unit_id_form),
        mode=mode or mode_form or ImportMode.PARTIAL,
        principal=user,
    )
    return _answer(result, report, "花名册")


@router.get(
    "/children/template",
    summary="花名册模板 / The roster template (XLSX with 说明, or CSV)",
    response_class=Response,
    responses={200: {"content": {**WORKBOOK, "text/csv": {"schema": {"type": "string"}}}}},
)
def template(
    user: CurrentUser,
    fmt: Annotated[
        TemplateFormat, Query(alias="format", description="xlsx（默认）或 csv")
    ] = TemplateFormat.XLSX,
) -> Response:
    """Chinese headers in import order, one example row; the XLSX adds dropdowns and a 说明 sheet."""
    require_role(user, CHILD_WRITERS)
    if fmt is TemplateFormat.CSV:
        body = template_csv(CHILD_ROSTER, rows=[template_row()])
        media = "text/csv; charset=utf-8"
    else:
        body, media = roster_xlsx([template_row()]), XLSX
    disposition = attachment(f"留守儿童花名册模板.{fmt.value}", f"roster-template.{fmt.value}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/children/export",
    summary="导出花名册 / Export a unit's children as XLSX (re-importable)",
    response_class=Response,
    responses={200: {"content": WORKBOOK}, **problem_responses(404)},
)
def export(
    user: CurrentUser,
    uow: NewUow,
    unit_id: Annotated[uuid.UUID, Query(description="单位（含下级）/ unit, subtree included")],
    status: Annotated[
        ChildStatus | None, Query(description="状态，默认在册 / default active")
    ] = ChildStatus.ACTIVE,
) -> Response:
    """The template's columns; phones and ID numbers masked unless the role needs them (then audited)."""
    require_role(user, READERS)
    body, filename = roster_export.export_children(uow=uow, unit_id=unit_id, status=status, principal=user)
    disposition = attachment(filename, "roster.xlsx")
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.post(
    "/term-results",
    summary="导入期末成绩 / Import a class's term results (CSV or XLSX)",
    response_class=Response,
    responses=REPORT_RESPONSES,
)
def import_term_results(
    user: CurrentUser,
    uow: NewUow,
    file: Upload,
    class_id: Annotated[uuid.UUID, Query(description="班级 / class")],
    term: Annotated[Term, Query(description="学期，如 2025-2026-1 / term")],
    mode: ModeQuery = None,
    mode_form: ModeForm = None,
    report: ReportQuery = ReportFormat.JSON,
) -> Response:
    """姓名, 身份证号 (optional), one column per subject, 总分 (optional), 班级排名; again corrects."""
    require_role(user, RESULT_WRITERS)
    result = roster_results.import_term_results(
        uow=uow,
        data=read_upload(file),
        filename=file.filename or "",
        class_id=class_id,
        term=term,
        mode=mode or mode_form or ImportMode.PARTIAL,
        principal=user,
    )
    return _answer(result, report, f"成绩-{term}")


@router.post(
    "/attendance",
    summary="导入月度出勤 / Import a class's month of attendance (CSV or XLSX)",
    response_class=Response,
    responses={**REPORT_RESPONSES, **problem_responses(409)},
)
def import_attendance(
    user: CurrentUser,
    uow: NewUow,
    file: Upload,
    class_id: Annotated[uuid.UUID, Query(description="班级 / class")],
    month: Annotated[Month, Query(description="月份，如 2026-03 / month")],
    mode: ModeQuery = None,
    mode_form: ModeForm = None,
    report: ReportQuery = ReportFormat.JSON,
) -> Response:
    """姓名, 身份证号 (optional), 应到天数, 缺勤天数, 病事假天数 (optional), 备注; again corrects."""
    require_role(user, RESULT_WRITERS)
    result = roster_attendance.import_attendance(
        uow=uow,
        data=read_upload(file),
        filename=file.filename or "",
        class_id=class_id,
        month=month,
        mode=mode or mode_form or ImportMode.PARTIAL,
        principal=user,
    )
    return _answer(result, report, f"出勤-{month}")


@router.get(
    "/attendance/template",
    summary="月度出勤模板 / The attendance template (XLSX with 说明, or CSV)",
    response_class=Response,
    responses={200: {"content": {**WORKBOOK, "text/csv": {"schema": {"type": "string"}}}}},
)
def attendance_template(
    user: CurrentUser,
    fmt: Annotated[
        TemplateFormat, Query(alias="format", description="xlsx（默认）或 csv")
    ] = TemplateFormat.XLSX,
) -> Response:
    """The columns in import order and one example row; the XLSX adds a 说明 sheet."""
    require_role(user, RESULT_WRITERS)
    if fmt is TemplateFormat.CSV:
        body = template_csv(ATTENDANCE_ROSTER, rows=[example_row(ATTENDANCE_ROSTER)])
        media = "text/csv; charset=utf-8"
    else:
        body, media = attendance_xlsx(), XLSX
    disposition = attachment(f"月度出勤模板.{fmt.value}", f"attendance-template.{fmt.value}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})
