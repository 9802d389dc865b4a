"""Roster routes (花名册): import children and term results from CSV/XLSX, the template, the export."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from registry.adapters import spreadsheets as xl
from registry.entrypoints.api.roles import CHILD_WRITERS, READERS, RESULT_WRITERS
from registry.service_layer import roster_children, roster_export, roster_results
from registry.service_layer.roster_import import ImportMode, RosterReport, report_xlsx
from shouhu_contracts.org import ChildStatus
from shouhu_contracts.terms import Term
from shouhu_kit.auth import Principal, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import Problem, invalid_request

router = APIRouter(prefix="/v1/rosters", tags=["rosters 花名册"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKBOOK = {XLSX: {"schema": {"type": "string", "format": "binary"}}}
_REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "逐行报告 / per-row report (`?report=xlsx`: a workbook)",
        "content": {"application/json": {"schema": {"type": "object"}}, **_WORKBOOK},
    },
    **problem_responses(404),
    413: {"description": "文件超过 20 MB 或 50000 行 / too large"},
    415: {"description": "文件类型不支持 / not CSV or XLSX"},
    422: {
        "description": "缺少必填列，或 strict 模式下有误的行（附报告）/ missing columns, or strict refusal",
        "content": _WORKBOOK,  # `?report=xlsx`; else problem+json (declared by the kit)
    },
}


class ReportFormat(StrEnum):
    """How the import report comes back."""

    JSON = "json"
    XLSX = "xlsx"


class TemplateFormat(StrEnum):
    """The template's file type."""

    XLSX = "xlsx"
    CSV = "csv"


Upload = Annotated[UploadFile, File(description="花名册文件（.xlsx 或 .csv，UTF-8/GBK）/ the roster file")]
ModeQuery = Annotated[
    ImportMode | None, Query(description="partial 导入正确的行（默认）；strict 任一行有误则全部不导入")
]
ModeForm = Annotated[ImportMode | None, Form(alias="mode", description="同 mode 查询参数 / as the query")]
ReportQuery = Annotated[ReportFormat, Query(description="json（默认）或 xlsx 报告 / report format")]


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII fallback and the Chinese name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _read(file: UploadFile) -> bytes:
    """The upload, refusing more than 20 MB without reading past it."""
    data = file.file.read(xl.MAX_BYTES + 1)
    if len(data) > xl.MAX_BYTES:
        raise Problem(
            status=413,
            slug="roster-size",
            title="无法导入该文件",
            title_en="Cannot import this file",
            detail="文件超过 20 MB",
            detail_en="file exceeds 20 MB",
        )
    return data


def _answer(report: RosterReport, fmt: ReportFormat, name: str) -> Response:
    """The report of an imported file; a refused (strict) one answers 422 with the same report."""
    status = 200 if report.imported else 422
    if fmt is ReportFormat.XLSX:
        disposition = attachment(f"导入结果-{name}.xlsx", "import-report.xlsx")
        return Response(
            report_xlsx(report),
            status_code=status,
            media_type=XLSX,
            headers={"Content-Disposition": disposition},
        )
    doc = report.doc()
    if not report.imported:
        raise Problem(
            status=422,
            slug="roster-rejected",
            title="花名册有误，未导入任何行",
            title_en="The roster has bad rows; nothing was imported",
            detail=f"有误 {doc['rejected']} 行，重复 {doc['duplicates']} 行",
            detail_en=f"{doc['rejected']} rejected, {doc['duplicates']} duplicate rows",
            **doc,
        )
    return JSONResponse(doc)


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
    responses={**_REPORT, **problem_responses(409)},
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
        data=_read(file),
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
    responses={200: {"content": {**_WORKBOOK, "text/csv": {"schema": {"type": "string"}}}}},
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
        body = xl.write_csv(headers=[c.header for c in xl.CHILD_COLUMNS], rows=[xl.template_row()])
        media = "text/csv; charset=utf-8"
    else:
        body, media = xl.roster_xlsx([xl.template_row()]), XLSX
    disposition = attachment(f"留守儿童花名册模板.{fmt.value}", f"roster-template.{fmt.value}")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/children/export",
    summary="导出花名册 / Export a unit's children as XLSX (re-importable)",
    response_class=Response,
    responses={200: {"content": _WORKBOOK}, **problem_responses(404)},
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
    responses=_REPORT,
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
        data=_read(file),
        filename=file.filename or "",
        class_id=class_id,
        term=term,
        mode=mode or mode_form or ImportMode.PARTIAL,
        principal=user,
    )
    return _answer(result, report, f"成绩-{term}")
