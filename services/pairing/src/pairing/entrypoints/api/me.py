"""A helper's own view (我的结对), and a child's obligations for staff in scope."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from pairing.service_layer import contact_reads, views
from pairing.service_layer.contact_models import ContactPage
from pairing.service_layer.views import ChildObligationsOut, MeOut, MyChildOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

STAFF = tuple(r for r in Role if r not in (Role.OPS, Role.HELPER))
router = APIRouter(prefix="/v1", tags=["me 我的结对"])


@router.get(
    "/me", response_model=MeOut, summary="我的帮扶人信息 / My helper record", responses=problem_responses(404)
)
def get_me(user: CurrentUser, uow: NewUow) -> MeOut:
    require_role(user, (Role.HELPER, *STAFF))
    return views.me(uow=uow, principal=user)


@router.get(
    "/me/children",
    response_model=list[MyChildOut],
    summary="我结对的儿童及联系义务 / My children and what I owe each",
    responses=problem_responses(404),
)
def my_children(user: CurrentUser, uow: NewUow) -> list[MyChildOut]:
    require_role(user, (Role.HELPER, *STAFF))
    return views.my_children(uow=uow, principal=user)


@router.get(
    "/me/contacts",
    response_model=ContactPage,
    summary="我登记的联系记录 / The contacts I logged",
    responses=problem_responses(404),
)
def my_contacts(
    user: CurrentUser,
    uow: NewUow,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="上一页返回的 next_cursor")] = None,
) -> ContactPage:
    require_role(user, (Role.HELPER, *STAFF))
    return contact_reads.my_contacts(uow=uow, cursor=cursor, limit=limit, principal=user)


@router.get(
    "/children/{child_id}/obligations",
    response_model=ChildObligationsOut,
    summary="儿童的联系义务（当前周期与已结束周期）/ A child's obligations: current and closed windows",
    responses=problem_responses(404),
)
def child_obligations(
    child_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
    closed: Annotated[int, Query(ge=0, le=200, description="已结束周期条数 / how many closed windows")] = 24,
) -> ChildObligationsOut:
    require_role(user, STAFF)
    return views.child_obligations(uow=uow, child_id=child_id, closed=closed, principal=user)
