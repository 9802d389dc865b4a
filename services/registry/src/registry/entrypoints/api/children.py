"""Child archive routes: register, read (ETag), patch (If-Match), transfer, exit, re-enter, search."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response
from sqlalchemy import select

from registry.adapters.orm import ChildHistoryRow
from registry.entrypoints.api.roles import CHILD_WRITERS, READERS
from registry.entrypoints.api.schemas import ChildOut, ChildPage, HistoryEntryOut
from registry.entrypoints.api.views import child_out
from registry.service_layer import children
from registry.service_layer.access import visible_child, visible_unit
from registry.service_layer.commands import PRINTABLE, ChildIn, ChildPatch, ExitIn, ReenterIn, TransferIn
from registry.service_layer.queries import ChildFilter, search_children
from shouhu_contracts.org import ChildStatus, GuardianshipRating, LeftBehindType
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.openapi_problems import problem_responses
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

router = APIRouter(prefix="/v1/children", tags=["children 儿童档案"])


def _etag(version: int) -> str:
    return f'"v{version}"'


def _respond(uow: UnitOfWork, row: Any, user: Any, response: Response) -> ChildOut:
    out = child_out(uow, row, user)
    uow.commit()  # the change, its events and the audit of this read, together
    response.headers["ETag"] = _etag(row.version)
    return out


@router.post(
    "",
    status_code=201,
    response_model=ChildOut,
    summary="留守儿童建档 / Register a child",
    responses=problem_responses(404, 409),
)
def register_child(body: ChildIn, user: CurrentUser, uow: Uow, response: Response) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    row = children.register_child(uow=uow, cmd=body, principal=user)
    response.headers["Location"] = f"/v1/children/{row.id}"
    return _respond(uow, row, user, response)


@router.get("/{child_id}", response_model=ChildOut, summary="查看档案与联系卡 / Get a child's archive")
def get_child(child_id: uuid.UUID, user: CurrentUser, uow: Uow, response: Response) -> ChildOut:
    require_role(user, READERS)
    return _respond(uow, visible_child(uow, child_id, user), user, response)


def _version(if_match: str | None) -> int:
    if if_match is None:
        raise Problem(
            status=428,
            slug="precondition-required",
            title="缺少 If-Match 请求头",
            title_en="If-Match required",
            detail="请先读取档案，并在 If-Match 中带上其 ETag",
            detail_en="read the archive first and send its ETag in If-Match",
        )
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.startswith("v") or not tag[1:].isdigit():
        raise invalid_request(
            [{"field": "If-Match", "message": "ETag 格式无效", "message_en": "malformed ETag"}]
        )
    return int(tag[1:])


@router.patch(
    "/{child_id}",
    response_model=ChildOut,
    summary="部分更新档案（JSON Merge Patch，需 If-Match）/ Update an archive (merge patch, If-Match)",
    responses=problem_responses(409, 412, 428),
)
def update_child(
    child_id: uuid.UUID,
    user: CurrentUser,
    uow: Uow,
    response: Response,
    body: Annotated[
        ChildPatch,
        Body(
            openapi_examples={
                "guardian": {
                    "summary": "换监护人 / new guardian",
                    "value": {
                        "guardian": {
                            "name": "王奶奶",
                            "relation": "祖母",
                            "age": 68,
                            "phone": "13800138000",
                            "rating": "好",
                        }
                    },
                }
            }
        ),
    ],
    if_match: Annotated[str | None, Header(description='上次读取的 ETag，如 "v3"')] = None,
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    row = children.update_child(
        uow=uow,
        child_id=child_id,
        patch=body.model_dump(exclude_unset=True),
        if_match=_version(if_match),
        principal=user,
    )
    return _respond(uow, row, user, response)


@router.post(
    "/{child_id}/transfer",
    response_model=ChildOut,
    summary="转学 / Transfer to another class",
    responses=problem_responses(409),
)
def transfer(
    child_id: uuid.UUID, body: TransferIn, user: CurrentUser, uow: Uow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _respond(
        uow, children.transfer_child(uow=uow, child_id=child_id, cmd=body, principal=user), user, response
    )


@router.post(
    "/{child_id}/exit",
    response_model=ChildOut,
    summary="退出或转出 / Exit the programme",
    responses=problem_responses(409),
)
def exit_child(
    child_id: uuid.UUID, body: ExitIn, user: CurrentUser, uow: Uow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _respond(
        uow, children.exit_child(uow=uow, child_id=child_id, cmd=body, principal=user), user, response
    )


@router.post(
    "/{child_id}/reenter",
    response_model=ChildOut,
    summary="重新纳入 / Re-enter the programme",
    responses=problem_responses(409),
)
def reenter(
    child_id: uuid.UUID, body: ReenterIn, user: CurrentUser, uow: Uow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _respond(
        uow, children.reenter_child(uow=uow, child_id=child_id, cmd=body, principal=user), user, response
    )


@router.get(
    "/{child_id}/history",
    response_model=list[HistoryEntryOut],
    summary="档案变更记录 / Who changed what, when",
)
def history(child_id: uuid.UUID, user: CurrentUser, uow: Uow) -> list[HistoryEntryOut]:
    require_role(user, READERS)
    visible_child(uow, child_id, user)
    rows = uow.session.scalars(
        select(ChildHistoryRow).where(ChildHistoryRow.child_id == child_id).order_by(ChildHistoryRow.id)
    )
    return [
        HistoryEntryOut(at=r.at, actor=r.actor, action=r.action, changes=_mask_changes(r.changes, user))
        for r in rows
    ]


def _mask_changes(changes: list[dict[str, Any]], user: Any) -> list[dict[str, Any]]:
    from registry.domain.identity import mask_id_number, mask_phone
    from registry.service_layer.access import ID_NUMBER_ROLES, PHONE_ROLES

    out = []
    for c in changes:
        if c["field"].endswith("phone") and user.role not in PHONE_ROLES:
            c = {**c, "old": mask_phone(c["old"]), "new": mask_phone(c["new"])}
        elif c["field"] == "id_number" and user.role not in ID_NUMBER_ROLES:
            c = {**c, "old": mask_id_number(c["old"]), "new": mask_id_number(c["new"])}
        out.append(c)
    return out


@router.get(
    "",
    response_model=ChildPage,
    summary="查询儿童 / Search children (filters, sort, cursor)",
    responses=problem_responses(404),
)
def list_children(
    user: CurrentUser,
    uow: Uow,
    org_id: Annotated[
        uuid.UUID | None, Query(description="组织单元（含下级）/ unit, subtree included")
    ] = None,
    left_behind_type: Annotated[LeftBehindType | None, Query(description="留守类型")] = None,
    guardian: Annotated[GuardianshipRating | None, Query(description="监护情况")] = None,
    no_guardian: Annotated[
        bool | None, Query(description="仅无人监护 / only children with no guardian")
    ] = None,
    status: Annotated[
        ChildStatus | None, Query(description="状态，默认在册 / default active")
    ] = ChildStatus.ACTIVE,
    missing_contacts: Annotated[
        bool | None, Query(description="联系卡不完整 / contact card incomplete")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=50, pattern=PRINTABLE, description="姓名或身份证号前缀 / name or ID prefix"),
    ] = None,
    sort: Annotated[str, Query(description="name | birth_date | registered_at, '-' 倒序")] = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(description="上一页返回的 next_cursor")] = None,
) -> ChildPage:
    require_role(user, READERS)
    scope_unit = org_id or user.org_id
    scope = visible_unit(uow, scope_unit, user).path_text if scope_unit else None
    rating = "none" if no_guardian else (guardian.value if guardian else None)
    rows, next_cursor = search_children(
        uow,
        ChildFilter(
            scope_path=scope,
            left_behind_type=left_behind_type.value if left_behind_type else None,
            guardian=rating,
            status=status.value if status else None,
            missing_contacts=missing_contacts,
            q=q,
            sort=sort,
            limit=limit,
            cursor=cursor,
        ),
    )
    items = [child_out(uow, r, user) for r in rows]
    uow.commit()
    return ChildPage(items=items, next_cursor=next_cursor)
