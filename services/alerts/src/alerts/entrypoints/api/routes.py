"""Alerts HTTP routes: parse, call one service function, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from alerts.service_layer import queries
from alerts.service_layer.queries import TaskOut, TaskStatus
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, NewUow

READERS = tuple(r for r in Role if r not in (Role.OPS,))
router = APIRouter(prefix="/v1", tags=["tasks"])


@router.get("/tasks", response_model=list[TaskOut], summary="跟进任务列表 / List follow-up tasks")
def list_tasks(
    user: CurrentUser,
    uow: NewUow,
    status: Annotated[TaskStatus | None, Query(description="状态 / status")] = TaskStatus.OPEN,
    child_id: Annotated[uuid.UUID | None, Query(description="儿童 / child")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TaskOut]:
    require_role(user, READERS)
    return queries.list_tasks(uow=uow, principal=user, status=status, child_id=child_id, limit=limit)


@router.get("/tasks/{task_id}", response_model=TaskOut, summary="查看跟进任务 / Get a task")
def get_task(task_id: uuid.UUID, user: CurrentUser, uow: NewUow) -> TaskOut:
    require_role(user, READERS)
    return queries.get_task(uow=uow, principal=user, task_id=task_id)
