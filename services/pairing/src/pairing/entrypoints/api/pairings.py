"""Pairing routes: pair, end, list with history; the city's policy, read and changed."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pairing.entrypoints.api.helpers import MANAGERS, STAFF
from pairing.service_layer import pairings, policies
from pairing.service_layer.pairings import PairingEndIn, PairingIn, PairingOut
from pairing.service_layer.policies import PolicyIn, PolicyOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

PAIRERS = (*MANAGERS, Role.TEACHER)
router = APIRouter(prefix="/v1", tags=["pairings 结对"])


@router.post(
    "/pairings",
    status_code=201,
    response_model=PairingOut,
    summary="结对（1+1 / 1+n，受容量与规则约束）/ Pair a child with a helper",
    responses=problem_responses(404, 409),
)
def create_pairing(body: PairingIn, user: CurrentUser, uow: NewUow, response: Response) -> PairingOut:
    require_role(user, PAIRERS)
    out = pairings.create(uow=uow, body=body, principal=user)
    response.headers["Location"] = f"/v1/pairings/{out.id}"
    return out


@router.post(
    "/pairings/{pairing_id}/end",
    response_model=PairingOut,
    summary="解除结对 / End a pairing",
    responses=problem_responses(404),
)
def end_pairing(pairing_id: uuid.UUID, body: PairingEndIn, user: CurrentUser, uow: NewUow) -> PairingOut:
    require_role(user, PAIRERS)
    return pairings.finish(uow=uow, pairing_id=pairing_id, body=body, principal=user)


@router.get(
    "/pairings",
    response_model=list[PairingOut],
    summary="结对关系与历史 / Pairings and their history",
    responses=problem_responses(404),
)
def list_pairings(
    user: CurrentUser,
    uow: NewUow,
    child_id: uuid.UUID | None = None,
    helper_id: uuid.UUID | None = None,
    status: Literal["active", "ended"] | None = None,
    after: Annotated[
        uuid.UUID | None, Query(description="上一页最后一条的编号 / last id of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PairingOut]:
    require_role(user, (*STAFF, Role.HELPER))
    return pairings.listing(
        uow=uow,
        principal=user,
        child_id=child_id,
        helper_id=helper_id,
        status=status,
        after=after,
        limit=limit,
    )


@router.get(
    "/policy",
    response_model=PolicyOut,
    summary="本市结对帮扶制度（联系义务、容量、规则）/ The city's pairing policy",
    responses=problem_responses(404),
)
def get_policy(user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None) -> PolicyOut:
    require_role(user, (*STAFF, Role.HELPER))
    return policies.current(uow=uow, principal=user, city_id=city_id)


@router.get(
    "/policy/versions",
    response_model=list[PolicyOut],
    summary="制度的历次版本 / Every version of the city's policy",
    responses=problem_responses(404),
)
def policy_versions(user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None) -> list[PolicyOut]:
    require_role(user, STAFF)
    return policies.versions(uow=uow, principal=user, city_id=city_id)


@router.put(
    "/policy",
    response_model=PolicyOut,
    summary="修改本市制度（生成新版本）/ Change the city's policy (a new version)",
    responses=problem_responses(404, 409),
)
def change_policy(
    body: PolicyIn, user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None
) -> PolicyOut:
    require_role(user, (Role.CITY_ADMIN,))
    return policies.change(uow=uow, principal=user, city_id=city_id, body=body)
