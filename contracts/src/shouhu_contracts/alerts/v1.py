"""Alerts events, version 1: follow-up tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from shouhu_contracts.envelope import EventData


class TaskReason(StrEnum):
    """Why a follow-up task was opened."""

    GRADE_DROP = "grade_drop"  # 学习滑坡


class RiskLevel(StrEnum):
    """A child's risk (风险等级)."""

    LOW = "low"  # 低
    MEDIUM = "medium"  # 中
    HIGH = "high"  # 高


class RiskDimension(StrEnum):
    """The five haves (五有) a risk is read against."""

    SCHOOLING = "schooling"  # 学业有教
    GUARDIANSHIP = "guardianship"  # 监护有人
    LIVING = "living"  # 生活有助
    HEALTH = "health"  # 健康有保
    SAFETY = "safety"  # 安全有护


class RiskReason(BaseModel):
    """One reason behind a child's risk."""

    dimension: RiskDimension
    code: str = Field(description="The rule's code, e.g. no_guardian")
    text: str = Field(description="In Chinese, e.g. 无监护人")
    text_en: str


class RiskLevelChanged(EventData):
    """A child's risk level, or its reasons, changed (so pairing can put the riskiest first)."""

    event_type: ClassVar[str] = "alerts.risk.changed.v1"
    topic: ClassVar[str] = "alerts.risk"
    key_field: ClassVar[str] = "child_id"
    summary: ClassVar[str] = "儿童风险等级变化 / Risk level changed"

    child_id: UUID
    level: RiskLevel
    previous_level: RiskLevel | None
    reasons: list[RiskReason]
    org_path: list[UUID] = Field(min_length=1)
    changed_at: AwareDatetime

    @classmethod
    def example(cls) -> RiskLevelChanged:
        """No guardian: high at once."""
        return cls(
            child_id=UUID("5c1f2a7e-1d2b-4e8f-8a3c-9e0d7b6a5f41"),
            level=RiskLevel.HIGH,
            previous_level=RiskLevel.LOW,
            reasons=[
                RiskReason(
                    dimension=RiskDimension.GUARDIANSHIP,
                    code="no_guardian",
                    text="无监护人",
                    text_en="No guardian",
                )
            ],
            org_path=[UUID("0b7d6f0e-6a51-4c1e-9a5d-3f1f0d1c0a01")],
            changed_at=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
        )


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
