"""A child's risk (儿童风险): its level, reasons and open tasks, within the caller's scope."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from alerts.entrypoints.api.routes import READERS
from alerts.service_layer import risk
from alerts.service_layer.risk import ChildRiskOut
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow

router = APIRouter(prefix="/v1", tags=["risk"])


@router.get(
    "/children/{child_id}/risk",
    response_model=ChildRiskOut,
    summary="儿童风险等级及原因 / A child's risk, its reasons and open tasks",
)
def get_child_risk(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> ChildRiskOut:
    require_role(user, READERS)
    return risk.child_risk(uow=uow, principal=user, child_id=child_id)
