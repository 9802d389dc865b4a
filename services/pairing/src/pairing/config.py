"""Pairing settings."""

from typing import ClassVar

from shouhu_kit.settings import ServiceSettings


class PairingSettings(ServiceSettings):
    """Settings of the pairing service (env SHOUHU_PAIRING_*, then SHOUHU_*)."""

    service: ClassVar[str] = "pairing"
    api_port: int = 8002
    worker_port: int = 9002
