"""Alerts policy routes: the city's rules policy (预警规则), read and changed (a new version)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from alerts.service_layer import policies
from alerts.service_layer.policies import PolicyIn, PolicyOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

READERS = tuple(r for r in Role if r not in (Role.OPS,))
STAFF = tuple(r for r in READERS if r is not Role.HELPER)
router = APIRouter(tags=["policy 预警规则"])


@router.get(
    "/policy",
    response_model=PolicyOut,
    summary="本市预警规则（开关、阈值、期限、升级阶梯）/ The city's alert policy",
    responses=problem_responses(404),
)
def get_policy(user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None) -> PolicyOut:
    require_role(user, READERS)
    return policies.current(uow=uow, principal=user, city_id=city_id)


@router.get(
    "/policy/versions",
    response_model=list[PolicyOut],
    summary="预警规则的历次版本 / Every version of the city's alert policy",
    responses=problem_responses(404),
)
def policy_versions(user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None) -> list[PolicyOut]:
    require_role(user, STAFF)
    return policies.versions(uow=uow, principal=user, city_id=city_id)


@router.put(
    "/policy",
    response_model=PolicyOut,
    summary="修改本市预警规则（生成新版本）/ Change the city's alert policy (a new version)",
    responses=problem_responses(404, 409),
)
def change_policy(
    body: PolicyIn, user: CurrentUser, uow: NewUow, city_id: uuid.UUID | None = None
) -> PolicyOut:
    require_role(user, (Role.CITY_ADMIN,))
    return policies.change(uow=uow, principal=user, city_id=city_id, body=body)
