"""Alerts events, version 1: follow-up tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from shouhu_contracts.envelope import EventData


class TaskReason(StrEnum):
    """Why a follow-up task was opened."""

    GRADE_DROP = "grade_drop"  # 学习滑坡


class FollowUpTaskOpened(EventData):
    """A follow-up task (跟进任务) was opened for a child."""

    event_type: ClassVar[str] = "alerts.task.opened.v1"
    topic: ClassVar[str] = "alerts.tasks"
    key_field: ClassVar[str] = "child_id"
    summary: ClassVar[str] = "跟进任务已创建 / Follow-up task opened"

    task_id: UUID
    child_id: UUID
    reason: TaskReason
    detail: str = Field(description="Why, in Chinese, e.g. 班级排名下降12名")
    org_path: list[UUID] = Field(min_length=1)
    cause_event_id: UUID = Field(description="The event that triggered the rule")
    opened_at: AwareDatetime
    due_at: AwareDatetime

    @classmethod
    def example(cls) -> FollowUpTaskOpened:
        """A grade-drop task."""
        at = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
        return cls(
            task_id=UUID("8e3b1c2d-4f5a-4b6c-9d7e-0f1a2b3c4d5e"),
            child_id=UUID("5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41"),
            reason=TaskReason.GRADE_DROP,
            detail="班级排名下降12名（第7名→第19名）",
            org_path=[UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01")],
            cause_event_id=UUID("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
            opened_at=at,
            due_at=datetime(2027, 1, 27, 8, 0, tzinfo=UTC),
        )
