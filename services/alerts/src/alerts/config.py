"""Alerts settings, including the grade-drop policy a city configures."""

from typing import ClassVar

from pydantic import Field

from shouhu_kit.settings import ServiceSettings


class AlertsSettings(ServiceSettings):
    """Settings of the alerts service (env SHOUHU_ALERTS_*, then SHOUHU_*)."""

    service: ClassVar[str] = "alerts"
    api_port: int = 8003
    worker_port: int = 9003
    grade_drop_rank_places: int = Field(default=10, ge=1, description="rank places lost that open a task")
    grade_drop_total_share: float = Field(
        default=0.15, gt=0, lt=1, description="share of the total score lost that opens a task"
    )
    task_due_days: int = Field(default=7, ge=1, description="days to act on a new task")
