"""The audit log of sensitive reads, for the officials who answer for it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from registry.adapters.orm import AuditRow
from registry.service_layer.access import visible_child
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, Uow

router = APIRouter(prefix="/v1/audit", tags=["audit 审计"])
AUDITORS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN)


class AuditOut(BaseModel):
    """一次敏感信息读取 / One read of sensitive data."""

    at: datetime
    actor: str
    role: str
    action: str
    child_id: uuid.UUID | None
    detail: str


@router.get("", response_model=list[AuditOut], summary="敏感信息读取记录 / Who read a child's sensitive data")
def audit_log(
    user: CurrentUser,
    uow: Uow,
    child_id: Annotated[uuid.UUID, Query(description="儿童 / child")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    require_role(user, AUDITORS)
    visible_child(uow, child_id, user)
    rows = uow.session.scalars(
        select(AuditRow).where(AuditRow.child_id == child_id).order_by(AuditRow.id.desc()).limit(limit)
    )
    return [AuditOut.model_validate(r, from_attributes=True) for r in rows]
