"""Bulletin routes (每月一通报): the list, a month's ranking of a unit's sub-units, its XLSX and PDF.

Also the XLSX of a unit's current sub-unit figures. Same readers as routes.py; each unit is
checked against the caller's scope (404 outside it), files are named in Chinese (RFC 5987).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from reporting.adapters.bulletin_pdf import ranking_pdf
from reporting.adapters.bulletin_xlsx import month_zh, ranking_xlsx, sub_units_xlsx
from reporting.config import ReportingSettings
from reporting.entrypoints.api.routes import READERS, MonthQ
from reporting.service_layer import bulletin_reads
from reporting.service_layer.bulletin_reads import BulletinPage, Ranking
from shouhu_contracts.months import MONTH_PATTERN
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_response, problem_responses
from shouhu_kit.spreadsheets.http import WORKBOOK, XLSX, attachment

router = APIRouter(prefix="/v1", tags=["bulletins"])

PDF = "application/pdf"
MonthP = Annotated[
    str, Path(pattern=MONTH_PATTERN, description="通报月份 / the bulletin's month, e.g. 2027-04")
]
UnitQ = Annotated[
    uuid.UUID | None,
    Query(
        description="排名其下级的单位，缺省为本单位 / the unit whose sub-units are ranked (default: yours)"
    ),
]
PDF_FILE: dict[str, Any] = {PDF: {"schema": {"type": "string", "format": "binary"}}}


@router.get(
    "/bulletins",
    response_model=BulletinPage,
    summary="月度通报列表 / Published monthly bulletins, newest first",
    responses=problem_responses(422),
)
def list_bulletins(
    user: CurrentUser,
    uow: NewUow,
    after: Annotated[
        str | None,
        Query(pattern=MONTH_PATTERN, description="上一页的 next_after / the previous page's next_after"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=120, description="每页条数 / page size")] = 24,
) -> BulletinPage:
    require_role(user, READERS)
    return bulletin_reads.list_bulletins(uow=uow, after=after, limit=limit)


@router.get(
    "/bulletins/{month}/ranking",
    response_model=Ranking,
    summary="某月下级单位排名 / A month's ranking of a unit's sub-units",
    responses=problem_responses(404, 422),
)
def ranking(month: MonthP, user: CurrentUser, uow: NewUow, unit_id: UnitQ = None) -> Ranking:
    require_role(user, READERS)
    return bulletin_reads.ranking(uow=uow, principal=user, month=month, unit_id=unit_id)


def _file_name(r: Ranking, ext: str) -> tuple[str, str]:
    return f"{r.unit.name}-{month_zh(r.month)}-留守儿童关爱工作通报.{ext}", f"bulletin-{r.month}.{ext}"


@router.get(
    "/bulletins/{month}/ranking.xlsx",
    response_class=Response,
    summary="某月下级单位排名（Excel）/ The ranking as a workbook",
    responses={200: {"content": WORKBOOK}, **problem_responses(404, 422)},
)
def ranking_workbook(month: MonthP, user: CurrentUser, uow: NewUow, unit_id: UnitQ = None) -> Response:
    require_role(user, READERS)
    found = bulletin_reads.ranking(uow=uow, principal=user, month=month, unit_id=unit_id)
    name, fallback = _file_name(found, "xlsx")
    return Response(
        ranking_xlsx(found), media_type=XLSX, headers={"Content-Disposition": attachment(name, fallback)}
    )


@router.get(
    "/bulletins/{month}/ranking.pdf",
    response_class=Response,
    summary="某月下级单位排名（PDF）/ The ranking as a printable PDF",
    responses={
        200: {"content": PDF_FILE},
        **problem_responses(404, 422),
        503: problem_response(503, "服务器缺少中文字体 / No CJK font on the server: no PDF"),
    },
)
def ranking_document(
    month: MonthP, request: Request, user: CurrentUser, uow: NewUow, unit_id: UnitQ = None
) -> Response:
    require_role(user, READERS)
    found = bulletin_reads.ranking(uow=uow, principal=user, month=month, unit_id=unit_id)
    settings: ReportingSettings = request.app.state.settings
    body = ranking_pdf(
        found,
        font_path=settings.bulletin_font_path,
        font_index=settings.bulletin_font_index,
        generated_at=uow.now(),
    )
    name, fallback = _file_name(found, "pdf")
    return Response(body, media_type=PDF, headers={"Content-Disposition": attachment(name, fallback)})


@router.get(
    "/org-units/{unit_id}/sub-units.xlsx",
    response_class=Response,
    summary="下级单位指标（Excel）/ Every sub-unit's figures as a workbook",
    responses={200: {"content": WORKBOOK}, **problem_responses(404, 422)},
)
def sub_units_workbook(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow, month: MonthQ = None) -> Response:
    require_role(user, READERS)
    table = bulletin_reads.all_sub_units(uow=uow, principal=user, unit_id=unit_id, month=month)
    name = f"{table.parent.name}-下级单位指标-{month_zh(table.month)}.xlsx"
    disposition = attachment(name, f"sub-units-{table.month}.xlsx")
    return Response(sub_units_xlsx(table), media_type=XLSX, headers={"Content-Disposition": disposition})
