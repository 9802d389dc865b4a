"""The audit log of sensitive reads, for the officials who answer for it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from registry.service_layer.access import read_audit_log
from registry.service_layer.read_models import AuditOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

router = APIRouter(prefix="/v1/audit", tags=["audit 审计"])
AUDITORS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN)


@router.get(
    "",
    response_model=list[AuditOut],
    summary="敏感信息读取记录 / Who read a child's sensitive data",
    responses=problem_responses(404),
)
def audit_log(
    user: CurrentUser,
    uow: NewUow,
    child_id: Annotated[uuid.UUID | None, Query(description="儿童 / child")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="单位（花名册导出）/ unit exported")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    require_role(user, AUDITORS)
    return read_audit_log(uow=uow, child_id=child_id, unit_id=unit_id, limit=limit, principal=user)
