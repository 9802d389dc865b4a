"""What the alerts API answers about follow-up tasks (跟进任务): lists in the caller's scope with
filters and keyset pages, my tasks, one task with its history (reads, no commit)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, literal, not_, select, tuple_
from sqlalchemy.orm import Session

from alerts.adapters.orm import LIVE, TREE, FollowUpTask, TaskEvent
from alerts.domain.policy import RULE_NAMES
from shouhu_contracts.alerts.tasks import AlertRule, Assignee
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.scope import scope_filter, sees_unit
from shouhu_kit.problems import invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TaskStatus(StrEnum):
    """任务状态."""

    OPEN = "open"  # 待处理
    ACKNOWLEDGED = "acknowledged"  # 已确认
    IN_PROGRESS = "in_progress"  # 处理中
    RESOLVED = "resolved"  # 已办结
    CANCELLED = "cancelled"  # 已撤销


class TaskOut(BaseModel):
    """跟进任务 / Follow-up task."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    reason: str = Field(description="规则 / the rule that opened it (AlertRule)")
    rule_name: str = Field(description="规则名称")
    rule_name_en: str
    detail: str = Field(description="原因 / why, in Chinese")
    detail_en: str
    status: TaskStatus
    class_id: uuid.UUID
    step: int = Field(description="升级阶梯的第几级，0 为首位负责人 / the ladder's step")
    assignee: Assignee
    opened_at: datetime
    due_at: datetime = Field(description="本级处理期限 / this step's deadline")
    overdue: bool
    resolution: str | None
    resolution_note: str | None
    closed_at: datetime | None
    closed_by: str | None
    version: int = Field(description="ETag 的版本号 / the version the ETag names")


class TaskLine(BaseModel):
    """任务记录 / A line of the task's history."""

    at: datetime
    action: str = Field(
        description="opened, acknowledged, started, commented, escalated, reassigned, resolved…"
    )
    by: str
    text: str
    step: int
    assignee_role: str | None
    assignee_account: str | None


class CommentOut(BaseModel):
    """备注 / A comment."""

    at: datetime
    by: str
    text: str


class TaskDetail(TaskOut):
    """跟进任务及其记录 / A task with its history and comments."""

    history: list[TaskLine]
    comments: list[CommentOut]


@dataclass(frozen=True)
class TaskFilter:
    """What a task list asks for; empty tuples mean any."""

    rules: tuple[AlertRule, ...] = ()
    statuses: tuple[TaskStatus, ...] = field(default_factory=lambda: tuple(TaskStatus(s) for s in LIVE))
    overdue: bool | None = None
    unit_id: uuid.UUID | None = None
    assignee: str | None = None
    child_id: uuid.UUID | None = None
    limit: int = 100
    cursor: str | None = None


@dataclass(frozen=True)
class TaskPage:
    """One page of tasks, soonest due first, and the cursor of the next one (None at the end)."""

    items: list[TaskOut]
    next_cursor: str | None


# Lists read the table's columns, not ORM objects: a page of 100 loads in a third of the time.
_ROW = tuple(FollowUpTask.__table__.columns)


def task_out(task: Any, now: datetime) -> TaskOut:
    """The read model of a task (an ORM object, or a row of its table's columns)."""
    zh, en = RULE_NAMES[AlertRule(task.reason)]
    return TaskOut(
        id=task.id,
        child_id=task.child_id,
        child_name=task.child_name,
        reason=task.reason,
        rule_name=zh,
        rule_name_en=en,
        detail=task.detail,
        detail_en=task.detail_en,
        status=TaskStatus(task.status),
        class_id=task.class_id,
        step=task.step,
        assignee=Assignee(
            role=task.assignee_role,
            account=task.assignee_account,
            helper_id=task.assignee_helper_id,
            unit_id=task.assignee_unit_id,
        ),
        opened_at=task.opened_at,
        due_at=task.due_at,
        overdue=task.status in LIVE and task.due_at < now,
        resolution=task.resolution,
        resolution_note=task.resolution_note,
        closed_at=task.closed_at,
        closed_by=task.closed_by,
        version=task.version,
    )


