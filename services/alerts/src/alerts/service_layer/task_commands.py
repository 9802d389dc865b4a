"""What people do with a follow-up task (跟进任务): acknowledge it, start on it, comment, resolve it
with a note, reassign it. Each call is one transaction; the state-changing ones check the version the
caller read (If-Match), and none may act on a task that has ended."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update

from alerts.adapters.orm import LIVE, ChildCopy, FollowUpTask, HelperCopy
from alerts.domain.policy import LADDER
from alerts.service_layer import risk, tasks
from alerts.service_layer.queries import TaskDetail, detail, visible_task
from shouhu_contracts.alerts.tasks import (
    Assignee,
    AssigneeRole,
    NotificationKind,
    Resolution,
    TaskAcknowledged,
    TaskEscalated,
)
from shouhu_kit.auth import Principal, Role
from shouhu_kit.etags import stale
from shouhu_kit.problems import Problem, invalid_request
from shouhu_kit.uow import UnitOfWork

# Text a person types: any line breaks and tabs, no other control characters (PostgreSQL refuses NUL).
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_WHAT = {"what_zh": "跟进任务", "what_en": "task"}


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class CommentIn(BaseModel):
    """备注 / A comment on a task."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000, pattern=_TEXT, description="备注内容")
    _blank = field_validator("text")(_not_blank)


class ResolveIn(BaseModel):
    """办结 / Resolve a task with a note."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, pattern=_TEXT, description="处理说明（必填）")
    _blank = field_validator("note")(_not_blank)


class ReassignIn(BaseModel):
    """改派 / Give a task to someone else."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(
        min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f\s]+$", description="新负责人账号"
    )
    role: AssigneeRole | None = Field(default=None, description="新负责人的角色；缺省为原角色")


def _ended(task: FollowUpTask) -> Problem:
    """409: the task has ended (resolved or cancelled); nothing more may be done with it."""
    zh = "已办结" if task.status == "resolved" else "已撤销"
    return Problem(
        status=409,
        slug="task-closed",
        title="任务已结束",
        title_en="Task closed",
        detail=f"该跟进任务{zh}，不能再处理",
        detail_en=f"the task is {task.status}; it can no longer be acted on",
        task_status=task.status,
    )


