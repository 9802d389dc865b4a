"""Pairing HTTP routes: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pairing.service_layer import queries
from pairing.service_layer.queries import ChildToPairOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow

READERS = tuple(r for r in Role if r not in (Role.OPS, Role.HELPER))
router = APIRouter(prefix="/v1", tags=["pairing"])


@router.get(
    "/children/unpaired",
    response_model=list[ChildToPairOut],
    summary="待结对儿童（优先结对排序）/ Children waiting for a helper, neediest first",
)
def list_unpaired(
    user: CurrentUser, uow: NewUow, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[ChildToPairOut]:
    require_role(user, READERS)
    return queries.list_unpaired(uow=uow, principal=user, limit=limit)
