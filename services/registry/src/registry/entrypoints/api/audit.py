"""The audit log of sensitive reads, for the officials who answer for it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from registry.adapters.orm import AuditRow
from registry.service_layer.access import visible_child, visible_unit
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import invalid_request

router = APIRouter(prefix="/v1/audit", tags=["audit 审计"])
AUDITORS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN)


class AuditOut(BaseModel):
    """一次敏感信息读取 / One read of sensitive data."""

    at: datetime
    actor: str
    role: str
    action: str
    child_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    detail: str


@router.get(
    "",
    response_model=list[AuditOut],
    summary="敏感信息读取记录 / Who read a child's sensitive data",
    responses=problem_responses(404),
)
def audit_log(
    user: CurrentUser,
    uow: Uow,
    child_id: Annotated[uuid.UUID | None, Query(description="儿童 / child")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="单位（花名册导出）/ unit exported")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    require_role(user, AUDITORS)
    if (child_id is None) == (unit_id is None):
        raise invalid_request(
            [
                {
                    "field": "child_id",
                    "message": "须且只能指定 child_id 或 unit_id 之一",
                    "message_en": "give exactly one of child_id and unit_id",
                }
            ]
        )
    if child_id is not None:
        visible_child(uow, child_id, user)
        where = AuditRow.child_id == child_id
    else:
        assert unit_id is not None
        visible_unit(uow, unit_id, user)
        where = AuditRow.unit_id == unit_id
    rows = uow.session.scalars(select(AuditRow).where(where).order_by(AuditRow.id.desc()).limit(limit))
    return [AuditOut.model_validate(r, from_attributes=True) for r in rows]