def _live(uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int | None) -> FollowUpTask:
    """The caller's live task at the version they read, locked for this transaction.

    404 when the caller may not see it, 409 when it has ended, 412 when it changed since. The check
    and the lock are one conditional UPDATE, so two people sending the same ETag cannot both act.
    """
    session = uow.session
    task = visible_task(session, principal, task_id)
    if task.status not in LIVE:
        raise _ended(task)
    if version is None:
        return task
    claimed = session.execute(
        update(FollowUpTask)
        .where(FollowUpTask.id == task.id, FollowUpTask.version == version)
        .values(version=FollowUpTask.version)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        raise stale(**_WHAT)
    session.refresh(task)
    if task.status not in LIVE:  # ended by another transaction while we waited for the row
        raise _ended(task)
    return task


def _answer(uow: UnitOfWork, task: FollowUpTask) -> TaskDetail:
    uow.session.flush()
    out = detail(uow.session, task, uow.now())
    uow.commit()
    return out


def _acknowledge(
    *, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int, status: str, action: str
) -> TaskDetail:
    with uow:
        task = _live(uow, principal, task_id, version)
        if task.status == status or (status == "acknowledged" and task.status == "in_progress"):
            return _answer(uow, task)  # already so: nothing to record, the same answer again
        task.status = status
        task.version += 1
        tasks.history(uow, task, action, by=principal.subject)
        facts = tasks.facts(uow.session, task)
        uow.publish(TaskAcknowledged(**facts, status=status, by=principal.subject, at=uow.now()))
        return _answer(uow, task)


def acknowledge(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int) -> TaskDetail:
    """The assignee (or staff in scope) saw the task: acknowledged (已确认)."""
    return _acknowledge(
        uow=uow,
        principal=principal,
        task_id=task_id,
        version=version,
        status="acknowledged",
        action="acknowledged",
    )


def start(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int) -> TaskDetail:
    """Work on the task has begun: in progress (处理中)."""
    return _acknowledge(
        uow=uow, principal=principal, task_id=task_id, version=version, status="in_progress", action="started"
    )


def comment(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, body: CommentIn) -> TaskDetail:
    """A comment in the task's history (the task itself, and so its ETag, does not change)."""
    with uow:
        task = _live(uow, principal, task_id, None)
        tasks.history(uow, task, "commented", by=principal.subject, text=body.text)
        return _answer(uow, task)


def resolve(
    *, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int, body: ResolveIn
) -> TaskDetail:
    """Resolve the task with a note (已办结)."""
    with uow:
        task = _live(uow, principal, task_id, version)
        tasks.close(uow, task, resolution=Resolution.RESOLVED, note=body.note, by=principal.subject)
        child = uow.session.get(ChildCopy, task.child_id)
        if child is not None:  # the risk its live tasks made goes with them
            uow.session.flush()
            risk.refresh(uow, child)
        return _answer(uow, task)


def _new_assignee(uow: UnitOfWork, task: FollowUpTask, body: ReassignIn) -> Assignee:
    """Who the task goes to: the account in a role (the current one unless named), at that role's unit."""
    session = uow.session
    role = body.role or AssigneeRole(task.assignee_role)
    if role is AssigneeRole.HELPER:
        helper = session.scalars(
            select(HelperCopy).where(HelperCopy.account == body.account, HelperCopy.active.is_(True))
        ).first()
        if helper is None:
            raise invalid_request(
                [
                    {
                        "field": "account",
                        "message": "不是在册的帮扶人账号",
                        "message_en": "not the account of an active helper",
                    }
                ]
            )
        return Assignee(role=role, account=body.account, helper_id=helper.id)
    child = session.get(ChildCopy, task.child_id)
    unit = tasks.office_unit(session, child, role) if child is not None else None
    if role.value == task.assignee_role:
        unit = unit or task.assignee_unit_id
    return Assignee(role=role, account=body.account, unit_id=unit)


def reassign(
    *, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, version: int, body: ReassignIn
) -> TaskDetail:
    """Give the task to another person (改派): their step of the ladder, its days, and they are told."""
    if principal.role is Role.HELPER:
        raise Problem(
            status=403,
            slug="forbidden",
            title="无权执行此操作",
            title_en="Forbidden",
            detail="帮扶人不能改派任务，请联系班主任或上级",
            detail_en="a helper cannot reassign a task; ask the class teacher or an official",
        )
    with uow:
        task = _live(uow, principal, task_id, version)
        who = _new_assignee(uow, task, body)
        if who.account == task.assignee_account and who.role.value == task.assignee_role:
            raise invalid_request(
                [
                    {
                        "field": "account",
                        "message": "任务已由此人负责",
                        "message_en": "the task is already theirs",
                    }
                ]
            )
        previous = tasks.current_assignee(task)
        policy = tasks.policy_for_unit(uow.session, task.class_id).policy
        now = uow.now()
        task.step = LADDER.index(who.role)
        task.assignee_role, task.assignee_account = who.role.value, who.account
        task.assignee_helper_id, task.assignee_unit_id = who.helper_id, who.unit_id
        task.due_at = now + timedelta(days=policy.days_at(who.role))
        task.remind_at = task.due_at - timedelta(hours=policy.nearly_due_hours)
        task.status = "open"  # the new assignee has yet to acknowledge it
        task.version += 1
        tasks.history(uow, task, "reassigned", by=principal.subject, text=f"改派给 {who.account}")
        facts = tasks.facts(uow.session, task)
        uow.publish(TaskEscalated(**facts, previous=previous, reason="reassigned", at=now))
        tasks.tell(uow, task, NotificationKind.ESCALATED)
        return _answer(uow, task)
