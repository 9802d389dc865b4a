"""A helper's own paired children (我的结对儿童): their contact cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from registry.service_layer import my_children
from registry.service_layer.read_models import ContactCardPage
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow

router = APIRouter(prefix="/v1/my-children", tags=["children 儿童档案"])


@router.get(
    "",
    response_model=ContactCardPage,
    summary="我的结对儿童联系卡（仅帮扶人；每次查看均留痕）/ My paired children's contact cards (helpers)",
)
def list_my_children(
    user: CurrentUser,
    uow: NewUow,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="上一页返回的 next_cursor")] = None,
) -> ContactCardPage:
    # require_role admits the platform admin; the service layer refuses it (see require_helper).
    require_role(user, (Role.HELPER,))
    return my_children.list_my_children(uow=uow, limit=limit, cursor=cursor, principal=user)
