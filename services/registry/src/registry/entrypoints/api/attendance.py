"""Monthly attendance routes (月度出勤)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from registry.entrypoints.api.roles import PAIRED_READERS, RESULT_WRITERS
from registry.service_layer import attendance
from registry.service_layer.commands import AttendanceIn
from registry.service_layer.read_models import AttendanceOut
from shouhu_contracts.months import Month
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

router = APIRouter(prefix="/v1/children/{child_id}/attendance", tags=["attendance 出勤"])
MonthPath = Annotated[Month, Path(description="月份，如 2026-03 / month")]


@router.put(
    "/{month}",
    response_model=AttendanceOut,
    summary="登记或更正月度出勤 / Record or correct a month's attendance",
    responses={
        201: {"model": AttendanceOut, "description": "首次登记 / Recorded for the first time"},
        **problem_responses(409),
    },
)
def put_attendance(
    child_id: uuid.UUID,
    month: MonthPath,
    body: AttendanceIn,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
) -> AttendanceOut:
    require_role(user, RESULT_WRITERS)
    out, created = attendance.record_attendance(
        uow=uow, child_id=child_id, month=month, cmd=body, principal=user
    )
    response.status_code = 201 if created else 200
    return out


@router.get("", response_model=list[AttendanceOut], summary="月度出勤（新的在前）/ A child's attendance")
def list_attendance(
    child_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    from_month: Annotated[
        Month | None, Query(alias="from", description="起始月份（含）/ from, inclusive")
    ] = None,
    to_month: Annotated[Month | None, Query(alias="to", description="截止月份（含）/ to, inclusive")] = None,
) -> list[AttendanceOut]:
    require_role(user, PAIRED_READERS)
    return attendance.list_attendance(
        uow=uow, child_id=child_id, from_month=from_month, to_month=to_month, principal=user
    )