def encode_cursor(task: Any) -> str:
    """The opaque cursor after this task: its due date and id."""
    raw = json.dumps([task.due_at.isoformat(), str(task.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The last row's due date and id; anything a client could have made up answers 422, never 500."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) for v in values):
            raise ValueError("a cursor is two strings")
        if any(_CONTROL.search(v) for v in values):  # PostgreSQL refuses NUL in a bound parameter
            raise ValueError("control character")
        due = datetime.fromisoformat(values[0])
        if due.tzinfo is None:  # the column binds aware datetimes only
            raise ValueError("naive datetime")
        return due, uuid.UUID(values[1])
    # Base64, UTF-8, JSON, ISO dates and UUIDs fail with a ValueError; '[[[[…' nested deep, a RecursionError.
    except (ValueError, RecursionError, binascii.Error, UnicodeError, OverflowError) as exc:
        raise invalid_request(
            [{"field": "cursor", "location": "query", "message": "游标无效", "message_en": "invalid cursor"}]
        ) from exc


def _in_unit(session: Session, principal: Principal, unit_id: uuid.UUID) -> ColumnElement[bool]:
    """Tasks in a unit's subtree; the unit must lie in the caller's own (else 404, as unknown)."""
    path = TREE.path_of(session, unit_id)
    if path is None or not sees_unit(session, tree=TREE, principal=principal, unit_id=unit_id):
        raise not_found("组织", "Unit")
    return FollowUpTask.class_id.in_(TREE.subtree(path))


def _overdue(now: datetime) -> ColumnElement[bool]:
    return and_(FollowUpTask.status.in_(LIVE), FollowUpTask.due_at < now)


def _filtered(
    query: Select[Any], session: Session, principal: Principal, f: TaskFilter, now: datetime
) -> Select[Any]:
    if f.statuses:
        query = query.where(FollowUpTask.status.in_([s.value for s in f.statuses]))
    if f.rules:
        query = query.where(FollowUpTask.reason.in_([r.value for r in f.rules]))
    if f.overdue is not None:
        query = query.where(_overdue(now) if f.overdue else not_(_overdue(now)))
    if f.unit_id is not None:
        query = query.where(_in_unit(session, principal, f.unit_id))
    if f.assignee is not None:
        query = query.where(FollowUpTask.assignee_account == f.assignee)
    if f.child_id is not None:
        query = query.where(FollowUpTask.child_id == f.child_id)
    if f.cursor:
        due, last = decode_cursor(f.cursor)
        key = tuple_(FollowUpTask.due_at, FollowUpTask.id)
        query = query.where(
            key
            > tuple_(literal(due, type_=FollowUpTask.due_at.type), literal(last, type_=FollowUpTask.id.type))
        )
    return query


def _page(uow: UnitOfWork, query: Select[Any], f: TaskFilter) -> TaskPage:
    rows = list(uow.session.execute(query.order_by(FollowUpTask.due_at, FollowUpTask.id).limit(f.limit + 1)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    now = uow.now()
    return TaskPage(
        items=[task_out(r, now) for r in rows], next_cursor=encode_cursor(rows[-1]) if more and rows else None
    )


def visible(principal: Principal) -> ColumnElement[bool] | None:
    """A helper's restriction: only the tasks assigned to them (None for staff: scope decides)."""
    if principal.role is Role.HELPER:
        return FollowUpTask.assignee_account == principal.subject
    return None


def list_tasks(*, uow: UnitOfWork, principal: Principal, filters: TaskFilter) -> TaskPage:
    """Tasks in the caller's scope (a helper: their own), soonest due first, one keyset page."""
    with uow:
        session = uow.session
        own = visible(principal)
        if own is not None:
            query = select(*_ROW).where(own)
        else:
            query = select(*_ROW).where(
                scope_filter(session, tree=TREE, principal=principal, units=[FollowUpTask.class_id])
            )
        return _page(uow, _filtered(query, session, principal, filters, uow.now()), filters)


def my_tasks(*, uow: UnitOfWork, principal: Principal, filters: TaskFilter) -> TaskPage:
    """The tasks assigned to the caller (by account), whatever their role, one keyset page."""
    with uow:
        query = select(*_ROW).where(FollowUpTask.assignee_account == principal.subject)
        return _page(uow, _filtered(query, uow.session, principal, filters, uow.now()), filters)


def may_see(session: Session, principal: Principal, task: FollowUpTask) -> bool:
    """The assignee sees their task; staff see the tasks in their subtree; a helper only their own."""
    if task.assignee_account is not None and task.assignee_account == principal.subject:
        return True
    if principal.role is Role.HELPER:
        return False
    return sees_unit(session, tree=TREE, principal=principal, unit_id=task.class_id)


def visible_task(session: Session, principal: Principal, task_id: uuid.UUID) -> FollowUpTask:
    """The task, or 404 when missing or not the caller's to see."""
    task = session.get(FollowUpTask, task_id)
    if task is None or not may_see(session, principal, task):
        raise not_found("跟进任务", "Task")
    return task


def detail(session: Session, task: FollowUpTask, now: datetime) -> TaskDetail:
    """A task with its history lines, oldest first, and its comments."""
    lines = session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
    ).all()
    history = [TaskLine.model_validate(line, from_attributes=True) for line in lines]
    comments = [CommentOut(at=h.at, by=h.by, text=h.text) for h in history if h.action == "commented"]
    return TaskDetail(**task_out(task, now).model_dump(), history=history, comments=comments)


def get_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID) -> TaskDetail:
    """One task with its history, or 404 when missing or not the caller's to see."""
    with uow:
        task = visible_task(uow.session, principal, task_id)
        return detail(uow.session, task, uow.now())


def parse_list(values: Sequence[str] | None, kind: type[StrEnum], field_name: str) -> tuple[Any, ...]:
    """A repeatable or comma-separated query parameter as enum members; 422 naming the bad value."""
    out: list[Any] = []
    for value in values or ():
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                out.append(kind(part))
            except ValueError as exc:
                allowed = "、".join(m.value for m in kind)
                raise invalid_request(
                    [
                        {
                            "field": field_name,
                            "location": "query",
                            "message": f"取值无效，可选：{allowed}",
                            "message_en": f"not one of: {', '.join(m.value for m in kind)}",
                        }
                    ]
                ) from exc
    return tuple(dict.fromkeys(out))


def live_or(statuses: tuple[TaskStatus, ...]) -> tuple[TaskStatus, ...]:
    """The statuses asked for, else the live ones (open, acknowledged, in progress)."""
    return statuses or tuple(TaskStatus(s) for s in LIVE)
