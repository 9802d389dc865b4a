"""Directory routes: how to reach a person, and who holds each office of the ladder at a unit."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from alerts.service_layer import directory
from alerts.service_layer.directory import OfficeIn, OfficeOut, OfficeRole, PersonIn, PersonOut
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

# Who keeps the directory: the officials from the township up (the platform admin always may).
KEEPERS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN)
router = APIRouter(prefix="/v1", tags=["directory 通讯录"])


@router.put(
    "/people/{account}",
    response_model=PersonOut,
    summary="登记联系方式 / Record how to reach a person",
    responses=problem_responses(422),
)
def put_person(account: str, body: PersonIn, user: CurrentUser, uow: NewUow) -> PersonOut:
    require_role(user, KEEPERS)
    return directory.put_person(uow=uow, principal=user, account=account, body=body)


@router.get(
    "/people/{account}",
    response_model=PersonOut,
    summary="查看联系方式（脱敏）/ How to reach a person (masked)",
    responses=problem_responses(404),
)
def get_person(account: str, user: CurrentUser, uow: NewUow) -> PersonOut:
    require_role(user, KEEPERS)
    return directory.get_person(uow=uow, principal=user, account=account)


@router.put(
    "/org-units/{unit_id}/offices/{role}",
    response_model=OfficeOut,
    summary="指定职务人 / Name an office's holder",
    responses=problem_responses(404, 422),
)
def put_office(
    unit_id: uuid.UUID, role: OfficeRole, body: OfficeIn, user: CurrentUser, uow: NewUow
) -> OfficeOut:
    require_role(user, KEEPERS)
    return directory.put_office(uow=uow, principal=user, unit_id=unit_id, role=role, body=body)


@router.get(
    "/org-units/{unit_id}/offices/{role}",
    response_model=OfficeOut,
    summary="查看职务人 / Who holds an office",
    responses=problem_responses(404),
)
def get_office(unit_id: uuid.UUID, role: OfficeRole, user: CurrentUser, uow: NewUow) -> OfficeOut:
    require_role(user, KEEPERS)
    return directory.get_office(uow=uow, principal=user, unit_id=unit_id, role=role)


@router.delete(
    "/org-units/{unit_id}/offices/{role}",
    status_code=204,
    summary="撤销职务人 / Leave an office empty",
    responses=problem_responses(404),
)
def delete_office(unit_id: uuid.UUID, role: OfficeRole, user: CurrentUser, uow: NewUow) -> Response:
    require_role(user, KEEPERS)
    directory.delete_office(uow=uow, principal=user, unit_id=unit_id, role=role)
    return Response(status_code=204)
