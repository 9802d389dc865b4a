"""Alerts HTTP routes for follow-up tasks: parse, call one service function, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from alerts.entrypoints.api.policy import router as policy_router
from alerts.service_layer import queries, task_commands
from alerts.service_layer.queries import TaskDetail, TaskFilter, TaskOut, TaskPage, TaskStatus
from alerts.service_layer.task_commands import CommentIn, ReassignIn, ResolveIn
from shouhu_contracts.alerts.tasks import AlertRule
from shouhu_kit.auth import Principal, Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow
from shouhu_kit.etags import etag, version_from
from shouhu_kit.openapi_problems import problem_responses

READERS = tuple(r for r in Role if r not in (Role.OPS,))
router = APIRouter(prefix="/v1", tags=["tasks 跟进任务"])

_PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Next-Cursor": {
                "description": "下一页游标（无则已是最后一页）/ pass as `cursor` for the next page",
                "schema": {"type": "string"},
            },
            "Link": {"description": 'rel="next": the next page', "schema": {"type": "string"}},
        }
    }
}
_WHAT = {"what_zh": "跟进任务", "what_en": "task"}

StatusQ = Annotated[
    list[str] | None,
    Query(description="状态，可重复或逗号分隔（缺省：open、acknowledged、in_progress）/ status, repeatable"),
]
RuleQ = Annotated[
    list[str] | None, Query(description="规则，可重复或逗号分隔 / rule (AlertRule), repeatable")
]
LimitQ = Annotated[int, Query(ge=1, le=500, description="每页条数 / page size")]
CursorQ = Annotated[str | None, Query(max_length=500, description="上一页返回的 X-Next-Cursor")]
IfMatch = Annotated[str | None, Header(description="任务的 ETag / the task's ETag")]


def _filters(
    *,
    status: list[str] | None,
    rule: list[str] | None,
    overdue: bool | None,
    unit_id: uuid.UUID | None,
    assignee: str | None,
    child_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> TaskFilter:
    statuses = queries.parse_list(status, TaskStatus, "status")
    return TaskFilter(
        rules=queries.parse_list(rule, AlertRule, "rule"),
        statuses=queries.live_or(statuses),
        overdue=overdue,
        unit_id=unit_id,
        assignee=assignee,
        child_id=child_id,
        limit=limit,
        cursor=cursor,
    )


def _paged(page: TaskPage, response: Response, path: str) -> list[TaskOut]:
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
        response.headers["Link"] = f'<{path}?cursor={page.next_cursor}>; rel="next"'
    return page.items


def _tagged(out: TaskDetail, response: Response) -> TaskDetail:
    response.headers["ETag"] = etag(out.version)
    return out


@router.get(
    "/tasks",
    response_model=list[TaskOut],
    summary="我辖区内的跟进任务（筛选、游标分页）/ Follow-up tasks in my scope (filters, keyset pages)",
    responses={**_PAGED, **problem_responses(404)},
)
def list_tasks(
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    status: StatusQ = None,
    rule: RuleQ = None,
    overdue: Annotated[bool | None, Query(description="仅逾期 / only the overdue (true)")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="组织（含下级）/ a unit's subtree")] = None,
    assignee: Annotated[
        str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$", description="负责人账号 / assignee")
    ] = None,
    child_id: Annotated[uuid.UUID | None, Query(description="儿童 / child")] = None,
    limit: LimitQ = 100,
    cursor: CursorQ = None,
) -> list[TaskOut]:
    require_role(user, READERS)
    filters = _filters(
        status=status,
        rule=rule,
        overdue=overdue,
        unit_id=unit_id,
        assignee=assignee,
        child_id=child_id,
        limit=limit,
        cursor=cursor,
    )
    return _paged(queries.list_tasks(uow=uow, principal=user, filters=filters), response, "/v1/tasks")


@router.get(
    "/me/tasks",
    response_model=list[TaskOut],
    summary="我负责的跟进任务 / My follow-up tasks",
    responses=_PAGED,
)
def my_tasks(
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    status: StatusQ = None,
    rule: RuleQ = None,
    overdue: Annotated[bool | None, Query(description="仅逾期 / only the overdue (true)")] = None,
    limit: LimitQ = 100,
    cursor: CursorQ = None,
) -> list[TaskOut]:
    require_role(user, READERS)
    filters = _filters(
        status=status,
        rule=rule,
        overdue=overdue,
        unit_id=None,
        assignee=None,
        child_id=None,
        limit=limit,
        cursor=cursor,
    )
    return _paged(queries.my_tasks(uow=uow, principal=user, filters=filters), response, "/v1/me/tasks")


@router.get(
    "/tasks/{task_id}",
    response_model=TaskDetail,
    summary="查看跟进任务及其记录（ETag）/ A task with its history (ETag)",
)
def get_task(task_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response) -> TaskDetail:
    require_role(user, READERS)
    return _tagged(queries.get_task(uow=uow, principal=user, task_id=task_id), response)


def _version(user: Principal, if_match: str | None) -> int:
    require_role(user, READERS)
    return version_from(if_match, **_WHAT)


@router.post(
    "/tasks/{task_id}/acknowledge",
    response_model=TaskDetail,
    summary="确认任务（需 If-Match）/ Acknowledge a task (If-Match)",
    responses=problem_responses(409, 412, 428),
)
def acknowledge(
    task_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response, if_match: IfMatch = None
) -> TaskDetail:
    version = _version(user, if_match)
    return _tagged(
        task_commands.acknowledge(uow=uow, principal=user, task_id=task_id, version=version), response
    )


@router.post(
    "/tasks/{task_id}/start",
    response_model=TaskDetail,
    summary="开始处理（需 If-Match）/ Start on a task (If-Match)",
    responses=problem_responses(409, 412, 428),
)
def start(
    task_id: uuid.UUID, user: CurrentUser, uow: NewUow, response: Response, if_match: IfMatch = None
) -> TaskDetail:
    version = _version(user, if_match)
    return _tagged(task_commands.start(uow=uow, principal=user, task_id=task_id, version=version), response)


@router.post(
    "/tasks/{task_id}/comments",
    response_model=TaskDetail,
    status_code=201,
    summary="添加备注 / Comment on a task",
    responses=problem_responses(409),
)
def comment(
    task_id: uuid.UUID, body: CommentIn, user: CurrentUser, uow: NewUow, response: Response
) -> TaskDetail:
    require_role(user, READERS)
    return _tagged(task_commands.comment(uow=uow, principal=user, task_id=task_id, body=body), response)


@router.post(
    "/tasks/{task_id}/resolve",
    response_model=TaskDetail,
    summary="办结任务，附处理说明（需 If-Match）/ Resolve a task with a note (If-Match)",
    responses=problem_responses(409, 412, 428),
)
def resolve(
    task_id: uuid.UUID,
    body: ResolveIn,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    if_match: IfMatch = None,
) -> TaskDetail:
    version = _version(user, if_match)
    out = task_commands.resolve(uow=uow, principal=user, task_id=task_id, version=version, body=body)
    return _tagged(out, response)


@router.post(
    "/tasks/{task_id}/reassign",
    response_model=TaskDetail,
    summary="改派任务（需 If-Match）/ Reassign a task (If-Match)",
    responses=problem_responses(409, 412, 428),
)
def reassign(
    task_id: uuid.UUID,
    body: ReassignIn,
    user: CurrentUser,
    uow: NewUow,
    response: Response,
    if_match: IfMatch = None,
) -> TaskDetail:
    version = _version(user, if_match)
    out = task_commands.reassign(uow=uow, principal=user, task_id=task_id, version=version, body=body)
    return _tagged(out, response)


router.include_router(policy_router)  # the city's policy, under the same /v1 (bootstrap lists one router)
