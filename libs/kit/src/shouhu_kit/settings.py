"""Settings from the environment (pydantic-settings); built in bootstrap, never at import."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shouhu_kit.dead_letter_policy import DeadLetterPolicy

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside dev


class Environment(StrEnum):
    """Where the process runs: dev allows the development secret, prod refuses it."""

    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class ServiceSettings(BaseSettings):
    """Settings every service shares.

    Each field is read from SHOUHU_<SERVICE>_<FIELD>, else SHOUHU_<FIELD>, so one machine
    can run four services with their own databases and one shared broker.
    """

    service: ClassVar[str] = "service"
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # No default: a process must be told where it runs, so production is never reached by omission.
    env: Environment
    database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_topic_prefix: str = Field(default="", pattern=r"^[a-zA-Z0-9._-]*$")
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "shouhu"
    http_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    worker_port: int = Field(default=9000, ge=1, le=65535)
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_linger_ms: int = Field(default=5, ge=0, le=1_000, description="pause after a short batch")
    relay_idle_seconds: float = Field(default=0.2, gt=0)
    # At most 5,000: a batch's one processed-events lookup stays under SQLite's 32,766 bound parameters.
    consumer_batch_size: int = Field(default=500, ge=1, le=5_000, description="records per poll")
    consumer_linger_ms: int = Field(default=5, ge=0, le=1_000, description="wait to fill a batch")
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    consumer_retry_backoff_seconds: float = Field(default=0.5, ge=0)
    outbox_keep_hours: float = Field(
        default=168, gt=0, description="published outbox rows older than this are deleted"
    )
    scheduler_tick_seconds: float = Field(default=1.0, gt=0, description="how often due jobs are looked for")
    dead_letter_max_consecutive: int = Field(default=50, ge=0, description="0: no limit")
    dead_letter_max_share: float = Field(default=0.5, gt=0, le=1, description="1: no limit")
    dead_letter_window: int = Field(default=200, ge=1, le=100_000)
    data_dir: str = ".local/data"
    max_request_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, description="larger bodies get 413")
    # A shifted or accelerated clock for demonstrations (shouhu_kit.clock.AcceleratedClock), never prod.
    clock_speed: float = Field(default=1.0, gt=0, le=1_000_000, description="virtual seconds per wall second")
    clock_start: AwareDatetime | None = Field(default=None, description="the virtual time at the epoch")
    clock_epoch: AwareDatetime | None = Field(
        default=None, description="the wall time the platform started (shared by every process)"
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> ServiceSettings:
        if self.env is Environment.PROD and (self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32):
            raise ValueError("jwt_secret: prod needs a secret of at least 32 characters, not the dev one")
        if self.env is Environment.PROD and self.database_url.startswith("sqlite"):
            raise ValueError("database_url: prod runs on PostgreSQL, not SQLite")
        if self.env is Environment.PROD:
            for name in ("clock_speed", "clock_start", "clock_epoch"):
                if getattr(self, name) not in (None, 1):
                    raise ValueError(f"{name}: prod runs on the real clock, not a shifted or accelerated one")
        return self

    @property
    def clock_shifted(self) -> bool:
        """True when the process runs on an accelerated or shifted clock (a demonstration)."""
        return self.clock_speed != 1 or self.clock_start is not None

    def virtual_epoch(self, wall_now: datetime) -> tuple[datetime, datetime]:
        """The (wall, virtual) epochs of the shifted clock: the shared ones, else now."""
        wall = self.clock_epoch or wall_now
        return wall, self.clock_start or wall

    @property
    def effective_database_url(self) -> str:
        """The configured URL, else an SQLite file of this service's own (the embedded default)."""
        return self.database_url or f"sqlite:///{self.data_dir}/{self.service}.db"

    @property
    def dead_letter_policy(self) -> DeadLetterPolicy:
        """When a consumer halts instead of draining its topics into the dead-letter queue."""
        return DeadLetterPolicy(
            max_consecutive=self.dead_letter_max_consecutive,
            max_share=self.dead_letter_max_share,
            window=self.dead_letter_window,
        )

    @property
    def source(self) -> str:
        """The CloudEvents source attribute of this service's events."""
        return f"/shouhu/{self.service}"

    def topic(self, name: str) -> str:
        """A catalogue topic name with this deployment's prefix."""
        return f"{self.kafka_topic_prefix}{name}"

    def group(self, name: str) -> str:
        """A consumer group id with this deployment's prefix."""
        return f"{self.kafka_topic_prefix}{self.service}.{name}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        service_prefix = f"SHOUHU_{cls.service.upper()}_"
        return (
            init_settings,
            EnvSettingsSource(settings_cls, env_prefix=service_prefix),
            EnvSettingsSource(settings_cls, env_prefix="SHOUHU_"),
        )


def load_settings(cls: type[ServiceSettings], **overrides: Any) -> ServiceSettings:
    """Read and validate settings now; a bad value stops the process with the field's name."""
    return cls(**overrides)
