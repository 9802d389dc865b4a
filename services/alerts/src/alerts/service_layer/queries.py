"""What the alerts API answers: follow-up tasks within the caller's scope (reads, no commit)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select

from alerts.adapters.orm import TREE, FollowUpTask
from shouhu_kit.auth import Principal
from shouhu_kit.org.scope import scope_filter, sees_unit
from shouhu_kit.problems import not_found
from shouhu_kit.uow import UnitOfWork


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


def list_tasks(
    *,
    uow: UnitOfWork,
    principal: Principal,
    status: TaskStatus | None,
    child_id: uuid.UUID | None,
    limit: int,
) -> list[TaskOut]:
    """Tasks in the caller's subtree, soonest due first."""
    with uow:
        query = select(FollowUpTask).where(
            scope_filter(uow.session, tree=TREE, principal=principal, units=[FollowUpTask.class_id])
        )
        if status is not None:
            query = query.where(FollowUpTask.status == status.value)
        if child_id is not None:
            query = query.where(FollowUpTask.child_id == child_id)
        rows = uow.session.scalars(query.order_by(FollowUpTask.due_at, FollowUpTask.id).limit(limit)).all()
        return [TaskOut.model_validate(r, from_attributes=True) for r in rows]


def get_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID) -> TaskOut:
    """One task, or 404 when missing or outside the caller's subtree."""
    with uow:
        row = uow.session.get(FollowUpTask, task_id)
        if row is None or not sees_unit(uow.session, tree=TREE, principal=principal, unit_id=row.class_id):
            raise not_found("跟进任务", "Task")
        return TaskOut.model_validate(row, from_attributes=True)
