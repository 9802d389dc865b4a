"""Child archive routes: register, read (ETag), patch (If-Match), transfer, exit, re-enter, search."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response

from registry.entrypoints.api.roles import CHILD_WRITERS, PAIRED_READERS, READERS
from registry.service_layer import archive_reads, children, movements
from registry.service_layer.commands import PRINTABLE, ChildIn, ChildPatch, ExitIn, ReenterIn, TransferIn
from registry.service_layer.queries import ChildFilter
from registry.service_layer.read_models import ChildOut, ChildPage, HistoryEntryOut
from shouhu_contracts.org import ChildStatus, GuardianshipRating, LeftBehindType
from shouhu_kit.auth import require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.etags import etag, version_from
from shouhu_kit.openapi_problems import problem_responses

router = APIRouter(prefix="/v1/children", tags=["children 儿童档案"])


def _tagged(out: ChildOut, response: Response) -> ChildOut:
    response.headers["ETag"] = etag(out.version)
    return out


@router.post(
    "",
    status_code=201,
    response_model=ChildOut,
    summary="留守儿童建档 / Register a child",
    responses=problem_responses(404, 409),
)
def register_child(body: ChildIn, user: CurrentUser, uow: NewUow, response: Response) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    out = children.register_child(uow=uow, cmd=body, principal=user)
    response.headers["Location"] = f"/v1/children/{out.id}"
    return _tagged(out, response)


@router.get("/{child_id}", response_model=ChildOut, summary="查看档案与联系卡 / Get a child's archive")
def get_child(child_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response) -> ChildOut:
    require_role(user, PAIRED_READERS)
    return _tagged(archive_reads.get_child(uow=uow, child_id=child_id, principal=user), response)


def _version(if_match: str | None) -> int:
    return version_from(if_match, what_zh="档案", what_en="archive")


@router.patch(
    "/{child_id}",
    response_model=ChildOut,
    summary="部分更新档案（JSON Merge Patch，需 If-Match）/ Update an archive (merge patch, If-Match)",
    responses=problem_responses(409, 412, 428),
)
def update_child(
    child_id: uuid.UUID,
    user: CurrentUser,
    uow: NewUow,
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
    out = children.update_child(
        uow=uow,
        child_id=child_id,
        patch=body.model_dump(exclude_unset=True),
        if_match=_version(if_match),
        principal=user,
    )
    return _tagged(out, response)


@router.post(
    "/{child_id}/transfer",
    response_model=ChildOut,
    summary="转学 / Transfer to another class",
    responses=problem_responses(409),
)
def transfer(
    child_id: uuid.UUID, body: TransferIn, user: CurrentUser, uow: NewUow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _tagged(movements.transfer_child(uow=uow, child_id=child_id, cmd=body, principal=user), response)


@router.post(
    "/{child_id}/exit",
    response_model=ChildOut,
    summary="退出或转出 / Exit the programme",
    responses=problem_responses(409),
)
def exit_child(
    child_id: uuid.UUID, body: ExitIn, user: CurrentUser, uow: NewUow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _tagged(movements.exit_child(uow=uow, child_id=child_id, cmd=body, principal=user), response)


@router.post(
    "/{child_id}/reenter",
    response_model=ChildOut,
    summary="重新纳入 / Re-enter the programme",
    responses=problem_responses(409),
)
def reenter(
    child_id: uuid.UUID, body: ReenterIn, user: CurrentUser, uow: NewUow, response: Response
) -> ChildOut:
    require_role(user, CHILD_WRITERS)
    return _tagged(movements.reenter_child(uow=uow, child_id=child_id, cmd=body, principal=user), response)


@router.get(
    "/{child_id}/history",
    response_model=list[HistoryEntryOut],
    summary="档案变更记录 / Who changed what, when",
)
def history(child_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> list[HistoryEntryOut]:
    require_role(user, READERS)
    return archive_reads.child_history(uow=uow, child_id=child_id, principal=user)


@router.get(
    "",
    response_model=ChildPage,
    summary="查询儿童 / Search children (filters, sort, cursor)",
    responses=problem_responses(404),
)
def list_children(
    user: CurrentUser,
    uow: NewUow,
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
    filters = ChildFilter(
        scope_path=None,
        left_behind_type=left_behind_type.value if left_behind_type else None,
        guardian=guardian.value if guardian else None,
        status=status.value if status else None,
        missing_contacts=missing_contacts,
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return archive_reads.find_children(
        uow=uow, org_id=org_id, no_guardian=no_guardian, filters=filters, principal=user
    )
