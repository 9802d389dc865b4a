"""Follow-up task events (跟进任务): opened, acknowledged, escalated, resolved, cancelled; and the
notifications sent about them. `alerts.task.opened.v2` is published beside the released v1, which
named only the grade-drop rule (v1 stays, for grade drops, until its readers move to v2)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from shouhu_contracts.envelope import EventData

_AT = datetime(2027, 4, 1, 0, 5, tzinfo=UTC)
_TASK = UUID("8e3b1c2d-4f5a-4b6c-9d7e-0f1a2b3c4d5e")
_CHILD = UUID("5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41")
_HELPER = UUID("3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e6f")
_PATH = [UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01"), UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a02")]


class AlertRule(StrEnum):
    """The rule that opened a task (预警规则)."""

    CONTACT_MISSED = "contact_missed"  # 未按时联系
    GRADE_DROP = "grade_drop"  # 学习滑坡
    NO_GUARDIAN = "no_guardian"  # 无人监护
    GUARDIAN_UNFIT = "guardian_unfit"  # 监护人年老或体弱
    GUARDIANSHIP_POOR = "guardianship_poor"  # 监护情况差
    NOT_PAIRED = "not_paired"  # 建档后未结对
    ARCHIVE_INCOMPLETE = "archive_incomplete"  # 联系卡不完整
    SERIOUS_VIOLATION = "serious_violation"  # 严重违纪
    CHRONIC_ABSENCE = "chronic_absence"  # 长期缺勤
    DROPPED_OUT = "dropped_out"  # 辍学


class AssigneeRole(StrEnum):
    """Who a task is for, on the escalation ladder (helper → … → district office)."""

    HELPER = "helper"  # 结对帮扶人
    CLASS_TEACHER = "class_teacher"  # 班主任
    VILLAGE_DIRECTOR = "village_director"  # 村（居）儿童主任
    TOWNSHIP_SUPERVISOR = "township_supervisor"  # 乡镇（街道）儿童督导员
    DISTRICT_OFFICE = "district_office"  # 区县民政/教育部门


class Assignee(BaseModel):
    """The person or office a task is assigned to (never their phone or mail)."""

    role: AssigneeRole
    account: str | None = Field(default=None, max_length=100, description="The person's login, when known")
    helper_id: UUID | None = None
    unit_id: UUID | None = Field(default=None, description="The unit whose office holds it (a village…)")


class Resolution(StrEnum):
    """How a task ended."""

    RESOLVED = "resolved"  # 已处理（有处理说明）
    CAUSE_CLEARED = "cause_cleared"  # 起因已消除（联系已补登、已结对…）


class TaskFacts(EventData):
    """What every task event restates."""

    topic: ClassVar[str] = "alerts.tasks"
    key_field: ClassVar[str] = "child_id"

    task_id: UUID
    child_id: UUID
    rule: AlertRule
    org_path: list[UUID] = Field(min_length=1, description="The child's class path")
    assignee: Assignee
    step: int = Field(ge=0, description="The ladder's step: 0 the first assignee")
    due_at: AwareDatetime


class TaskOpened(TaskFacts):
    """A follow-up task was opened for a child, for a named person."""

    event_type: ClassVar[str] = "alerts.task.opened.v2"
    summary: ClassVar[str] = "跟进任务已创建 / Follow-up task opened"

    cause_key: str = Field(max_length=200, description="What the task is about, unique per child and rule")
    detail: str = Field(description="Why, in Chinese, e.g. 三月未按时联系")
    detail_en: str
    cause_event_id: UUID | None
    opened_at: AwareDatetime

    @classmethod
    def example(cls) -> TaskOpened:
        """March passed without the monthly call."""
        return cls(
            task_id=_TASK,
            child_id=_CHILD,
            rule=AlertRule.CONTACT_MISSED,
            org_path=_PATH,
            assignee=Assignee(role=AssigneeRole.HELPER, account="teacher-li", helper_id=_HELPER),
            step=0,
            due_at=datetime(2027, 4, 8, 0, 5, tzinfo=UTC),
            cause_key="helper_contact_monthly:2027-03",
            detail="帮扶人每月联系儿童一次：2027年3月未完成",
            detail_en="Helper contacts the child monthly: not done in March 2027",
            cause_event_id=UUID("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
            opened_at=_AT,
        )


class TaskAcknowledged(TaskFacts):
    """The assignee acknowledged a task (or started on it)."""

    event_type: ClassVar[str] = "alerts.task.acknowledged.v1"
    summary: ClassVar[str] = "跟进任务已确认 / Task acknowledged"

    status: str = Field(description="acknowledged 已确认 / in_progress 处理中")
    by: str = Field(max_length=100)
    at: AwareDatetime

    @classmethod
    def example(cls) -> TaskAcknowledged:
        """The helper saw it."""
        facts = TaskOpened.example().model_dump(include=set(TaskFacts.model_fields))
        return cls(**facts, status="acknowledged", by="teacher-li", at=_AT)


class TaskEscalated(TaskFacts):
    """An overdue task climbed a step of the ladder (`assignee` is the new one), or was reassigned."""

    event_type: ClassVar[str] = "alerts.task.escalated.v1"
    summary: ClassVar[str] = "跟进任务已升级 / Task escalated"

    previous: Assignee
    reason: str = Field(description="overdue 逾期 / reassigned 改派")
    at: AwareDatetime

    @classmethod
    def example(cls) -> TaskEscalated:
        """Nobody acted: the class teacher now."""
        facts = TaskOpened.example().model_dump(include=set(TaskFacts.model_fields))
        facts |= {"assignee": Assignee(role=AssigneeRole.CLASS_TEACHER, account="ct-wang"), "step": 1}
        previous = Assignee(role=AssigneeRole.HELPER, account="teacher-li", helper_id=_HELPER)
        return cls(**facts, previous=previous, reason="overdue", at=_AT)


class TaskResolved(TaskFacts):
    """A task ended: resolved by a person with a note, or closed because its cause cleared."""

    event_type: ClassVar[str] = "alerts.task.resolved.v1"
    summary: ClassVar[str] = "跟进任务已办结 / Task resolved"

    resolution: Resolution
    note: str = Field(max_length=500, description="The resolution note, or what cleared the cause")
    by: str = Field(max_length=100, description="Who resolved it, or 'system'")
    at: AwareDatetime

    @classmethod
    def example(cls) -> TaskResolved:
        """The call was logged late: the cause cleared."""
        facts = TaskOpened.example().model_dump(include=set(TaskFacts.model_fields))
        return cls(
            **facts,
            resolution=Resolution.CAUSE_CLEARED,
            note="联系已补登（3月28日电话）",
            by="system",
            at=_AT,
        )


class TaskCancelled(TaskFacts):
    """A task no longer applies (the child left the programme, the rule was switched off)."""

    event_type: ClassVar[str] = "alerts.task.cancelled.v1"
    summary: ClassVar[str] = "跟进任务已撤销 / Task cancelled"

    reason: str = Field(max_length=200)
    by: str = Field(max_length=100)
    at: AwareDatetime

    @classmethod
    def example(cls) -> TaskCancelled:
        """The child left the programme."""
        facts = TaskOpened.example().model_dump(include=set(TaskFacts.model_fields))
        return cls(**facts, reason="儿童已退出关爱名单", by="system", at=_AT)


class NotificationKind(StrEnum):
    """Why a person was told."""

    OPENED = "opened"  # 新任务
    ESCALATED = "escalated"  # 任务升级
    NEARLY_DUE = "nearly_due"  # 即将到期
    DIGEST = "digest"  # 每周汇总


class NotificationSent(EventData):
    """A person was told, through a channel (never the address itself)."""

    event_type: ClassVar[str] = "alerts.notification.sent.v1"
    topic: ClassVar[str] = "alerts.notifications"
    key_field: ClassVar[str] = "recipient"
    summary: ClassVar[str] = "通知已发送 / Notification sent"

    notification_id: UUID
    recipient: str = Field(max_length=100, description="The person's login (account)")
    kind: NotificationKind
    channel: str = Field(description="email / webhook / log")
    task_id: UUID | None
    child_id: UUID | None
    sent_at: AwareDatetime
    attempts: int = Field(ge=1)

    @classmethod
    def example(cls) -> NotificationSent:
        """A new task, by mail."""
        return cls(
            notification_id=UUID("9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"),
            recipient="teacher-li",
            kind=NotificationKind.OPENED,
            channel="email",
            task_id=_TASK,
            child_id=_CHILD,
            sent_at=_AT,
            attempts=1,
        )
