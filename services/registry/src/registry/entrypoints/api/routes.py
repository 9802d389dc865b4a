"""Registry HTTP routes: translate requests into commands, nothing more."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from registry.adapters.orm import ChildRow, OrgUnitRow, TermResultRow
from registry.domain.terms import TERM_PATTERN, valid_term
from registry.entrypoints.api.schemas import (
    ChildIn,
    ChildOut,
    OrgUnitIn,
    OrgUnitOut,
    TermResultIn,
    TermResultOut,
)
from registry.service_layer import handlers
from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.errors import Problem

ORG_WRITERS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN)
CHILD_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER, Role.VILLAGE_DIRECTOR)
RESULT_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER)
READERS = (*CHILD_WRITERS,)


router = APIRouter(prefix="/v1")


def _unit_out(row: OrgUnitRow) -> OrgUnitOut:
    return OrgUnitOut(
        id=row.id,
        kind=OrgKind(row.kind),
        code=row.code,
        name=row.name,
        parent_id=row.parent_id,
        path=handlers.path_ids(row),
        created_at=row.created_at,
    )


def _child_out(row: ChildRow) -> ChildOut:
    return ChildOut.model_validate(row, from_attributes=True)


@router.post(
    "/org-units",
    status_code=201,
    response_model=OrgUnitOut,
    tags=["org"],
    summary="新建组织单元 / Create an org unit",
)
def create_org_unit(body: OrgUnitIn, user: CurrentUser, uow: Uow, response: Response) -> OrgUnitOut:
    require_role(user, ORG_WRITERS)
    row = handlers.create_org_unit(
        uow=uow,
        principal=user,
        cmd=handlers.CreateOrgUnit(kind=body.kind, code=body.code, name=body.name, parent_id=body.parent_id),
    )
    uow.commit()
    response.headers["Location"] = f"/v1/org-units/{row.id}"
    return _unit_out(row)


@router.get(
    "/org-units/{unit_id}", response_model=OrgUnitOut, tags=["org"], summary="查看组织单元 / Get an org unit"
)
def get_org_unit(unit_id: uuid.UUID, user: CurrentUser, uow: Uow) -> OrgUnitOut:
    require_role(user, READERS)
    return _unit_out(handlers.visible_unit(uow, unit_id, user))


@router.get(
    "/org-units",
    response_model=list[OrgUnitOut],
    tags=["org"],
    summary="下级单位列表 / List the units under a parent (or the caller's own unit)",
)
def list_org_units(
    user: CurrentUser, uow: Uow, parent_id: Annotated[uuid.UUID | None, Query(description="上级单位")] = None
) -> list[OrgUnitOut]:
    require_role(user, READERS)
    if parent_id is not None:
        handlers.visible_unit(uow, parent_id, user)
        rows = uow.session.scalars(
            select(OrgUnitRow).where(OrgUnitRow.parent_id == parent_id).order_by(OrgUnitRow.code)
        ).all()
    elif user.org_id is not None:
        rows = [handlers.visible_unit(uow, user.org_id, user)]
    else:
        rows = list(
            uow.session.scalars(
                select(OrgUnitRow).where(OrgUnitRow.parent_id.is_(None)).order_by(OrgUnitRow.code)
            ).all()
        )
    return [_unit_out(r) for r in rows]


@router.post(
    "/children",
    status_code=201,
    response_model=ChildOut,
    tags=["children"],
    summary="留守儿童建档 / Register a child",
)
def register_child(body: ChildIn, user: CurrentUser, uow: Uow, response: Response) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    row = handlers.register_child(uow=uow, principal=user, cmd=handlers.RegisterChild(**body.model_dump()))
    uow.commit()
    response.headers["Location"] = f"/v1/children/{row.id}"
    return _child_out(row)


@router.get(
    "/children/{child_id}", response_model=ChildOut, tags=["children"], summary="查看儿童档案 / Get a child"
)
def get_child(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> ChildOut:
    require_role(user, READERS)
    return _child_out(handlers.visible_child(uow, child_id, user))


@router.get(
    "/children",
    response_model=list[ChildOut],
    tags=["children"],
    summary="儿童列表 / List children in a unit's subtree",
)
def list_children(
    user: CurrentUser,
    uow: Uow,
    org_id: Annotated[uuid.UUID, Query(description="组织单元（含下级）/ unit, subtree included")],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[uuid.UUID | None, Query(description="上一页最后一个编号 / cursor")] = None,
) -> list[ChildOut]:
    require_role(user, READERS)
    unit = handlers.visible_unit(uow, org_id, user)
    query = select(ChildRow).where(ChildRow.org_path_text.startswith(unit.path_text))
    if after is not None:
        query = query.where(ChildRow.id > after)
    rows = uow.session.scalars(query.order_by(ChildRow.id).limit(limit)).all()
    return [_child_out(r) for r in rows]


@router.put(
    "/children/{child_id}/term-results/{term}",
    response_model=TermResultOut,
    tags=["results"],
    summary="登记或更正期末成绩 / Record or correct a term result",
)
def record_term_result(
    child_id: uuid.UUID,
    term: Annotated[str, Path(pattern=TERM_PATTERN, description="学期，如 2025-2026-1")],
    body: TermResultIn,
    user: CurrentUser,
    uow: Uow,
    response: Response,
) -> TermResultOut:
    require_role(user, RESULT_WRITERS)
    if not valid_term(term):
        raise Problem(
            status=422,
            slug="validation",
            title="请求数据有误",
            title_en="Invalid request",
            errors=[
                {
                    "field": "term",
                    "message": "学年须为连续两年，如 2025-2026-1",
                    "message_en": "school years must follow each other, e.g. 2025-2026-1",
                }
            ],
        )
    row, created = handlers.record_term_result(
        uow=uow,
        principal=user,
        cmd=handlers.RecordTermResult(
            child_id=child_id,
            term=term,
            total_score=body.total_score,
            class_rank=body.class_rank,
            class_size=body.class_size,
        ),
    )
    uow.commit()
    response.status_code = 201 if created else 200
    return TermResultOut.model_validate(row, from_attributes=True)


@router.get(
    "/children/{child_id}/term-results",
    response_model=list[TermResultOut],
    tags=["results"],
    summary="期末成绩列表 / A child's term results",
)
def list_term_results(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[TermResultOut]:
    require_role(user, READERS)
    handlers.visible_child(uow, child_id, user)
    rows = uow.session.scalars(
        select(TermResultRow).where(TermResultRow.child_id == child_id).order_by(TermResultRow.term)
    ).all()
    return [TermResultOut.model_validate(r, from_attributes=True) for r in rows]
