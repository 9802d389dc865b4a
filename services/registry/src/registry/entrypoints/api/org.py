"""Org tree routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from registry.entrypoints.api.roles import ORG_WRITERS, READERS
from registry.service_layer import org
from registry.service_layer.commands import MoveIn, OrgUnitIn, OrgUnitPatch
from registry.service_layer.read_models import OrgUnitOut
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.openapi_problems import problem_responses

router = APIRouter(prefix="/v1/org-units", tags=["org 组织架构"])


@router.post(
    "",
    status_code=201,
    response_model=OrgUnitOut,
    summary="新建组织单元 / Create an org unit",
    responses=problem_responses(404, 409),
)
def create_org_unit(body: OrgUnitIn, user: CurrentUser, uow: NewUow, response: Response) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    out = org.create_org_unit(uow=uow, cmd=body, principal=user)
    response.headers["Location"] = f"/v1/org-units/{out.id}"
    return out


@router.get("/{unit_id}", response_model=OrgUnitOut, summary="查看组织单元 / Get an org unit")
def get_org_unit(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> OrgUnitOut:
    require_role(user, READERS)
    return org.get_org_unit(uow=uow, unit_id=unit_id, principal=user)


@router.patch(
    "/{unit_id}",
    response_model=OrgUnitOut,
    summary="更名 / Rename an org unit",
    responses=problem_responses(409),
)
def rename_org_unit(unit_id: uuid.UUID, body: OrgUnitPatch, user: CurrentUser, uow: NewUow) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    return org.rename_org_unit(uow=uow, unit_id=unit_id, cmd=body, principal=user)


@router.post("/{unit_id}/move", response_model=OrgUnitOut, summary="调整隶属 / Move under another parent")
def move_org_unit(unit_id: uuid.UUID, body: MoveIn, user: CurrentUser, uow: NewUow) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    return org.move_org_unit(uow=uow, unit_id=unit_id, cmd=body, principal=user)


@router.get(
    "",
    response_model=list[OrgUnitOut],
    summary="下级单位列表 / The units directly under a parent (or the caller's own unit)",
    responses=problem_responses(404),
)
def list_org_units(
    user: CurrentUser,
    uow: NewUow,
    parent_id: Annotated[uuid.UUID | None, Query(description="上级单位")] = None,
) -> list[OrgUnitOut]:
    require_role(user, READERS)
    return org.list_org_units(uow=uow, parent_id=parent_id, principal=user)


@router.get(
    "/{unit_id}/subtree",
    response_model=list[OrgUnitOut],
    summary="整棵子树 / The unit and everything below it, top-down",
)
def subtree(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[OrgUnitOut]:
    require_role(user, READERS)
    return org.subtree(uow=uow, unit_id=unit_id, principal=user)


@router.get("/{unit_id}/archive-stats", summary="建档与联系卡完整率 / Archive and contact-card completeness")
def archive_stats(unit_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> dict[str, object]:
    require_role(user, READERS)
    return org.archive_stats(uow=uow, unit_id=unit_id, principal=user)
