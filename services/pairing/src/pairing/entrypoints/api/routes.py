"""Pairing HTTP routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from pairing.adapters.orm import TREE, ChildToPair
from pairing.service_layer.handlers import ACTIVE
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.org.scope import scope_filter

READERS = tuple(r for r in Role if r not in (Role.OPS, Role.HELPER))
router = APIRouter(prefix="/v1", tags=["pairing"])


class ChildToPairOut(BaseModel):
    """待结对儿童 / A child waiting for a helper."""

    id: uuid.UUID
    name: str
    left_behind_type: str
    has_guardian: bool
    priority: int
    registered_at: datetime


@router.get(
    "/children/unpaired",
    response_model=list[ChildToPairOut],
    summary="待结对儿童（优先结对排序）/ Children waiting for a helper, neediest first",
)
def list_unpaired(
    user: CurrentUser, uow: Uow, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[ChildToPairOut]:
    require_role(user, READERS)
    scope = scope_filter(uow.session, tree=TREE, principal=user, units=[ChildToPair.class_id])
    query = select(ChildToPair).where(ChildToPair.status == ACTIVE, ChildToPair.paired.is_(False), scope)
    rows = uow.session.scalars(
        query.order_by(ChildToPair.priority.desc(), ChildToPair.registered_at, ChildToPair.id).limit(limit)
    ).all()
    return [ChildToPairOut.model_validate(r, from_attributes=True) for r in rows]
