"""What the pairing API answers: children waiting for a helper, within the caller's scope."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from pairing.adapters.orm import TREE, ChildToPair
from pairing.service_layer.handlers import ACTIVE
from shouhu_kit.auth import Principal
from shouhu_kit.org.scope import scope_filter
from shouhu_kit.uow import UnitOfWork


class ChildToPairOut(BaseModel):
    """待结对儿童 / A child waiting for a helper."""

    id: uuid.UUID
    name: str
    left_behind_type: str
    has_guardian: bool
    priority: int
    registered_at: datetime


def list_unpaired(*, uow: UnitOfWork, principal: Principal, limit: int) -> list[ChildToPairOut]:
    """Active unpaired children in the caller's subtree, neediest first (优先结对)."""
    with uow:
        scope = scope_filter(uow.session, tree=TREE, principal=principal, units=[ChildToPair.class_id])
        query = select(ChildToPair).where(ChildToPair.status == ACTIVE, ChildToPair.paired.is_(False), scope)
        order = (ChildToPair.priority.desc(), ChildToPair.registered_at, ChildToPair.id)
        rows = uow.session.scalars(query.order_by(*order).limit(limit)).all()
        return [ChildToPairOut.model_validate(r, from_attributes=True) for r in rows]
