"""Pairing settings."""

from typing import ClassVar

from pydantic import Field

from shouhu_kit.settings import ServiceSettings


class PairingSettings(ServiceSettings):
    """Settings of the pairing service (env SHOUHU_PAIRING_*, then SHOUHU_*)."""

    service: ClassVar[str] = "pairing"
    api_port: int = 8002
    worker_port: int = 9002
    # The closing job: how many due windows one run closes, and how often it looks.
    obligation_close_batch: int = Field(default=500, ge=1, le=10_000)
    obligation_close_every_seconds: int = Field(default=60, ge=1, le=86_400)
