"""Alerts settings, including the grade-drop policy a city configures."""

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

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
    # The ladder's jobs: how many tasks or messages one run takes, and how often each looks.
    ladder_batch: int = Field(default=500, ge=1, le=10_000, description="tasks one escalation run takes")
    escalate_every_seconds: int = Field(default=60, ge=1, le=86_400)
    remind_every_seconds: int = Field(default=300, ge=1, le=86_400)
    digest_every_seconds: int = Field(default=600, ge=1, le=86_400, description="looks for the due Monday")
    digest_batch: int = Field(default=200, ge=1, le=5_000, description="accounts one digest run covers")
    digest_max_lines: int = Field(default=30, ge=1, le=500, description="tasks listed in one digest")
    # Sending (通知): the channel, retries with exponential backoff, then failed.
    notify_channel: Literal["log", "email", "webhook"] = "log"
    notify_every_seconds: int = Field(default=10, ge=1, le=3_600)
    notify_batch: int = Field(default=50, ge=1, le=1_000, description="messages one sending run takes")
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    notify_retry_base_seconds: float = Field(default=60, gt=0, description="first retry; doubles each time")
    notify_retry_max_seconds: float = Field(default=6 * 3600, gt=0)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="shouhu@localhost", max_length=200)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10, gt=0, le=120)
    webhook_gateway_url: str | None = Field(
        default=None, description="an SMS gateway or WeCom bot for people without their own webhook"
    )
    webhook_timeout_seconds: float = Field(default=5, gt=0, le=60)
