"""Alerts HTTP routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from alerts.adapters.orm import TREE, FollowUpTask
from shouhu_kit.auth import Role, require_role
from shouhu_kit.deps import CurrentUser, Uow
from shouhu_kit.org.scope import scope_filter, sees_unit
from shouhu_kit.problems import not_found

READERS = tuple(r for r in Role if r not in (Role.OPS,))
router = APIRouter(prefix="/v1", tags=["tasks"])


class TaskStatus(StrEnum):
    """任务状态."""

    OPEN = "open"  # 待跟进
    CLOSED = "closed"  # 已关闭


class TaskOut(BaseModel):
    """跟进任务 / Follow-up task."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    reason: str
    detail: str
    status: TaskStatus
    opened_at: datetime
    due_at: datetime


@router.get("/tasks", response_model=list[TaskOut], summary="跟进任务列表 / List follow-up tasks")
def list_tasks(
    user: CurrentUser,
    uow: Uow,
    status: Annotated[TaskStatus | None, Query(description="状态 / status")] = TaskStatus.OPEN,
    child_id: Annotated[uuid.UUID | None, Query(description="儿童 / child")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TaskOut]:
    require_role(user, READERS)
    query = select(FollowUpTask).where(
        scope_filter(uow.session, tree=TREE, principal=user, units=[FollowUpTask.class_id])
    )
    if status is not None:
        query = query.where(FollowUpTask.status == status.value)
    if child_id is not None:
        query = query.where(FollowUpTask.child_id == child_id)
    rows = uow.session.scalars(query.order_by(FollowUpTask.due_at, FollowUpTask.id).limit(limit)).all()
    return [TaskOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/tasks/{task_id}", response_model=TaskOut, summary="查看跟进任务 / Get a task")
def get_task(task_id: uuid.UUID, user: CurrentUser, uow: Uow) -> TaskOut:
    require_role(user, READERS)
    row = uow.session.get(FollowUpTask, task_id)
    if row is None or not sees_unit(uow.session, tree=TREE, principal=user, unit_id=row.class_id):
        raise not_found("跟进任务", "Task")
    return TaskOut.model_validate(row, from_attributes=True)
