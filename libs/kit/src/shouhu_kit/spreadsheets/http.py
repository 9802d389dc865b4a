"""A roster's HTTP edge: the upload read within its limit, the report answered, the OpenAPI of both.

Not re-exported by the package: service layers import the package, only routes import this. The
kit depends on python-multipart, which FastAPI needs for routes that take `Upload` or `ModeForm`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import Problem
from shouhu_kit.spreadsheets.report import ImportMode, RosterReport, report_xlsx
from shouhu_kit.spreadsheets.sheet import MAX_BYTES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK: dict[str, Any] = {XLSX: {"schema": {"type": "string", "format": "binary"}}}
# The OpenAPI responses of an import route (add problem_responses(409) and the like as it needs).
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "逐行报告 / per-row report (`?report=xlsx`: a workbook)",
        "content": {"application/json": {"schema": {"type": "object"}}, **WORKBOOK},
    },
    **problem_responses(404),
    413: {"description": "文件超过 20 MB 或 50000 行 / too large"},
    415: {"description": "文件类型不支持 / not CSV or XLSX"},
    422: {
        "description": "缺少必填列，或 strict 模式下有误的行（附报告）/ missing columns, or strict refusal",
        "content": WORKBOOK,  # `?report=xlsx`; else problem+json (declared by the kit)
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


def read_upload(file: UploadFile) -> bytes:
    """The upload, refusing more than 20 MB without reading past it."""
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Problem(
            status=413,
            slug="roster-size",
            title="无法导入该文件",
            title_en="Cannot import this file",
            detail="文件超过 20 MB",
            detail_en="file exceeds 20 MB",
        )
    return data


def report_response(
    report: RosterReport,
    fmt: ReportFormat,
    *,
    name: str,
    id_header: str = "编号",
    id_keys: Sequence[str] = ("id",),
) -> Response:
    """The report of an imported file; a refused (strict) one answers 422 with the same report."""
    status = 200 if report.imported else 422
    if fmt is ReportFormat.XLSX:
        disposition = attachment(f"导入结果-{name}.xlsx", "import-report.xlsx")
        return Response(
            report_xlsx(report, id_header=id_header, id_keys=id_keys),
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
