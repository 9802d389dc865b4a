"""Org tree routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from registry.adapters.orm import OrgUnitRow
from registry.entrypoints.api.roles import ORG_WRITERS, READERS
from registry.entrypoints.api.schemas import OrgUnitOut
from registry.entrypoints.api.views import unit_out
from registry.service_layer import org
from registry.service_layer.access import visible_unit
from registry.service_layer.commands import MoveIn, OrgUnitIn, OrgUnitPatch
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.org.paths import in_subtree

router = APIRouter(prefix="/v1/org-units", tags=["org 组织架构"])


@router.post("", status_code=201, response_model=OrgUnitOut, summary="新建组织单元 / Create an org unit")
def create_org_unit(body: OrgUnitIn, user: CurrentUser, uow: Uow, response: Response) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    row = org.create_org_unit(uow=uow, cmd=body, principal=user)
    uow.commit()
    response.headers["Location"] = f"/v1/org-units/{row.id}"
    return unit_out(row)


@router.get("/{unit_id}", response_model=OrgUnitOut, summary="查看组织单元 / Get an org unit")
def get_org_unit(unit_id: uuid.UUID, user: CurrentUser, uow: Uow) -> OrgUnitOut:
    require_role(user, READERS)
    return unit_out(visible_unit(uow, unit_id, user))


@router.patch("/{unit_id}", response_model=OrgUnitOut, summary="更名 / Rename an org unit")
def rename_org_unit(unit_id: uuid.UUID, body: OrgUnitPatch, user: CurrentUser, uow: Uow) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    row = org.rename_org_unit(uow=uow, unit_id=unit_id, cmd=body, principal=user)
    uow.commit()
    return unit_out(row)


@router.post("/{unit_id}/move", response_model=OrgUnitOut, summary="调整隶属 / Move under another parent")
def move_org_unit(unit_id: uuid.UUID, body: MoveIn, user: CurrentUser, uow: Uow) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    row = org.move_org_unit(uow=uow, unit_id=unit_id, cmd=body, principal=user)
    uow.commit()
    return unit_out(row)


@router.get(
    "",
    response_model=list[OrgUnitOut],
    summary="下级单位列表 / The units directly under a parent (or the caller's own unit)",
)
def list_org_units(
    user: CurrentUser, uow: Uow, parent_id: Annotated[uuid.UUID | None, Query(description="上级单位")] = None
) -> list[OrgUnitOut]:
    require_role(user, READERS)
    if parent_id is not None:
        visible_unit(uow, parent_id, user)
        rows = list(
            uow.session.scalars(
                select(OrgUnitRow).where(OrgUnitRow.parent_id == parent_id).order_by(OrgUnitRow.code)
            )
        )
    elif user.org_id is not None:
        rows = [visible_unit(uow, user.org_id, user)]
    else:
        rows = list(
            uow.session.scalars(
                select(OrgUnitRow).where(OrgUnitRow.parent_id.is_(None)).order_by(OrgUnitRow.code)
            )
        )
    return [unit_out(r) for r in rows]


@router.get(
    "/{unit_id}/subtree",
    response_model=list[OrgUnitOut],
    summary="整棵子树 / The unit and everything below it, top-down",
)
def subtree(unit_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[OrgUnitOut]:
    require_role(user, READERS)
    unit = visible_unit(uow, unit_id, user)
    rows = uow.session.scalars(
        select(OrgUnitRow)
        .where(in_subtree(OrgUnitRow.path_text, unit.path_text))
        .order_by(OrgUnitRow.path_text)
    )
    return [unit_out(r) for r in rows]


@router.get("/{unit_id}/archive-stats", summary="建档与联系卡完整率 / Archive and contact-card completeness")
def archive_stats(unit_id: uuid.UUID, user: CurrentUser, uow: Uow) -> dict[str, object]:
    require_role(user, READERS)
    from registry.service_layer.queries import archive_stats as stats

    return stats(uow, visible_unit(uow, unit_id, user))
